package provider

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxIn is the most of times (sorted) within one window [t, t+w).
func maxIn(times []time.Time, w time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// take takes one turn for a call answered the moment it was written, and returns when
// the turn was granted.
func take(ctx context.Context, p *Pacer) (time.Time, error) {
	t, _, err := p.Acquire(ctx)
	if err != nil {
		return time.Time{}, err
	}
	t.Wrote(t.granted)
	t.Done(t.granted)
	return t.granted, nil
}

// Many callers at once never get more than N turns in any window W, the pace is even,
// and the pacer reaches its ceiling.
func TestPacerKeepsItsWindow(t *testing.T) {
	p := NewPacer("query", 20, nil)
	n, w := p.Window()
	if n != 20 || w != time.Second+WindowGuard {
		t.Fatalf("window %d per %v, want 20 per %v", n, w, time.Second+WindowGuard)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	var mu sync.Mutex
	var grants []time.Time
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				// The pacer's own grant time: a time taken after the call returns would
				// measure this goroutine's scheduling, not the pacer.
				granted, err := take(ctx, p)
				if err != nil {
					return
				}
				mu.Lock()
				grants = append(grants, granted)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if got := maxIn(grants, w); got > n {
		t.Errorf("%d turns in one window of %v, want at most %d", got, w, n)
	}
	// Even spacing, judged by the median gap (one stall of a loaded machine wakes several
	// late turns together; the median is not moved by it): about W/N, never a burst.
	var gaps []time.Duration
	for i := 1; i < len(grants); i++ {
		gaps = append(gaps, grants[i].Sub(grants[i-1]))
	}
	slices.Sort(gaps)
	if want, med := w/time.Duration(n), gaps[len(gaps)/2]; med < want*8/10 || med > want*12/10 {
		t.Errorf("median gap between turns %v: the pace is not even (want about %v)", med, want)
	}
	rate := float64(len(grants)-1) / grants[len(grants)-1].Sub(grants[0]).Seconds()
	if rate < 0.9*p.Ceiling() || rate > p.Ceiling()*1.02 {
		t.Errorf("%.1f turns/s, want about the ceiling %.1f", rate, p.Ceiling())
	}
}

// A call in flight holds its place however long it takes; once it has ended it keeps it
// for one span more.
func TestPacerHoldsSlotsUntilTheCallEnds(t *testing.T) {
	p := NewPacer("query", 3, nil)
	_, w := p.Window()
	var turns []*Turn
	for range 3 {
		turn, _, err := p.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		turns = append(turns, turn)
	}
	// All three in flight: a fourth waits however long, until one of them ends.
	ctx, cancel := context.WithTimeout(context.Background(), w+300*time.Millisecond)
	if _, _, err := p.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a fourth turn while three calls are in flight: err %v, want the deadline", err)
	}
	cancel()
	ended := time.Now()
	turns[1].Done(ended)
	turns[1].Done(ended.Add(time.Hour)) // twice is harmless
	turn, _, err := p.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer turn.Done(time.Time{})
	if got := time.Since(ended); got < time.Second-5*time.Millisecond {
		t.Errorf("the fourth turn came %v after a call ended, want a full second", got)
	}
}

// Where a call's place ends (before its last span): a guard after its write, extended by
// the part of its answer time that is a stall (beyond the ordinary), never past its
// answer, never before its grant plus the guard.
func TestPacerEndOfACall(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, tt := range []struct {
		name            string
		ordinary        time.Duration // the longest answer time not taken for a stall
		wrote, answered time.Duration // after the grant at t0; -1: not seen
		want            time.Duration
	}{
		{"far provider, ordinary answer: a guard after the write", ms(500), ms(2), ms(480), ms(2) + WindowGuard},
		{"far provider, just ordinary", ms(500), ms(0), ms(500), WindowGuard},
		{"far provider, slow answer: the excess may have been on the way in", ms(500), ms(0), ms(700), WindowGuard + ms(200)},
		{"loopback stall: held until the answer", ms(3), ms(1), ms(80), ms(80)},
		{"late write (a dial, a busy core): from the write", ms(3), ms(60), ms(62), ms(62)},
		{"fast answer: never before grant plus guard", ms(3), ms(0), ms(1), WindowGuard},
		{"write not seen: from the grant, the answer time all stall", ms(3), -1, ms(50), ms(50)},
		{"first call (nothing ordinary yet): held until its answer", 0, ms(0), ms(300), ms(300)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPacer("query", 10, nil)
			wrote := t0 // not seen: from the grant, as Done does
			if tt.wrote >= 0 {
				wrote = t0.Add(tt.wrote)
			}
			if got := p.endLocked(t0, wrote, t0.Add(tt.answered), t0.Add(tt.answered), tt.ordinary).Sub(t0); got != tt.want {
				t.Errorf("end %v after the grant, want %v", got, tt.want)
			}
		})
	}
}

