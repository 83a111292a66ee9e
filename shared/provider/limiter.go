package provider

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"
)

// WindowGuard is the margin for how much later than we wrote it a provider may count a
// call (jitter of the request leg). Each throttling answer widens it by GuardStep, up to
// MaxWindowGuard: a path that jitters more gets the margin it needs.
const (
	WindowGuard    = 30 * time.Millisecond
	GuardStep      = 10 * time.Millisecond
	MaxWindowGuard = 100 * time.Millisecond
)

// Pacer is the client side of one API's rate limit for one account: at most N calls in
// any sliding window (N = ⌊share⌋ per second), spaced evenly (one call per W/N, W = 1 s +
// the guard) so that no burst lands in one second, and slowed on throttling (additive
// increase, multiplicative decrease). Every HTTP attempt, first or retry, takes its turn
// (see the transport), so the SDKs' retries cannot push past it.
//
// Providers count a call when it arrives; we see when it was granted, when its request
// was written and when its answer came back. Counting from the grant alone (as the pacer
// once did, with its 30 ms margin) broke the bound on a loaded machine: a call stalled
// between its turn and the simulator's counter (a goroutine not scheduled, a connection
// being dialled, a server busy for a moment) arrived next to the calls sent after it.
// So each call counts against the window from its grant until one span (1 s) after its
// end, where the end is
//
//	write + guard + stall, at most its answer, and never before grant + guard,
//
// stall being the part of its answer time (write to answer) beyond what is ordinary on
// this API: 1.5 × the median of its last 32 answer times (see ordinaryLocked). A
// stall before the provider's counter shows in the answer time, so it holds the place as
// long as it lasted (at most until the answer, by which the provider has surely counted
// the call); the ordinary variation of a far provider's answer time costs no pace. A call
// still in flight counts the same way with its answer time so far: once past the ordinary
// it may be a stall and counts until it ends; a far provider's call still within it stops
// counting one W after its write, however long its answer then takes (before any answer
// the ordinary is taken as one W). The model's one blind spot is a request leg that alone
// jitters by more than the guard while the whole answer time stays ordinary: the guard's
// widening on throttling is for that.
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
	// turns are the calls that may still count against the window.
	turns []*Turn
	// changed is closed (and replaced) whenever a call is written or ends.
	changed chan struct{}
	// answers are the last answer times (write to answer), a ring of answerRing.
	answers []time.Duration
	nextAns int
	// lastCut is the last multiplicative decrease; lastRaise the last additive increase;
	// lastSeen the last refusal, burst how many came within one window of each other.
	lastCut, lastRaise, lastSeen time.Time
	burst                        int
	throttled                    int64
}

// Turn is one call's place in the pacer's window: the caller says when the request was
// written (Wrote) and when the attempt ended (Done).
type Turn struct {
	p                   *Pacer
	granted, wrote, end time.Time // wrote zero until written; end zero until done
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
		changed: make(chan struct{})}
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

// Acquire blocks until the caller may send one request and returns its Turn and how long
// it waited. The caller must call Done once the attempt has ended (and Wrote when its
// request was written, if it can tell). It fails only when ctx ends first.
func (p *Pacer) Acquire(ctx context.Context) (*Turn, time.Duration, error) {
	start := time.Now()
	p.mu.Lock()
	p.raiseLocked(start)
	at := p.next
	if at.Before(start) {
		at = start
	}
	p.next = at.Add(time.Duration(float64(time.Second) / p.rate))
	p.mu.Unlock()
	if err := sleepUntilOr(ctx, at, nil); err != nil {
		return nil, time.Since(start), err
	}
	// The hard bound: never the (n+1)th call within the window, whatever the pace did
	// (a rate just raised, reservations made before a cut, stalled requests).
	for {
		p.mu.Lock()
		now := time.Now()
		counting, wake := p.countLocked(now)
		if counting < p.n {
			t := &Turn{p: p, granted: now}
			p.turns = append(p.turns, t)
			p.mu.Unlock()
			return t, now.Sub(start), nil
		}
		changed := p.changed
		p.mu.Unlock()
		if err := sleepUntilOr(ctx, wake, changed); err != nil {
			return nil, time.Since(start), err
		}
	}
}

// Wrote records when the request was fully written.
func (t *Turn) Wrote(at time.Time) {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.wrote.IsZero() && t.end.IsZero() && !at.Before(t.granted) {
		t.wrote = at
		p.signalLocked()
	}
}

