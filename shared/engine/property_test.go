package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// flaky is a channel that fails at random, sometimes for good. The dispatcher runs
// channels concurrently, so each has its own generator behind a lock.
type flaky struct {
	mu   sync.Mutex
	rng  *rand.Rand
	name string
}

func (c *flaky) Name() string { return c.name }
func (c *flaky) Send(_ context.Context, n notify.Notice, _ string) (string, error) {
	c.mu.Lock()
	roll := c.rng.IntN(10)
	c.mu.Unlock()
	switch roll {
	case 0:
		return "", &notify.DeliveryError{Channel: c.name, Status: 410, Permanent: true, Err: errors.New("gone")}
	case 1, 2, 3:
		return "", &notify.DeliveryError{Channel: c.name, Status: 500, Err: errors.New("down")}
	}
	if c.name == "threaded" {
		return "ts-" + n.ID[:8], nil
	}
	return "", nil
}

// Every document the engine emits — after hops whose notices were delivered, queued or
// refused, whose calls partly failed, with the key on and off, and after splitting for a
// queue — decodes, verifies, and re-encodes to the same bytes. This is the property whose
// absence lost healthy SQS watches: a signed document that rejected itself.
func TestEveryEmittedDocumentVerifiesAsItself(t *testing.T) {
	for seed := range uint64(150) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			var key []byte
			if seed%2 == 0 {
				key = []byte("property-state-key")
			}
			n := 1 + rng.IntN(60)
			ids := make([]string, n)
			for i := range ids {
				ids[i] = strconv.Itoa(100000 + i)
			}
			drv := &scripted{answer: func(hop int, batch []string) ([]provider.Object, error) {
				if rng.IntN(5) == 0 {
					return nil, &provider.Error{Provider: "scripted", Kind: provider.KindUnavailable, Code: "ServiceUnavailable"}
				}
				var out []provider.Object
				for _, id := range batch {
					st := []provider.Status{provider.Running, provider.Running, provider.Complete, provider.Failed, provider.Unknown, provider.Pending}[rng.IntN(6)]
					if st == provider.Unknown {
						continue // absent from the answer
					}
					o := provider.Object{TaskID: id, Status: st, Path: "/p/" + id + "?q=<&>", Progress: fmt.Sprintf("%d%%", rng.IntN(100)),
						Created: time.Date(2026, 11, 24, 7, 59, 0, 0, time.UTC)}
					if st == provider.Failed {
						o.Reason = "Origin Return StatusCode 5XX"
					}
					out = append(out, o)
				}
				return out, nil
			}}
			e, now := newEngine(drv, &inbox{})
			e.Dispatcher.Channels = []notify.Channel{&flaky{rng: rand.New(rand.NewPCG(seed, 1)), name: "plain"},
				&flaky{rng: rand.New(rand.NewPCG(seed, 2)), name: "threaded"}}
			e.StateKey = key
			var notifyList []string
			if rng.IntN(3) > 0 {
				notifyList = []string{"plain"} // no thread handles: the outbox can empty out completely
			}
			doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: ids, Notify: notifyList, Label: "prop <v1>",
				Timeout: watch.Duration{D: time.Duration(1+rng.IntN(20)) * time.Minute}}
			for hop := 0; hop < 200 && !doc.Done(); hop++ {
				h, err := e.Step(context.Background(), doc)
				if err != nil {
					t.Fatalf("hop %d: %v", hop, err)
				}
				emitted := checkRoundTrip(t, h.Doc, key)
				// The next hop starts from what was emitted, as a queue would deliver it.
				doc = emitted
				if rng.IntN(4) == 0 && len(doc.TaskIDs) > 1 && doc.State != nil {
					parts, err := watch.Split(doc, 400+rng.IntN(2000))
					if err == nil {
						for _, p := range parts {
							if err := watch.Seal(p, key); err != nil {
								t.Fatal(err)
							}
							checkRoundTrip(t, p, key)
						}
					}
				}
				*now = now.Add(max(h.Wait, time.Second))
			}
		})
	}
}

func checkRoundTrip(t *testing.T, d *watch.Document, key []byte) *watch.Document {
	t.Helper()
	b, err := watch.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := watch.Decode(b, key)
	if err != nil {
		t.Fatalf("emitted document does not decode: %v\n%s", err, b)
	}
	b2, err := watch.Encode(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("emitted document re-encodes differently:\n%s\n%s", b, b2)
	}
	return got
}
