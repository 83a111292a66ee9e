package providertest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// The rate checks open the registered driver with provider.Open (Harness.Open is not
// used: they need Config fields it does not pass), so every attempt goes through the
// client's transport, as in production.

// rateEnv is a simulator with its own options (latency, recording), served over HTTP.
type rateEnv struct {
	h   Harness
	sim *cdnsim.Sim
	srv *httptest.Server
}

func (h Harness) newRateEnv(t *testing.T, o cdnsim.Options) *rateEnv {
	o.AccessKeyID, o.AccessKeySecret, o.Record = testKeyID, testSecret, true
	sim := cdnsim.New(o)
	srv := httptest.NewServer(sim.Handler(h.Provider))
	t.Cleanup(srv.Close)
	return &rateEnv{h: h, sim: sim, srv: srv}
}

func (e *rateEnv) open(t *testing.T, cfg provider.Config) *provider.Client {
	t.Helper()
	if cfg.Endpoint == "" {
		cfg.Endpoint = e.srv.URL
	}
	cfg.Scope = e.h.Scope
	cfg.Credentials = &provider.Credentials{AccessKeyID: testKeyID, AccessKeySecret: testSecret}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := provider.Open(context.Background(), e.h.Provider, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", e.h.Provider, err)
	}
	return c
}

// addFinished adds n single-object tasks that finished long ago.
func (e *rateEnv) addFinished(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = e.h.AddTask(e.sim, cdnsim.Task{Created: e.sim.Now().Add(-time.Hour), Objects: []cdnsim.Object{{
			Path: fmt.Sprintf("https://static.example.com/rate/%d.js", i), Type: cdnsim.TypeFile, Duration: time.Minute}}})
	}
	return ids
}

// bound is the most calls the provider accepts at its by-id API in one second.
func (e *rateEnv) bound() int { return e.boundOf(cdnsim.APIQuery) }

// boundOf is the most calls the provider accepts at api in one second.
func (e *rateEnv) boundOf(api string) int { return int(math.Floor(e.sim.APILimit(e.h.Provider, api))) }

// apis are the APIs the simulator counted calls of, the by-id API first.
func apis(calls []cdnsim.Call) []string {
	out := []string{cdnsim.APIQuery}
	for _, c := range calls {
		if !slices.Contains(out, c.API) {
			out = append(out, c.API)
		}
	}
	return out
}

// checkWindow fails t if any sliding second at the simulator saw more calls arrive at
// one API (accepted or not: the client's own pacing is what is checked, retries
// included), or accepted there, than that API's documented limit. Every API is checked
// on its own limit: the by-id query, and any further API a driver calls (volc-mcdn's
// DescribeContentTaskByTaskId).
func (e *rateEnv) checkWindow(t *testing.T, what string) {
	t.Helper()
	calls := e.sim.Calls(e.h.Provider)
	for _, api := range apis(calls) {
		all := cdnsim.MaxInWindow(cdnsim.CallTimes(calls, api), time.Second)
		acc := cdnsim.MaxInWindow(cdnsim.AcceptedTimes(calls, api), time.Second)
		if bound := e.boundOf(api); all > bound || acc > bound {
			t.Errorf("%s: %d calls of %s arrived (%d accepted) in one sliding second; the limit is %d", what, all, api, acc, bound)
		}
	}
}

