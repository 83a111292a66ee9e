package webhook

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/notify/internal/fakehook"
)

// Tolerance is the clock skew a Receiver accepts on webhook-timestamp, as the Standard
// Webhooks reference libraries do.
const Tolerance = 5 * time.Minute

// Receiver is a Standard Webhooks endpoint for tests and demos: it verifies the
// signature and timestamp, drops duplicates by webhook-id the way the spec asks
// receivers to (answering 2xx so the sender stops), can be told to fail, and prints each
// accepted body.
type Receiver struct {
	out  io.Writer
	key  []byte
	now  func() time.Time
	base fakehook.Base[Delivery]
	seen map[string]bool // guarded by base's lock, as is dups
	dups int
}

// Delivery is one accepted request.
type Delivery struct {
	ID   string // webhook-id
	Body Body
	Raw  []byte
}

// NewReceiver returns a receiver verifying with secret ("whsec_…"; empty: accept
// unsigned requests), printing to w (nil: nowhere).
func NewReceiver(w io.Writer, secret string) (*Receiver, error) {
	r := &Receiver{out: w, now: time.Now, seen: map[string]bool{}}
	if r.out == nil {
		r.out = io.Discard
	}
	if secret != "" {
		key, err := DecodeSecret(secret)
		if err != nil {
			return nil, err
		}
		r.key = key
	}
	return r, nil
}

// FailNext makes the next n requests answer status (with Retry-After when > 0).
func (r *Receiver) FailNext(n, status int, retryAfter time.Duration) {
	r.base.FailNext(n, status, "", retryAfter)
}

// Deliveries returns the accepted, non-duplicate deliveries, oldest first.
func (r *Receiver) Deliveries() []Delivery { return r.base.Items() }

// Duplicates counts verified requests dropped because their webhook-id was seen.
func (r *Receiver) Duplicates() int {
	r.base.Lock()
	defer r.base.Unlock()
	return r.dups
}

// Requests counts every request.
func (r *Receiver) Requests() int { return r.base.Requests() }

// ServeHTTP verifies and records one delivery.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.base.Lock()
	defer r.base.Unlock()
	r.base.Count()
	if status, _, ok := r.base.Failure(w); ok {
		http.Error(w, http.StatusText(status), status)
		return
	}
	raw, ok := fakehook.ReadPost(w, req)
	if !ok {
		return
	}
	id, ts := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp")
	if id == "" || ts == "" {
		http.Error(w, "missing webhook-id or webhook-timestamp", http.StatusBadRequest)
		return
	}
	if r.key != nil {
		if problem := r.verify(id, ts, req.Header.Get("webhook-signature"), raw); problem != "" {
			http.Error(w, problem, http.StatusUnauthorized)
			return
		}
	}
	var b Body
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Version != Version || b.ID != id {
		http.Error(w, "body does not match webhook body version 1", http.StatusBadRequest)
		return
	}
	if r.seen[id] {
		r.dups++
		w.WriteHeader(http.StatusNoContent)
		return
	}
	r.seen[id] = true
	r.base.Add(Delivery{ID: id, Body: b, Raw: raw})
	fmt.Fprintf(r.out, "POST webhook · webhook-id: %s · webhook-timestamp: %s\n%s\n", id, ts, indent(raw))
	w.WriteHeader(http.StatusNoContent)
}

// verify checks the timestamp against Tolerance and that one of the space-separated
// signatures is ours; it returns what is wrong, or "".
func (r *Receiver) verify(id, ts, sigs string, body []byte) string {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "bad webhook-timestamp"
	}
	if d := r.now().Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return "webhook-timestamp outside the tolerance"
	}
	want := Sign(r.key, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return ""
		}
	}
	return "no matching webhook-signature"
}

func indent(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