// What is ordinary follows the path: a far provider's answers spread ±25% are all
// ordinary; a loopback path's few milliseconds make a 50 ms stall stand out, even when
// one call in ten stalls.
func TestPacerOrdinaryAnswerTime(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	r := rand.New(rand.NewSource(1))
	for _, tt := range []struct {
		name     string
		answer   func() time.Duration
		min, max time.Duration
	}{
		{"far path, 300–500 ms", func() time.Duration { return ms(300 + r.Intn(201)) }, ms(500), ms(800)},
		{"loopback, 1–3 ms", func() time.Duration { return ms(1 + r.Intn(3)) }, ms(1), ms(10)},
		{"loopback, one in ten stalls up to 150 ms", func() time.Duration {
			if r.Intn(10) == 0 {
				return ms(1 + r.Intn(150))
			}
			return ms(1 + r.Intn(3))
		}, ms(1), ms(10)},
	} {
		p := NewPacer("query", 10, nil)
		for range 200 {
			p.observeLocked(tt.answer())
		}
		if o := p.ordinaryLocked(); o < tt.min || o > tt.max {
			t.Errorf("%s: ordinary %v, want from %v to %v", tt.name, o, tt.min, tt.max)
		}
	}
	if o := NewPacer("query", 10, nil).ordinaryLocked(); o != 0 {
		t.Errorf("before any answer: ordinary %v, want 0 (none known)", o)
	}
}

