package provider

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"
)

// WindowGuard is how much longer than one second our own window is. The hard bound (see
// Acquire) already holds whatever the network does: a call keeps its place in the window
// until its answer is back, and a provider can only have counted it between our sending
// and that answer. The guard is a small margin for gateways whose counting clock differs
// from the moment they answer. Each throttling answer widens it by GuardStep, up to
// MaxWindowGuard: a gateway that counts differently gets the margin it needs.
const (
	WindowGuard    = 10 * time.Millisecond
	GuardStep      = 10 * time.Millisecond
	MaxWindowGuard = 100 * time.Millisecond
)

// Pacer is the client side of one API's rate limit for one account: at most N calls in
// any sliding window of W (N = ⌊share⌋ per second, W = 1 s + WindowGuard), spaced evenly
// (one call per W/N) so that no burst lands in one second, and slowed on throttling
// (additive increase, multiplicative decrease). Every HTTP attempt, first or retry,
// takes its turn (see the transport), so the SDKs' retries cannot push past it.
//
// Providers count a call when it arrives, we can only see when we send it and when its
// answer comes back. Counting at sending time (as the pacer once did) breaks the bound
// whenever the network or a busy machine delays one call more than the next: under -race
// on two loaded cores a 30 ms guard was not enough. So a turn holds its place from the
// moment it is granted until W after its attempt ended (Release): the provider's arrival
// time lies between the two, so no N+1 arrivals can ever share a window of W. The cost is
// the answer time: a call occupies W plus its latency, not W.
type Pacer struct {
	api string
	log *slog.Logger

	mu      sync.Mutex
	n       int
	span    time.Duration // the provider's window for n calls (1 s, or 1/share)
	w       time.Duration // span + guard
	ceiling float64       // calls/s at most: n/w
	rate    float64       // calls/s now (AIMD)
	next    time.Time
	// slots are the places in the window: a slot is free when unused or when its call
	// ended at least w ago; a call in flight (end zero) holds its slot.
	slots []slot
	freed chan struct{} // closed (and replaced) whenever a call in flight ends
	// lastCut is the last multiplicative decrease; lastRaise the last additive increase;
	// lastSeen the last refusal, burst how many came within one window of each other.
	lastCut, lastRaise, lastSeen time.Time
	burst                        int
	throttled                    int64
}

type slot struct {
	used bool
	end  time.Time // zero while the call is in flight
}

// NewPacer paces share calls per second (fractional shares are rounded down to whole
// calls per window; under one call per second, one call per 1/share seconds).
func NewPacer(api string, share float64, log *slog.Logger) *Pacer {
	if share <= 0 || math.IsNaN(share) || math.IsInf(share, 0) {
		share = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n, span := int(math.Floor(share)), time.Second
	if n < 1 {
		n, span = 1, time.Duration(float64(time.Second)/share)
	}
	w := span + WindowGuard
	ceiling := float64(n) / w.Seconds()
	return &Pacer{api: api, log: log, n: n, span: span, w: w, ceiling: ceiling, rate: ceiling,
		slots: make([]slot, n), freed: make(chan struct{})}
}

// Window is the pacer's bound: at most N calls in any window W.
func (p *Pacer) Window() (n int, w time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n, p.w
}

// Rate is the current pace in calls per second (below Ceiling after throttling).
func (p *Pacer) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}

// Ceiling is the pace with no throttling: N/W.
func (p *Pacer) Ceiling() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ceiling
}

// Wait is Acquire for a call whose end the caller cannot see: its place in the window
// is counted from now. Prefer Acquire.
func (p *Pacer) Wait(ctx context.Context) (time.Duration, error) {
	release, waited, err := p.Acquire(ctx)
	if err == nil {
		release()
	}
	return waited, err
}

// Acquire blocks until the caller may send one request and returns how long it waited
// and the release to call once the attempt has ended (answer headers back, or failed):
// until then, and for W after, the call holds its place in the window. It fails only
// when ctx ends first. Release may be called more than once.
func (p *Pacer) Acquire(ctx context.Context) (release func(), waited time.Duration, err error) {
	start := time.Now()
	p.mu.Lock()
	p.raiseLocked(start)
	at := p.next
	if at.Before(start) {
		at = start
	}
	p.next = at.Add(time.Duration(float64(time.Second) / p.rate))
	p.mu.Unlock()
	if err := sleepUntil(ctx, at); err != nil {
		return nil, time.Since(start), err
	}
	// The hard bound: never the (n+1)th call within w, whatever the pace did (a rate
	// just raised, reservations made before a cut, answers slower than the pace).
	for {
		p.mu.Lock()
		now := time.Now()
		i, wake := p.freeSlotLocked(now)
		if i >= 0 {
			p.slots[i] = slot{used: true}
			p.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { p.release(i) }) }, now.Sub(start), nil
		}
		freed := p.freed
		p.mu.Unlock()
		if err := sleepUntilOr(ctx, wake, freed); err != nil {
			return nil, time.Since(start), err
		}
	}
}

