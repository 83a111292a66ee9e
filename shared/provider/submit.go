package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SubmitKind is what a submit asks the CDN to do.
type SubmitKind string

const (
	// Refresh (purge) invalidates cached objects.
	Refresh SubmitKind = "refresh"
	// Prefetch (preload, push) fetches objects into the cache ahead of users.
	Prefetch SubmitKind = "prefetch"
)

// Object types a refresh can name. A prefetch always names files.
const (
	TypeFile      = "file"
	TypeDirectory = "directory"
	TypeRegex     = "regex"
)

// SubmitLimits are a submit API's documented bounds, for one kind and object type.
type SubmitLimits struct {
	// PerCall is how many URLs (or directories, or expressions) one call may carry.
	PerCall int
	// OneDomainPerCall: every URL of one call must have the same host (Aliyun DCDN,
	// Volcengine, CloudFront's one distribution).
	OneDomainPerCall bool
	// DomainsPerCall, when > 0, bounds the distinct hosts of one call (Aliyun CDN: 10).
	DomainsPerCall int
	// QPS is the submit API's own rate limit, calls per second per account.
	QPS float64
	// QuotaQPS is the quota API's own rate limit.
	QuotaQPS float64
	// Idempotent: a call repeated with the same SubmitRequest.Ref creates nothing new
	// (CloudFront's CallerReference), so an ambiguous failure may simply be retried.
	Idempotent bool
}

// Quota is what remains of a daily submit quota.
type Quota struct {
	// Remaining is what may still be submitted today; negative means the provider has
	// no quota API for this kind (nothing is held back on our side).
	Remaining int
	// Limit is the daily total, 0 when unknown.
	Limit int
	// Name names the quota in messages, e.g. "URL refresh (DescribeRefreshQuota UrlRemain)".
	Name string
	// PerCall, when > 0, is the account's own per-call limit as the quota API answers it
	// (Volcengine's RefreshQuotaLimit); it replaces SubmitLimits.PerCall.
	PerCall int
}

// Known reports whether the provider told us the quota.
func (q Quota) Known() bool { return q.Remaining >= 0 }

// SubmitRequest is one submit call.
type SubmitRequest struct {
	Kind SubmitKind
	Type string // TypeFile, TypeDirectory, TypeRegex
	URLs []string
	// Ref is a deterministic reference of this call (same submission, same chunk → same
	// Ref). Idempotent APIs use it as their idempotency key (CloudFront CallerReference).
	Ref string
}

// Submitter is an optional Driver interface: drivers whose API can submit refresh and
// prefetch tasks implement it. Callers use shared/submit, which checks the quota first,
// splits by SubmitLimits and paces calls; drivers make exactly one API call per method
// call and map refusals onto *Error (quota refusals wrapped with ErrQuotaExceeded).
type Submitter interface {
	// SubmitLimits are the documented bounds for kind and typ; an error names a kind or
	// type the provider cannot submit.
	SubmitLimits(kind SubmitKind, typ string) (SubmitLimits, error)
	// Quota makes one quota API call.
	Quota(ctx context.Context, kind SubmitKind, typ string) (Quota, error)
	// Submit makes one submit call and returns the task ids it created (possibly
	// comma-joined, as Aliyun answers).
	Submit(ctx context.Context, req SubmitRequest) ([]string, error)
}

// ErrQuotaExceeded marks a provider's refusal because the daily quota is used up.
var ErrQuotaExceeded = errors.New("daily submit quota exceeded")

// QuotaError is a quota refusal with the provider's own words.
func QuotaError(pe *Error) error { return &quotaError{pe: pe} }

type quotaError struct{ pe *Error }

func (e *quotaError) Error() string   { return e.pe.Error() }
func (e *quotaError) Unwrap() []error { return []error{e.pe, ErrQuotaExceeded} }

// Limiter paces calls: Wait returns when one more call may start without going over the
// limit in any window, or with ctx's error. The caller calls done once the call has been
// answered (or failed): until then the call holds its place in the window.
type Limiter interface {
	Wait(ctx context.Context) (done func(), err error)
}

// SlidingWindow allows at most N calls in any window of length Per, counted the way a
// provider counts them: a call is in the window from when it leaves us until Per after we
// had its answer. The provider saw the call arrive somewhere in between, so however the
// network delays calls, no window of Per at the provider ever holds more than N. (A token
// bucket counts departures only, and a call delayed on the way can land in the next
// call's second.)
type SlidingWindow struct {
	n   int
	per time.Duration
	now func() time.Time

	mu       sync.Mutex
	inflight int
	ends     []time.Time   // answer times of finished calls still inside a window, oldest first
	changed  chan struct{} // closed and replaced whenever a call finishes
}