// A throttling answer cuts the pace and widens the guard; the pace then recovers.
func TestPacerSlowsDownAndRecovers(t *testing.T) {
	p := NewPacer("query", 30, nil)
	ceiling := p.Ceiling()
	p.Throttled()
	p.Throttled() // the same burst: one cut
	if r := p.Rate(); r > 0.81*ceiling || r < 0.75*ceiling {
		t.Errorf("after throttling: %.1f/s, want 80%% of %.1f", r, ceiling)
	}
	if _, w := p.Window(); w != time.Second+WindowGuard+GuardStep {
		t.Errorf("window %v after throttling, want the guard widened by %v", w, GuardStep)
	}
	if p.ThrottledCount() != 2 {
		t.Errorf("ThrottledCount %d, want 2", p.ThrottledCount())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for p.Rate() < p.Ceiling() {
		if _, err := take(ctx, p); err != nil {
			t.Fatalf("not recovered within 3 s: %.1f of %.1f", p.Rate(), p.Ceiling())
		}
	}
}

func TestPacerWaitHonoursContext(t *testing.T) {
	p := NewPacer("query", 0.5, nil) // one call per 2 s
	if _, err := take(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := take(ctx, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("a turn came %v after a 100 ms deadline", d)
	}
}

func TestThrottledAnswer(t *testing.T) {
	big := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   bool
	}{
		{"HTTP429", 429, `{"Code":"Whatever"}`, true},
		{"AliyunThrottling", 400, `{"RequestId":"R","Code":"Throttling.User","Message":"Request was denied due to user flow control."}`, true},
		{"TencentLimit", 200, `{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"too often"},"RequestId":"r"}}`, true},
		{"CloudFront", 400, `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>`, true},
		{"VolcFlowLimit", 503, `{"ResponseMetadata":{"Error":{"Code":"FlowLimitExceeded"}}}`, true},
		{"Answer", 200, `{"Tasks":{"Task":[{"TaskId":"1","Status":"Complete"}]}}`, false},
		{"BigAnswer", 200, `{"Code":"OK","Data":"` + big + `"}`, false},
		{"Auth", 403, `{"Code":"SignatureDoesNotMatch"}`, false},
		{"ThrottlingInText", 200, `{"Message":"no Throttling here"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Body: io.NopCloser(strings.NewReader(tc.body))}
			if got := throttledAnswer(resp); got != tc.want {
				t.Errorf("throttledAnswer = %v, want %v", got, tc.want)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || !bytes.Equal(body, []byte(tc.body)) {
				t.Errorf("body after peeking: %d bytes, err %v; want the original %d bytes", len(body), err, len(tc.body))
			}
		})
	}
}

// flakyDriver fails the batches whose first id is in fail, refuses those in refuse.
type flakyDriver struct {
	countingDriver
	fail, refuse map[string]bool
	block        time.Duration // every call sleeps this long, ignoring ctx
}

func (d *flakyDriver) Describe(ctx context.Context, ids []string) ([]Object, error) {
	if d.block > 0 {
		time.Sleep(d.block)
	}
	switch {
	case d.refuse[ids[0]]:
		return nil, &Error{Provider: "counting", Kind: KindAuth, Code: "Forbidden"}
	case d.fail[ids[0]]:
		return nil, &Error{Provider: "counting", Kind: KindUnavailable, Code: "ServiceUnavailable"}
	}
	return d.countingDriver.Describe(ctx, ids)
}

func TestQueryKeepsEveryAnsweredBatch(t *testing.T) {
	drv := &flakyDriver{countingDriver: countingDriver{limits: Limits{IDsPerCall: 2, QPS: 1000}},
		fail: map[string]bool{"3": true, "7": true}}
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}
	res, err := NewClient(drv, 0).Query(context.Background(), ids)
	var qe *QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("err = %v, want a *QueryError", err)
	}
	if want := []string{"3", "4", "7", "8"}; !slices.Equal(qe.IDs, want) || qe.Calls != 2 || qe.Provider != "counting" {
		t.Errorf("QueryError %+v, want ids %v in 2 calls", qe, want)
	}
	if KindOf(err) != KindUnavailable || Refused(err) {
		t.Errorf("kind %s (refused %v), want unavailable", KindOf(err), Refused(err))
	}
	for _, id := range []string{"1", "2", "5", "6", "9"} {
		if res[id].Status != Complete {
			t.Errorf("answered id %s: %+v, want complete", id, res[id])
		}
	}
	if len(res) != 5 {
		t.Errorf("%d tasks, want the 5 answered", len(res))
	}
}

func TestQueryRefusalVisibleThroughQueryError(t *testing.T) {
	drv := &flakyDriver{countingDriver: countingDriver{limits: Limits{IDsPerCall: 1, QPS: 1000}},
		fail: map[string]bool{"1": true}, refuse: map[string]bool{"2": true}}
	_, err := NewClient(drv, 0).Query(context.Background(), []string{"1", "2", "3"})
	var pe *Error
	if !Refused(err) || !errors.As(err, &pe) || pe.Kind != KindAuth {
		t.Errorf("err = %v; want the refusal visible through errors.As and Refused", err)
	}
}

// A driver that ignores its context (an SDK asleep in its backoff) cannot hold Query
// past the caller's deadline.
func TestQueryReturnsPromptlyWhenContextEnds(t *testing.T) {
	drv := &flakyDriver{countingDriver: countingDriver{limits: Limits{IDsPerCall: 1, QPS: 1000}}, block: 5 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := NewClient(drv, 0).Query(ctx, []string{"1", "2", "3"})
	if d := time.Since(start); d > time.Second {
		t.Errorf("Query returned %v after a 200 ms deadline", d)
	}
	var qe *QueryError
	if !errors.As(err, &qe) || !errors.Is(err, context.DeadlineExceeded) || len(qe.IDs) != 3 || len(res) != 0 {
		t.Errorf("res %v, err %v; want no tasks and a QueryError naming all 3 ids and the deadline", res, err)
	}
}

func TestConfigFromEnvInstancesAndTimeout(t *testing.T) {
	env := map[string]string{"CDNWATCH_INSTANCES": "3", "CDNWATCH_CALL_TIMEOUT": "4s", "CDNWATCH_ALIYUN_CDN_QPS": "7.5"}
	cfg, err := ConfigFromEnv("aliyun-cdn", func(k string) string { return env[k] })
	if err != nil || cfg.Instances != 3 || cfg.CallTimeout != 4*time.Second || cfg.QPS != 7.5 {
		t.Fatalf("cfg %+v, err %v", cfg, err)
	}
	for k, v := range map[string]string{"CDNWATCH_INSTANCES": "0", "CDNWATCH_CALL_TIMEOUT": "soon"} {
		if _, err := ConfigFromEnv("aliyun-cdn", func(name string) string {
			if name == k {
				return v
			}
			return ""
		}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: err %v, want one naming the variable", k, v, err)
		}
	}
	if got := shareOf(30, 0, 3); got != 10 {
		t.Errorf("share of 30/s among 3 = %v, want 10", got)
	}
	if got := shareOf(30, 12, 3); got != 12 {
		t.Errorf("an explicit per-instance rate %v, want 12", got)
	}
}

// One refusal in a window is taken for jitter: the guard widens, the pace stays near the
// ceiling. Only a second one within the window cuts the pace.
func TestPacerSingleThrottleWidensOnly(t *testing.T) {
	p := NewPacer("query", 30, nil)
	before := p.Ceiling()
	p.Throttled()
	if r, c := p.Rate(), p.Ceiling(); r != c || c < 0.98*before {
		t.Errorf("after one refusal: rate %.2f, ceiling %.2f (was %.2f); want only the guard widened", r, c, before)
	}
	p.Throttled()
	if r := p.Rate(); r > 0.81*p.Ceiling() {
		t.Errorf("after a second refusal in the window: rate %.2f of ceiling %.2f, want a cut", r, p.Ceiling())
	}
	// Guard at its widest: a lone refusal cuts at once.
	q := NewPacer("query", 30, nil)
	for range 20 {
		q.mu.Lock()
		q.lastSeen, q.lastCut = time.Time{}, time.Time{}
		q.mu.Unlock()
		q.Throttled()
	}
	if _, w := q.Window(); w != time.Second+MaxWindowGuard {
		t.Errorf("window %v after many refusals, want 1 s + %v at most", w, MaxWindowGuard)
	}
	if q.Rate() >= q.Ceiling() {
		t.Errorf("guard at its widest: a refusal did not cut the pace")
	}
}

// The property behind the pacer's bound, with many callers at once: each call is counted
// by the provider somewhere between its write and its answer. Here one call in ten
// stalls up to 150 ms before it is counted (and answers right after), ordinary calls
// answer within a few milliseconds: a loaded machine's loopback. No sliding second may
// hold more than N counted calls. A pacer that counts from the grant fails this.
func TestPacerBoundHoldsThroughStalls(t *testing.T) {
	const n = 20
	p := NewPacer("query", n, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var mu sync.Mutex
	var counted []time.Time
	var wg sync.WaitGroup
	for g := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewSource(int64(g)))
			for {
				turn, _, err := p.Acquire(ctx)
				if err != nil {
					return
				}
				turn.Wrote(time.Now())
				delay := time.Duration(rnd.Intn(3)) * time.Millisecond
				if rnd.Intn(10) == 0 {
					delay += time.Duration(rnd.Intn(150)) * time.Millisecond
				}
				time.Sleep(delay)
				mu.Lock()
				counted = append(counted, time.Now())
				mu.Unlock()
				turn.Done(time.Now())
			}
		}()
	}
	wg.Wait()
	if got := maxIn(counted, time.Second); got > n {
		t.Errorf("%d calls counted in one sliding second, want at most %d", got, n)
	}
	if len(counted) < 2*n {
		t.Errorf("only %d calls in 3 s at %d/s: the bound costs too much pace", len(counted), n)
	}
}

// A far provider's calls still within their ordinary answer time stop counting one W
// after their write: slow answers do not slow the pace. Before any answer (no average
// yet) written calls in flight count the same way, so the first window is not held for
// the first answers' whole time.
func TestPacerFarCallsInFlightStopCounting(t *testing.T) {
	for _, avg := range []time.Duration{1500 * time.Millisecond, 0} {
		p := NewPacer("query", 3, nil)
		if avg > 0 {
			p.observeLocked(avg)
		}
		_, w := p.Window()
		start := time.Now()
		var turns []*Turn
		for range 3 {
			turn, _, err := p.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			turn.Wrote(time.Now())
			turns = append(turns, turn)
		}
		ctx, cancel := context.WithTimeout(context.Background(), w+500*time.Millisecond)
		turn, _, err := p.Acquire(ctx)
		cancel()
		if err != nil {
			t.Fatalf("average %v: a fourth turn with three ordinary calls in flight: %v", avg, err)
		}
		if got := time.Since(start); got < w-5*time.Millisecond {
			t.Errorf("average %v: the fourth turn came %v after the first, within one window %v", avg, got, w)
		}
		for _, t := range append(turns, turn) {
			t.Done(time.Time{})
		}
	}
}
