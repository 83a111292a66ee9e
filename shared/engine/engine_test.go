package engine

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// scripted is a driver whose answers are a function of the hop, to test the loop's rules
// (retries, refusals, delivery) apart from any provider.
type scripted struct {
	mu     sync.Mutex
	hop    int
	answer func(hop int, ids []string) ([]provider.Object, error)
}

func (s *scripted) Name() string { return "scripted" }
func (s *scripted) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 10, QPS: 1000, Retention: time.Hour}
}
func (s *scripted) Describe(_ context.Context, ids []string) ([]provider.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answer(s.hop, ids)
}

type inbox struct {
	mu   sync.Mutex
	got  []notify.Notice
	fail int
}

func (c *inbox) Name() string { return "test" }
func (c *inbox) Send(_ context.Context, n notify.Notice, _ string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail > 0 {
		c.fail--
		return "", &notify.DeliveryError{Channel: "test", Status: 503, Err: errors.New("unavailable")}
	}
	c.got = append(c.got, n)
	return "", nil
}

func newEngine(drv *scripted, ch *inbox) (*Engine, *time.Time) {
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	cl := provider.NewClient(drv, 0)
	e := &Engine{
		Open:       func(context.Context, *watch.Document) (*provider.Client, error) { return cl, nil },
		Dispatcher: &notify.Dispatcher{Channels: []notify.Channel{ch}, Sleep: func(context.Context, time.Duration) error { return nil }, MaxAttempts: 1},
		Now:        func() time.Time { return now },
	}
	e.Sleep = func(_ context.Context, d time.Duration) error {
		now = now.Add(d)
		drv.mu.Lock()
		drv.hop++
		drv.mu.Unlock()
		return nil
	}
	return e, &now
}

func rows(ids []string, st provider.Status) []provider.Object {
	var out []provider.Object
	for _, id := range ids {
		out = append(out, provider.Object{TaskID: id, Status: st, Path: "/" + id})
	}
	return out
}