// NewSlidingWindow paces at qps calls per second: N = floor(qps) per second for qps ≥ 1,
// else one call per 1/qps seconds.
func NewSlidingWindow(qps float64) *SlidingWindow {
	n, per := 1, time.Second
	switch {
	case qps >= 1:
		n = int(qps)
	case qps > 0:
		per = time.Duration(float64(time.Second) / qps)
	}
	return &SlidingWindow{n: n, per: per, now: time.Now, changed: make(chan struct{})}
}

// Wait blocks until a call may start, and counts it.
func (w *SlidingWindow) Wait(ctx context.Context) (func(), error) {
	for {
		w.mu.Lock()
		now := w.now()
		cut := now.Add(-w.per)
		i := 0
		for i < len(w.ends) && !w.ends[i].After(cut) {
			i++
		}
		w.ends = w.ends[i:]
		if w.inflight+len(w.ends) < w.n {
			w.inflight++
			w.mu.Unlock()
			var once sync.Once
			return func() { once.Do(w.finish) }, nil
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if len(w.ends) > 0 {
			free := w.ends[0].Add(w.per)
			if dl, ok := ctx.Deadline(); ok && dl.Before(free) && w.inflight == 0 {
				w.mu.Unlock()
				return nil, fmt.Errorf("rate limit: next call allowed at %s, after the deadline: %w",
					free.Format(time.RFC3339Nano), context.DeadlineExceeded)
			}
			timer = time.NewTimer(free.Sub(now))
			fire = timer.C
		}
		changed := w.changed
		w.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-fire:
		case <-changed:
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func (w *SlidingWindow) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight--
	w.ends = append(w.ends, w.now())
	close(w.changed)
	w.changed = make(chan struct{})
}

// PacedTransport makes every HTTP attempt (an SDK's own retries included) wait on the
// limiter pick chooses for it, so a submit API's limit holds at the wire, where the
// provider counts. pick returns nil for requests it does not pace.
func PacedTransport(base http.RoundTripper, pick func(*http.Request) Limiter) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &pacedTransport{base: base, pick: pick}
}

type pacedTransport struct {
	base http.RoundTripper
	pick func(*http.Request) Limiter
}

func (t *pacedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	lim := t.pick(r)
	if lim == nil {
		return t.base.RoundTrip(r)
	}
	done, err := lim.Wait(r.Context())
	if err != nil {
		return nil, err
	}
	// The provider has counted the call once its answer's headers are here.
	defer done()
	return t.base.RoundTrip(r)
}

// PacedClient is hc (nil: a client with a 30 s timeout) with its transport paced.
func PacedClient(hc *http.Client, pick func(*http.Request) Limiter) *http.Client {
	c := &http.Client{Timeout: 30 * time.Second}
	if hc != nil {
		cp := *hc
		c = &cp
	}
	c.Transport = PacedTransport(c.Transport, pick)
	return c
}

// Limiters holds one limiter per API name, built on first use.
type Limiters struct {
	mu  sync.Mutex
	m   map[string]Limiter
	qps func(api string) float64
}

// NewLimiters returns sliding-window limiters at qps(api) calls per second; an API whose
// qps is 0 is not paced.
func NewLimiters(qps func(api string) float64) *Limiters {
	return &Limiters{m: map[string]Limiter{}, qps: qps}
}

// For returns the limiter of api, nil when api is not paced.
func (l *Limiters) For(api string) Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim, ok := l.m[api]; ok {
		return lim
	}
	var lim Limiter
	if q := l.qps(api); q > 0 {
		lim = NewSlidingWindow(q)
	}
	l.m[api] = lim
	return lim
}

// CheckSubmitKind reads "refresh" or "prefetch".
func CheckSubmitKind(k SubmitKind) error {
	if k != Refresh && k != Prefetch {
		return fmt.Errorf("submit kind %q: want refresh or prefetch", k)
	}
	return nil
}

// CheckType reads an object type for kind.
func CheckType(kind SubmitKind, typ string) error {
	switch {
	case kind == Prefetch && typ != TypeFile:
		return fmt.Errorf("a prefetch names files, not %q", typ)
	case typ == TypeFile || typ == TypeDirectory || typ == TypeRegex:
		return nil
	}
	return fmt.Errorf("object type %q: want file, directory or regex", typ)
}

// Host is the host of a submitted URL ("https://a.example.com/x" or "a.example.com/x").
func Host(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	return strings.ToLower(u)
}