// freeSlotLocked is a free slot's index, or -1 and the earliest time one frees (zero
// when every slot is held by a call in flight).
func (p *Pacer) freeSlotLocked(now time.Time) (int, time.Time) {
	var wake time.Time
	for i, s := range p.slots {
		if !s.used {
			return i, time.Time{}
		}
		if s.end.IsZero() {
			continue
		}
		free := s.end.Add(p.w)
		if !now.Before(free) {
			return i, time.Time{}
		}
		if wake.IsZero() || free.Before(wake) {
			wake = free
		}
	}
	return -1, wake
}

func (p *Pacer) release(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slots[i].end = time.Now()
	close(p.freed)
	p.freed = make(chan struct{})
}

// Throttled tells the pacer the provider refused a call for its rate. The first refusal
// in a window is most likely jitter (our calls arrived closer together than we sent
// them): the window's guard widens by GuardStep, up to MaxWindowGuard, which lowers the
// ceiling a little. A second refusal within the same window, or any refusal once the
// guard is at its widest, means the account is busier than our share (another client,
// a share set too high): the pace is cut to 80%, at most once per window (the refusals
// of one burst arrive together), down to a tenth of the ceiling.
func (p *Pacer) Throttled() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.throttled++
	now := time.Now()
	if now.Sub(p.lastSeen) < p.w {
		p.burst++
	} else {
		p.burst = 1
	}
	p.lastSeen = now
	widened := false
	if guard := p.w - p.span; p.burst == 1 && guard < MaxWindowGuard {
		p.w = p.span + min(MaxWindowGuard, guard+GuardStep)
		p.ceiling = float64(p.n) / p.w.Seconds()
		p.rate = math.Min(p.rate, p.ceiling)
		widened = true
		p.log.Debug("provider throttled us: widening the window's guard", "api", p.api, "window", p.w,
			"ceiling", round2(p.ceiling))
	}
	if widened || now.Sub(p.lastCut) < p.w {
		return
	}
	from := p.rate
	p.rate = math.Max(p.ceiling/10, p.rate*0.8)
	p.lastCut, p.lastRaise = now, now
	// Calls already reserved keep their slots; the next one waits a full new interval.
	if gap := now.Add(time.Duration(float64(time.Second) / p.rate)); p.next.Before(gap) {
		p.next = gap
	}
	p.log.Debug("provider throttled us: slowing down", "api", p.api, "from", round2(from), "to", round2(p.rate),
		"ceiling", round2(p.ceiling), "window", p.w)
}

// raiseLocked is the additive increase: from half a second after a cut, +10% of the
// ceiling per second until the ceiling.
func (p *Pacer) raiseLocked(now time.Time) {
	if p.rate >= p.ceiling || now.Sub(p.lastCut) < 500*time.Millisecond || now.Sub(p.lastRaise) < 100*time.Millisecond {
		return
	}
	steps := now.Sub(p.lastRaise).Seconds()
	p.rate = math.Min(p.ceiling, p.rate+p.ceiling*0.1*steps)
	p.lastRaise = now
	if p.rate >= p.ceiling {
		p.log.Debug("rate recovered", "api", p.api, "rate", round2(p.rate))
	}
}

// ThrottledCount is how many throttling answers the pacer was told of.
func (p *Pacer) ThrottledCount() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.throttled
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// sleepUntilOr sleeps until t (forever when t is zero) or until ch is closed.
func sleepUntilOr(ctx context.Context, t time.Time, ch <-chan struct{}) error {
	var tc <-chan time.Time
	if !t.IsZero() {
		d := time.Until(t)
		if d <= 0 {
			return ctx.Err()
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		tc = timer.C
	}
	select {
	case <-tc:
		return nil
	case <-ch:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// pacers are shared by every Client of one process that polls the same account and API
// (same provider, endpoint, key id and Config.Instance), so that two clients in one
// process (e.g. two scopes of one provider) never add up past the account's limit.
var (
	pacersMu sync.Mutex
	pacers   = map[pacerKey]*Pacer{}
)

type pacerKey struct {
	provider, endpoint, account, instance, api string
	share                                      float64
}

func sharedPacer(k pacerKey, share float64, log *slog.Logger) *Pacer {
	pacersMu.Lock()
	defer pacersMu.Unlock()
	if p, ok := pacers[k]; ok {
		return p
	}
	p := NewPacer(k.api, share, log)
	pacers[k] = p
	return p
}