// testSlidingWindow is a property test: in random scenarios, no sliding second at the
// simulator ever holds more than the documented number of calls from the client, retries
// included. Half the scenarios are a network path (answer latency up to 60 ms and its
// jitter, request-leg jitter up to 20 ms), half a machine that stalls (one request in
// ten held up to 150 ms before the simulator counts it, answers within 5 ms: what a
// loaded CI machine does to loopback calls). Batch counts, injected 5xx and 429 vary.
// The simulator counts leniently here (a token bucket, which would accept a burst of
// the bound at once and more within the second), so only the client's pacing keeps the
// windows under the bound.
func testSlidingWindow(t *testing.T, h Harness) {
	seed := time.Now().UnixNano()
	t.Logf("scenarios from seed %d", seed)
	rnd := rand.New(rand.NewSource(seed))
	for i := range 4 {
		var o cdnsim.Options
		var path string
		if i%2 == 0 {
			lat := time.Duration(rnd.Intn(60)) * time.Millisecond
			arrival := time.Duration(1+rnd.Intn(20)) * time.Millisecond
			o = cdnsim.Options{Latency: lat, Jitter: lat / 2, ArrivalJitter: arrival}
			path = fmt.Sprintf("latency %v, request-leg jitter %v", lat, arrival)
		} else {
			stall := time.Duration(20+rnd.Intn(130)) * time.Millisecond
			o = cdnsim.Options{Latency: time.Duration(rnd.Intn(5)) * time.Millisecond, StallRate: 0.1, StallMax: stall}
			path = fmt.Sprintf("latency %v, stalls up to %v", o.Latency, stall)
		}
		o.TokenBucket, o.Seed = true, rnd.Int63()
		e := h.newRateEnv(t, o)
		faults := cdnsim.Faults{Fail5xxRate: 0.1 * float64(rnd.Intn(3)), ThrottleRate: 0.05 * float64(rnd.Intn(2)), Seed: rnd.Int63()}
		e.sim.SetFaults(h.Provider, faults)
		c := e.open(t, provider.Config{})
		lim := c.Limits()
		calls := int(lim.QPS*1.5) + rnd.Intn(int(lim.QPS)+1)
		ids := e.addFinished(calls * lim.IDsPerCall)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := c.Query(ctx, ids)
		cancel()
		what := fmt.Sprintf("scenario %d (%s, faults %+v, %d batches)", i, path, faults, calls)
		checkNothingLost(t, what, ids, res, err)
		e.checkWindow(t, what)
		if got, sent := c.Calls(), int64(len(e.sim.Arrivals(h.Provider))); got != sent {
			t.Errorf("%s: Calls() = %d, but the simulator received %d requests", what, got, sent)
		}
		t.Logf("%s: %d requests, %d answered, err %v", what, c.Calls(), len(res), err)
	}
}

// checkNothingLost: every id is either answered or named as not answered, never both.
func checkNothingLost(t *testing.T, what string, ids []string, res map[string]provider.Task, err error) {
	t.Helper()
	var missing []string
	if err != nil {
		var qe *provider.QueryError
		if !errors.As(err, &qe) {
			t.Fatalf("%s: error %v is not a *provider.QueryError", what, err)
		}
		missing = qe.IDs
		if len(missing) == 0 {
			t.Errorf("%s: a QueryError naming no ids", what)
		}
	}
	for _, id := range missing {
		if _, ok := res[id]; ok {
			t.Errorf("%s: id %s both answered and named unanswered", what, id)
		}
	}
	if len(res)+len(missing) != len(ids) {
		t.Errorf("%s: %d answered + %d unanswered of %d ids", what, len(res), len(missing), len(ids))
	}
	for _, id := range ids {
		if _, ok := res[id]; !ok && !slices.Contains(missing, id) {
			t.Errorf("%s: id %s neither answered nor named", what, id)
			return
		}
	}
}

// testPartialResults: with half the calls failing (5xx, after the SDK's retries some
// batches still fail), Query keeps every answered batch, names exactly the others in a
// QueryError, and the answered tasks are right.
func testPartialResults(t *testing.T, h Harness) {
	e := h.newRateEnv(t, cdnsim.Options{})
	e.sim.SetFaults(h.Provider, cdnsim.Faults{Fail5xxRate: 0.5, Seed: 5})
	c := e.open(t, provider.Config{})
	lim := c.Limits()
	ids := e.addFinished(int(lim.QPS) * lim.IDsPerCall)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := c.Query(ctx, ids)
	checkNothingLost(t, "50% faults", ids, res, err)
	for id, task := range res {
		if task.Status != provider.Complete && (h.NoFailedState == "" || task.Status != provider.Running) {
			t.Errorf("answered task %s is %s, want complete", id, task.Status)
		}
	}
	var qe *provider.QueryError
	if errors.As(err, &qe) {
		if provider.KindOf(err) != provider.KindUnavailable || provider.Refused(err) {
			t.Errorf("failed batches: %v (kind %s), want unavailable and not a refusal", err, provider.KindOf(err))
		}
		if qe.Calls < 1 || qe.Calls*lim.IDsPerCall < len(qe.IDs) {
			t.Errorf("QueryError counts %d calls for %d ids", qe.Calls, len(qe.IDs))
		}
	}
	if len(res) == 0 {
		t.Errorf("nothing answered at 50%% faults: %v", err)
	}
	st := e.sim.Stats(h.Provider)
	if st.OK == 0 || st.Errors == 0 {
		t.Errorf("simulator saw %+v; want both answers and faults", st)
	}
	e.checkWindow(t, "50% faults")
	t.Logf("50%% faults: %d of %d ids answered in %d requests; %v", len(res), len(ids), c.Calls(), err)
}

