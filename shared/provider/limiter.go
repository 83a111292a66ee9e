package provider

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"
)

// WindowGuard is how much longer than one second our own window starts. Providers count
// calls as they arrive, in any sliding second; ours are counted when they are sent. The
// guard absorbs the difference (network and scheduling jitter up to 30 ms) at a cost of
// 3% of the bound: n calls per 1.03 s never put n+1 arrivals into one second unless
// arrivals jitter by more than 30 ms. Each throttling answer widens it by GuardStep, up
// to MaxWindowGuard: a path that jitters more gets the margin it needs.
const (
	WindowGuard    = 30 * time.Millisecond
	GuardStep      = 10 * time.Millisecond
	MaxWindowGuard = 100 * time.Millisecond
)

// Pacer is the client side of one API's rate limit for one account: at most N calls in
// any sliding window of W (N = ⌊share⌋ per second, W = 1 s + WindowGuard), spaced evenly
// (one call per W/N) so that no burst lands in one second, and slowed on throttling
// (additive increase, multiplicative decrease). Every HTTP attempt, first or retry,
// takes its turn (see the transport), so the SDKs' retries cannot push past it.
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
	ring    []time.Time // the last n grants
	head    int
	// lastCut is the last multiplicative decrease; lastRaise the last additive increase;
	// lastSeen the last refusal, burst how many came within one window of each other.
	lastCut, lastRaise, lastSeen time.Time
	burst                        int
	throttled                    int64
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
	return &Pacer{api: api, log: log, n: n, span: span, w: w, ceiling: ceiling, rate: ceiling, ring: make([]time.Time, 0, n)}
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

// Wait blocks until the caller may send one request, and returns how long it waited.
// It fails only when ctx ends first.
func (p *Pacer) Wait(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	p.mu.Lock()
	p.raiseLocked(start)
	slot := p.next
	if slot.Before(start) {
		slot = start
	}
	p.next = slot.Add(time.Duration(float64(time.Second) / p.rate))
	p.mu.Unlock()
	if err := sleepUntil(ctx, slot); err != nil {
		return time.Since(start), err
	}
	// The hard bound: never the (n+1)th call within w, whatever the pace did (a rate
	// just raised, reservations made before a cut).
	for {
		p.mu.Lock()
		now := time.Now()
		if len(p.ring) < p.n {
			p.ring = append(p.ring, now)
			p.mu.Unlock()
			return now.Sub(start), nil
		}
		oldest := p.ring[p.head]
		if free := oldest.Add(p.w); !now.Before(free) {
			p.ring[p.head] = now
			p.head = (p.head + 1) % p.n
			p.mu.Unlock()
			return now.Sub(start), nil
		} else {
			p.mu.Unlock()
			if err := sleepUntil(ctx, free); err != nil {
				return time.Since(start), err
			}
		}
	}
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