// Done records that the attempt ended at answered (answer headers back, or failed; zero
// means now). Calling it again does nothing.
func (t *Turn) Done(answered time.Time) {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if !t.end.IsZero() {
		return
	}
	if answered.IsZero() || answered.Before(t.granted) {
		answered = time.Now()
	}
	wrote := t.wrote
	if wrote.IsZero() || wrote.After(answered) {
		wrote = t.granted // not seen: from the grant, and the whole answer time may be a stall
	}
	t.end = p.endLocked(t.granted, wrote, answered, answered, p.ordinaryLocked())
	p.observeLocked(answered.Sub(wrote))
	p.signalLocked()
}

// answerRing is how many recent answer times the ordinary is judged by.
const answerRing = 32

// observeLocked keeps one answer time.
func (p *Pacer) observeLocked(r time.Duration) {
	if len(p.answers) < answerRing {
		p.answers = append(p.answers, r)
		return
	}
	p.answers[p.nextAns] = r
	p.nextAns = (p.nextAns + 1) % answerRing
}

// ordinaryLocked is the longest answer time that is not taken for a stall: 1.5 × the
// median of the last answers (zero before any). The median, because the stalls it must
// tell apart would drag a mean (and a deviation) up with them: one call in ten stalling
// 150 ms on a 2 ms path takes a mean to 10 ms and TCP's SRTT + 4·RTTVAR to 60 ms, while
// the median stays at 2 ms. Half again over it covers a far provider's ordinary spread
// (answers of 400 ms ± 25% all stay under 600 ms).
func (p *Pacer) ordinaryLocked() time.Duration {
	if len(p.answers) == 0 {
		return 0
	}
	var buf [answerRing]time.Duration
	a := buf[:len(p.answers)]
	copy(a, p.answers)
	slices.Sort(a)
	return a[len(a)/2] * 3 / 2
}

func (p *Pacer) signalLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// endLocked is when a call stops counting, less one span: at now for a call written at
// wrote (answered: when it ended, zero while in flight), where answers up to ordinary
// are not stalls (zero: none known, and the whole answer time may be a stall). See Pacer.
func (p *Pacer) endLocked(granted, wrote, answered, now time.Time, ordinary time.Duration) time.Time {
	guard := p.w - p.span
	stall := now.Sub(wrote)
	if ordinary > 0 {
		stall = max(0, stall-ordinary)
	}
	end := wrote.Add(guard + stall)
	if !answered.IsZero() && end.After(answered) {
		end = answered
	}
	if floor := granted.Add(guard); end.Before(floor) {
		end = floor
	}
	return end
}

// countLocked is how many calls count against the window at now, dropping those that
// never will again, and the earliest time one stops counting (zero: when a call is
// written or ends).
func (p *Pacer) countLocked(now time.Time) (int, time.Time) {
	var wake time.Time
	soonest := func(t time.Time) {
		if wake.IsZero() || t.Before(wake) {
			wake = t
		}
	}
	// Before any answer there are no answer times to tell a stall by: a call in flight
	// then counts as the turn-time pacer counted it, one W from its write (its answer,
	// when it comes, still counts whole). So a far provider's first calls do not hold the
	// first window for their whole answer time.
	ordinary := p.ordinaryLocked()
	if ordinary == 0 {
		ordinary = p.w
	}
	n, kept := 0, p.turns[:0]
	for _, t := range p.turns {
		switch {
		case !t.end.IsZero(): // ended
			if free := t.end.Add(p.span); now.Before(free) {
				n++
				soonest(free)
				kept = append(kept, t)
			}
		case t.wrote.IsZero(): // not written yet: it counts
			n++
			kept = append(kept, t)
		default: // in flight
			kept = append(kept, t)
			if free := p.endLocked(t.granted, t.wrote, time.Time{}, now, ordinary).Add(p.span); now.Before(free) {
				n++
				// Still ordinary at its free time (a far provider): it stops counting then.
				if free.Sub(t.wrote) <= ordinary {
					soonest(free)
				}
			}
		}
	}
	clear(p.turns[len(kept):])
	p.turns = kept
	return n, wake
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

// sleepUntilOr sleeps until t (forever when t is zero) or until ch is closed (never,
// when nil), or until ctx ends.
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