// testHang: a provider that accepts connections and never answers holds each attempt
// only up to the call timeout, and Query ends (with every id unanswered and the reason)
// within the attempts' deadlines and the SDK's backoff; when the caller's context ends
// first, Query returns within a second of it.
func testHang(t *testing.T, h Harness) {
	release := make(chan struct{})
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	e := &rateEnv{h: h, sim: cdnsim.New(cdnsim.Options{})}
	ids := e.addFinished(2)

	const callTimeout = 300 * time.Millisecond
	c := e.open(t, provider.Config{Endpoint: srv.URL, CallTimeout: callTimeout})
	start := time.Now()
	res, err := c.Query(context.Background(), ids)
	elapsed := time.Since(start)
	checkNothingLost(t, "hanging provider", ids, res, err)
	if err == nil || len(res) != 0 {
		t.Fatalf("hanging provider: %d answers, err %v; want none and an error", len(res), err)
	}
	if !errors.Is(err, provider.ErrCallTimeout) && provider.KindOf(err) != provider.KindUnavailable {
		t.Errorf("hanging provider: %v; want the call timeout named, or unavailable", err)
	}
	// Each attempt ends at the call timeout; the SDKs retry a few times with backoff
	// capped at about 2 s: a bound of 10 s says no attempt outlived its deadline.
	if elapsed > 10*time.Second {
		t.Errorf("hanging provider held the query %v with a %v call timeout", elapsed, callTimeout)
	}
	mu.Lock()
	t.Logf("hanging provider: %d attempts in %v: %v", hits, elapsed, err)
	mu.Unlock()

	c = e.open(t, provider.Config{Endpoint: srv.URL, CallTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start = time.Now()
	res, err = c.Query(ctx, ids)
	elapsed = time.Since(start)
	checkNothingLost(t, "caller's deadline", ids, res, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("caller's deadline: %v, want it to say the deadline passed", err)
	}
	if elapsed > 1500*time.Millisecond {
		t.Errorf("query returned %v after a 500ms deadline", elapsed)
	}
}

// testTwoInstances: two clients of one account (CDNWATCH_INSTANCES=2), each polling its
// half at its share, against one strict limit: nothing is lost and at most 1% of calls
// (rounded up) are throttled.
func testTwoInstances(t *testing.T, h Harness) {
	e := h.newRateEnv(t, cdnsim.Options{Latency: 20 * time.Millisecond, Jitter: 10 * time.Millisecond,
		ArrivalJitter: 2 * time.Millisecond})
	a := e.open(t, provider.Config{Instances: 2, Instance: "a"})
	b := e.open(t, provider.Config{Instances: 2, Instance: "b"})
	full := e.sim.Limits(h.Provider).QPS
	if got := a.Limits().QPS; got != full/2 {
		t.Errorf("instance share %v calls/s, want half of %v", got, full)
	}
	per := a.Limits().IDsPerCall
	calls := int(math.Ceil(full * 3)) // 3 s at the bound
	ids := e.addFinished(calls * per)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	res := make([]map[string]provider.Task, 2)
	halves := [][]string{ids[:len(ids)/2], ids[len(ids)/2:]}
	start := time.Now()
	for i, c := range []*provider.Client{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res[i], errs[i] = c.Query(ctx, halves[i])
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for i := range 2 {
		if errs[i] != nil || len(res[i]) != len(halves[i]) {
			t.Errorf("instance %d: %d of %d answered: %v", i, len(res[i]), len(halves[i]), errs[i])
		}
	}
	sent, throttled := a.Calls()+b.Calls(), a.Throttled()+b.Throttled()
	st := e.sim.Stats(h.Provider)
	if st.Throttled != throttled {
		t.Errorf("clients counted %d throttling answers, the simulator sent %d", throttled, st.Throttled)
	}
	// At most 1% throttled at each API, counted on that API's own calls: a driver's
	// further API (volc-mcdn's results call) must not hide the query's refusals, nor its
	// own behind the query's.
	recorded := e.sim.Calls(h.Provider)
	for _, api := range apis(recorded) {
		n, refused := 0, 0
		for _, c := range recorded {
			if c.API == api {
				n++
				if !c.Accepted {
					refused++
				}
			}
		}
		if allowed := int(math.Ceil(float64(n) / 100)); refused > allowed {
			t.Errorf("%s: %d of %d calls throttled; want at most 1%% (%d)", api, refused, n, allowed)
		}
	}
	acc := cdnsim.AcceptedTimes(recorded, cdnsim.APIQuery)
	if len(acc) < 2 {
		t.Fatalf("two instances: %d query calls accepted", len(acc))
	}
	rate := float64(len(acc)-1) / acc[len(acc)-1].Sub(acc[0]).Seconds()
	t.Logf("two instances: %d calls (%d of the by-id query), %d throttled, %.1f query calls/s accepted (bound %.0f) in %v",
		sent, a.CallsOf(provider.APIQuery)+b.CallsOf(provider.APIQuery), throttled, rate, full, elapsed)
	// Each instance paces whole calls, ⌊share⌋ in any window, so the pair can reach
	// 2⌊bound/2⌋: the bound itself when it is even, 4 of CloudFront's 5 calls/s.
	reach := 2 * math.Floor(full/2)
	if rate < 0.8*reach {
		t.Errorf("two instances together reached %.1f calls/s, under 0.8 of the %.0f their whole-call shares allow (bound %.0f)",
			rate, reach, full)
	}
}

// recordingHandler keeps every log record's message and attributes as text.
type recordingHandler struct {
	mu    sync.Mutex
	lines []string
	attrs []slog.Attr
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	for _, a := range h.attrs {
		line += " " + a.String()
	}
	r.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
	h.mu.Lock()
	h.lines = append(h.lines, line)
	h.mu.Unlock()
	return nil
}
func (h *recordingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h.mu.Lock()
	defer h.mu.Unlock()
	return &sharedAttrs{h, as}
}
func (h *recordingHandler) WithGroup(string) slog.Handler { return h }

type sharedAttrs struct {
	*recordingHandler
	extra []slog.Attr
}

func (s *sharedAttrs) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(s.extra...)
	return s.recordingHandler.Handle(ctx, r)
}

// testLogs: the client's own debug logs (throttled: widening, slowing down) reach the
// configured logger, and no log line shows the secret.
func testLogs(t *testing.T, h Harness) {
	e := h.newRateEnv(t, cdnsim.Options{})
	rec := &recordingHandler{}
	c := e.open(t, provider.Config{Logger: slog.New(rec)})
	ids := e.addFinished(c.Limits().IDsPerCall)
	e.sim.SetFaults(h.Provider, cdnsim.Faults{Throttle: 2})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Query(ctx, ids); err != nil {
		t.Fatalf("query after 2 throttling answers: %v", err)
	}
	if c.Throttled() != 2 {
		t.Errorf("Throttled() = %d, want the 2 injected", c.Throttled())
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var widened, slowed bool
	for _, l := range rec.lines {
		widened = widened || strings.Contains(l, "widening the window's guard")
		slowed = slowed || strings.Contains(l, "slowing down")
		if strings.Contains(l, testSecret) {
			t.Errorf("log line shows the secret: %s", l)
		}
	}
	if !widened || !slowed {
		t.Errorf("configured logger got %d lines without the throttling debug logs: %q", len(rec.lines), rec.lines)
	}
}