func TestRunToCompletionDeliversOnce(t *testing.T) {
	drv := &scripted{answer: func(hop int, ids []string) ([]provider.Object, error) {
		if hop < 2 {
			return rows(ids, provider.Running), nil
		}
		return rows(ids, provider.Complete), nil
	}}
	ch := &inbox{}
	e, _ := newEngine(drv, ch)
	doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1", "2"}}
	h, err := e.Run(context.Background(), doc, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !h.Done() || h.Doc.State.Complete != 2 || h.Doc.State.Hops != 3 {
		t.Fatalf("done=%v state=%+v", h.Done(), h.Doc.State)
	}
	if len(ch.got) != 1 || ch.got[0].Kind != notify.WatchFinished {
		t.Fatalf("delivered %+v, want one watch.finished", ch.got)
	}
	if h.Doc.State.Calls != 3 {
		t.Errorf("calls = %d, want 3 (one batch per hop)", h.Doc.State.Calls)
	}
}

func TestRunKeepsUndeliveredNoticeForNextHop(t *testing.T) {
	drv := &scripted{answer: func(hop int, ids []string) ([]provider.Object, error) {
		return rows(ids, provider.Complete), nil
	}}
	ch := &inbox{fail: 1}
	e, _ := newEngine(drv, ch)
	doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1"}}
	h, err := e.Step(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if h.Done() || len(h.Doc.State.Outbox.Queue) != 1 || h.Wait == 0 {
		t.Fatalf("after a failed delivery: done=%v queued=%d wait=%v", h.Done(), len(h.Doc.State.Outbox.Queue), h.Wait)
	}
	h2, err := e.Step(context.Background(), h.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if !h2.Done() || len(ch.got) != 1 {
		t.Fatalf("second hop: done=%v delivered=%d", h2.Done(), len(ch.got))
	}
}

func TestRunStopsOnRefusal(t *testing.T) {
	refused := &scripted{answer: func(int, []string) ([]provider.Object, error) {
		return nil, &provider.Error{Provider: "scripted", Kind: provider.KindAuth, Code: "InvalidAccessKeyId.NotFound"}
	}}
	e, _ := newEngine(refused, &inbox{})
	doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1"}}
	if _, err := e.Run(context.Background(), doc, time.Now().Add(time.Hour)); !provider.Refused(err) {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

// A provider that stays down does not end the watch early: it runs to its own timeout,
// backing off, and ends with the timeout notice naming what is pending.
func TestProviderDownRunsToTimeout(t *testing.T) {
	calls := 0
	down := &scripted{answer: func(int, []string) ([]provider.Object, error) {
		calls++
		return nil, &provider.Error{Provider: "scripted", Kind: provider.KindUnavailable, Code: "ServiceUnavailable"}
	}}
	ch := &inbox{}
	e, now := newEngine(down, ch)
	start := *now
	doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1", "2"}, Timeout: watch.Duration{D: 10 * time.Minute}}
	h, err := e.Run(context.Background(), doc, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if h.Doc.State.Finished != watch.EndTimeout || len(h.Doc.TaskIDs) != 2 {
		t.Fatalf("finished=%q pending=%v, want a timeout with both ids pending", h.Doc.State.Finished, h.Doc.TaskIDs)
	}
	if took := now.Sub(start); took < 10*time.Minute || took > 11*time.Minute {
		t.Errorf("ended after %v of simulated time, want at the 10m timeout", took)
	}
	// Backoff doubles from 2 s up to the policy's minute: about 14 polls in 10 minutes,
	// far fewer than polling every 2 s (300), more than giving up after 5.
	if calls < 8 || calls > 20 {
		t.Errorf("%d polls while down, want a backoff of 2 s doubling up to 1 m", calls)
	}
	if len(ch.got) != 1 || ch.got[0].Kind != notify.WatchTimeout || len(ch.got[0].Pending) != 2 {
		t.Fatalf("delivered %+v, want one timeout notice naming both ids", ch.got)
	}
}

// While calls fail, the hop says since when, and recovery clears it.
func TestFailingSinceAndRecovery(t *testing.T) {
	down := true
	drv := &scripted{answer: func(hop int, ids []string) ([]provider.Object, error) {
		if down {
			return nil, &provider.Error{Provider: "scripted", Kind: provider.KindThrottled, Code: "Throttling"}
		}
		return rows(ids, provider.Running), nil
	}}
	e, now := newEngine(drv, &inbox{})
	doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1"}}
	h1, err := e.Step(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	since := *now
	*now = now.Add(h1.Wait)
	h2, err := e.Step(context.Background(), h1.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if h2.ProviderErr == nil || !h2.FailingSince.Equal(since.Truncate(time.Second)) || h2.Doc.State.Failing != 2 || h2.Wait <= h1.Wait {
		t.Fatalf("while down: err=%v since=%v failing=%d waits %v then %v", h2.ProviderErr, h2.FailingSince, h2.Doc.State.Failing, h1.Wait, h2.Wait)
	}
	down = false
	*now = now.Add(h2.Wait)
	h3, err := e.Step(context.Background(), h2.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if h3.ProviderErr != nil || !h3.FailingSince.IsZero() || h3.Doc.State.Failing != 0 {
		t.Fatalf("after recovery: err=%v since=%v failing=%d", h3.ProviderErr, h3.FailingSince, h3.Doc.State.Failing)
	}
}

func TestUnconfiguredNotifyIsPermanent(t *testing.T) {
	drv := &scripted{answer: func(int, []string) ([]provider.Object, error) { return nil, nil }}
	e, _ := newEngine(drv, &inbox{})
	e.CheckNotify = func(names []string) error {
		return &notify.UnconfiguredError{Unknown: names}
	}
	_, err := e.Run(context.Background(), &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1"}, Notify: []string{"teams"}}, time.Now().Add(time.Hour))
	if !Permanent(err) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
}

func TestRunReturnsBeforeDeadline(t *testing.T) {
	drv := &scripted{answer: func(hop int, ids []string) ([]provider.Object, error) {
		return rows(ids, provider.Running), nil
	}}
	e, now := newEngine(drv, &inbox{})
	doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1"}, Interval: watch.Duration{D: 10 * time.Second}}
	until := now.Add(35 * time.Second)
	h, err := e.Run(context.Background(), doc, until)
	if err != nil {
		t.Fatal(err)
	}
	if h.Done() || !now.Before(until) || h.Doc.State.Hops < 2 {
		t.Fatalf("done=%v now=%v until=%v hops=%d", h.Done(), *now, until, h.Doc.State.Hops)
	}
}

func TestSealedWhenKeySet(t *testing.T) {
	drv := &scripted{answer: func(hop int, ids []string) ([]provider.Object, error) { return rows(ids, provider.Running), nil }}
	e, _ := newEngine(drv, &inbox{})
	e.StateKey = []byte("k")
	h, err := e.Step(context.Background(), &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := watch.Encode(h.Doc)
	if _, err := watch.Decode(b, []byte("k")); err != nil {
		t.Fatalf("engine output does not verify: %v", err)
	}
}

func TestRunStopsAfterMaxDeliveryHops(t *testing.T) {
	drv := &scripted{answer: func(hop int, ids []string) ([]provider.Object, error) {
		return rows(ids, provider.Complete), nil
	}}
	ch := &inbox{fail: 1000} // down for good, but only "for now" (503)
	e, _ := newEngine(drv, ch)
	e.MaxDeliveryHops = 2
	doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1"}}
	h, err := e.Run(context.Background(), doc, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !h.Doc.Finished() || h.Done() || len(h.Doc.State.Outbox.Queue) != 1 {
		t.Fatalf("finished=%v done=%v queued=%d, want the finished watch returned with its notice kept",
			h.Doc.Finished(), h.Done(), len(h.Doc.State.Outbox.Queue))
	}
	if h.Doc.State.Hops != 3 {
		t.Errorf("hops = %d, want 1 poll + 2 delivery-only hops", h.Doc.State.Hops)
	}
}

// One failed batch does not throw the others away: their tasks are stepped, and only the
// ids of the failed call are asked again, after a backoff.
func TestPollKeepsAnsweredBatches(t *testing.T) {
	var asked [][]string
	drv := &scripted{answer: func(hop int, ids []string) ([]provider.Object, error) {
		asked = append(asked, append([]string(nil), ids...))
		if hop == 0 && ids[0] == "10" {
			return nil, &provider.Error{Provider: "scripted", Kind: provider.KindUnavailable, Code: "ServiceUnavailable"}
		}
		return rows(ids, provider.Complete), nil
	}}
	e, now := newEngine(drv, &inbox{})
	var ids []string
	for i := range 30 {
		ids = append(ids, strconv.Itoa(i))
	}
	h, err := e.Step(context.Background(), &watch.Document{V: 1, Provider: "scripted", TaskIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if h.Doc.State.Complete != 20 || len(h.Doc.TaskIDs) != 10 || h.Unanswered != 10 || h.ProviderErr == nil {
		t.Fatalf("complete=%d pending=%d unanswered=%d err=%v, want 20 stepped and the failed batch of 10 kept",
			h.Doc.State.Complete, len(h.Doc.TaskIDs), h.Unanswered, h.ProviderErr)
	}
	if h.Wait < 2*time.Second {
		t.Errorf("wait %v: failed ids must back off, not be asked again at once", h.Wait)
	}
	*now = now.Add(h.Wait)
	drv.hop = 1
	asked = nil
	h2, err := e.Step(context.Background(), h.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if !h2.Doc.Finished() || h2.Doc.State.Complete != 30 || len(asked) != 1 || asked[0][0] != "10" {
		t.Fatalf("second hop asked %v; finished=%v complete=%d, want only the failed batch asked", asked, h2.Doc.Finished(), h2.Doc.State.Complete)
	}
}
