// Package providertest is the conformance suite every provider driver passes (the
// gocloud.dev drivertest pattern): it runs the portable provider.Client over the driver
// against the provider's simulator (shared/cdnsim), so the suite itself knows no
// provider. A driver's test is one call:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, providertest.Harness{Provider: "aliyun-cdn"})
//	}
package providertest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// Harness tells the suite how to reach one provider. Only Provider is required.
type Harness struct {
	// Provider is the provider id, as registered with provider.Register and spoken by cdnsim.
	Provider string
	// Open opens a client against endpoint with the given credentials and client-side rate
	// (qps 0 = the documented rate). Default: provider.Open(ctx, Provider,
	// provider.Config{Endpoint, Credentials, QPS}).
	Open func(ctx context.Context, endpoint string, creds *provider.Credentials, qps float64) (*provider.Client, error)
	// AddTask makes a task on the simulator side and returns its id.
	// Default: sim.AddTask(Provider, t).
	AddTask func(sim *cdnsim.Sim, t cdnsim.Task) string
	// MalformedID is an id the provider calls malformed. Default "not-a-task-id".
	MalformedID string
	// UnknownID is a well-formed id no task has. Default: an id the simulator would hand
	// out next, taken from a second simulator.
	UnknownID string
	// Skip names sub-tests that do not apply to this provider, with the reason
	// (e.g. "MultiObject": "one object per id").
	Skip map[string]string

	// Capabilities a provider may lack. Each is the documented reason; when set, the
	// suite checks the provider's actual behaviour instead (never nothing).

	// NoPending: the provider has no waiting state; an object not yet started reports
	// running. The suite then expects running where it would expect pending.
	NoPending string
	// NoProgress: the provider reports no progress; the suite then expects an empty
	// Progress where it would expect a percentage.
	NoProgress string
	// WantReason is the failure reason the provider reports for a failed simulator object
	// (e.g. prefixed with the vendor). Default: the object's FailReason, verbatim.
	WantReason func(o cdnsim.Object) string
	// PartialProgress: the provider reports progress for some objects only (Tencent:
	// prefetches, not purges). An object without progress is accepted; one with
	// progress must still be right. (NoProgress is for providers that never report it.)
	PartialProgress string
	// NoFailedState: the provider cannot report failure (CloudFront). An object scripted
	// to fail never finishes, so the suite expects running where it would expect failed
	// and no failed objects, and the driver must say NoFailedState() == true so that
	// notices word it.
	NoFailedState string
	// NoRetention: the provider documents no retention (CloudFront); a task created
	// long ago must still be known. Must agree with the simulator's Limits.Retention == 0.
	NoRetention string
	// Scope is passed as provider.Config.Scope by the default Open, for providers that
	// need one (CloudFront's distributionId).
	Scope map[string]string

	// Listing (RunList). Zero values take the defaults noted.

	// ListCount is how many tasks the Pages sub-test spreads around its window (about
	// half fall inside). Default 400.
	ListCount int
	// ListRateCount is how many tasks the Rate sub-test lists at the documented rate.
	// Default 1200.
	ListRateCount int
	// ListSequences is how many page sequences a whole-account listing walks (Volcengine
	// CDN: one per TaskType; Tencent: purge and push), each of which may end on a short
	// page. Default 1.
	ListSequences int
	// ListPagesByTask: a page holds PageSize tasks, not rows (multi-cloud CDN returns
	// tasks with their URLs; CloudFront one summary per invalidation).
	ListPagesByTask string
	// ListNewestFirst: the API lists newest first and cannot filter by time
	// (CloudFront), so a listing also pages through the tasks newer than the window;
	// the Pages sub-test counts them in the calls it allows.
	ListNewestFirst string
	// ListNoPaths: listed rows carry no paths, one row per task with its status
	// (CloudFront's ListInvalidations); the suite then compares statuses only.
	ListNoPaths string
}

// Test credentials: distinctive, so a leak in an error message is easy to spot.
const (
	testKeyID  = "LTAI5tConformanceKey"
	testSecret = "conformance-secret-7d1e9a5c3b"
)

// Run runs every sub-test of the suite. Sub-tests run one after another: several
// measure time against real rate limits.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Provider == "" {
		t.Fatal("providertest: Harness.Provider is required")
	}
	h = h.withDefaults()
	for _, st := range []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"Statuses", testStatuses},
		{"Batching", testBatching},
		{"RateLimit", testRateLimit},
		{"OverRate", testOverRate},
		{"Retry", testRetry},
		{"RetriesExhausted", testRetriesExhausted},
		{"MultiObject", testMultiObject},
		{"Unknown", testUnknown},
		{"MalformedID", testMalformedID},
		{"BadCredentials", testBadCredentials},
		// Rate limits as providers count them (rate.go): these build their own simulators.
		{"SlidingWindow", func(t *testing.T, e *env) { testSlidingWindow(t, e.h) }},
		{"PartialResults", func(t *testing.T, e *env) { testPartialResults(t, e.h) }},
		{"Hang", func(t *testing.T, e *env) { testHang(t, e.h) }},
		{"TwoInstances", func(t *testing.T, e *env) { testTwoInstances(t, e.h) }},
		{"Logs", func(t *testing.T, e *env) { testLogs(t, e.h) }},
	} {
		t.Run(st.name, func(t *testing.T) {
			if why, ok := h.Skip[st.name]; ok {
				t.Skip(why)
			}
			st.fn(t, h.newEnv(t))
		})
	}
}

func (h Harness) withDefaults() Harness {
	if h.Open == nil {
		name, scope := h.Provider, h.Scope
		h.Open = func(ctx context.Context, endpoint string, creds *provider.Credentials, qps float64) (*provider.Client, error) {
			return provider.Open(ctx, name, provider.Config{Endpoint: endpoint, Credentials: creds, QPS: qps,
				Scope: scope, Logger: slog.New(slog.DiscardHandler)})
		}
	}
	if h.AddTask == nil {
		name := h.Provider
		h.AddTask = func(sim *cdnsim.Sim, t cdnsim.Task) string { return sim.AddTask(name, t) }
	}
	if h.MalformedID == "" {
		h.MalformedID = "not-a-task-id"
	}
	if h.ListCount <= 0 {
		h.ListCount = 400
	}
	if h.ListRateCount <= 0 {
		h.ListRateCount = 1200
	}
	if h.ListSequences <= 0 {
		h.ListSequences = 1
	}
	if h.WantReason == nil {
		h.WantReason = func(o cdnsim.Object) string { return o.FailReason }
	}
	return h
}

// env is one sub-test's world: a fresh simulator with a hand-moved task clock, served
// over HTTP, so every sub-test starts with empty stats and a full token bucket.
type env struct {
	h     Harness
	sim   *cdnsim.Sim
	clock *cdnsim.ManualClock
	srv   *httptest.Server
}

func (h Harness) newEnv(t *testing.T) *env {
	// Whole seconds: providers report creation times to the second.
	clock := cdnsim.NewManualClock(time.Now().UTC().Truncate(time.Second))
	sim := cdnsim.New(cdnsim.Options{Now: clock.Now, AccessKeyID: testKeyID, AccessKeySecret: testSecret})
	srv := httptest.NewServer(sim.Handler(h.Provider))
	t.Cleanup(srv.Close)
	return &env{h: h, sim: sim, clock: clock, srv: srv}
}

// open opens a client with the right credentials at qps (0 = documented).
func (e *env) open(t *testing.T, qps float64) *provider.Client {
	t.Helper()
	return e.openAs(t, &provider.Credentials{AccessKeyID: testKeyID, AccessKeySecret: testSecret}, qps)
}

func (e *env) openAs(t *testing.T, creds *provider.Credentials, qps float64) *provider.Client {
	t.Helper()
	c, err := e.h.Open(context.Background(), e.srv.URL, creds, qps)
	if err != nil {
		t.Fatalf("open %s against the simulator: %v", e.h.Provider, err)
	}
	return c
}

func (e *env) stats() cdnsim.Stats { return e.sim.Stats(e.h.Provider) }

// addTasks adds n single-object tasks that complete a minute after creation.
func (e *env) addTasks(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = e.h.AddTask(e.sim, cdnsim.Task{Objects: []cdnsim.Object{{
			Path: "https://static.example.com/batch/" + time.Duration(i).String(), Type: cdnsim.TypeFile,
			Duration: time.Minute,
		}}})
	}
	return ids
}

func query(t *testing.T, c *provider.Client, ids []string) map[string]provider.Task {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := c.Query(ctx, ids)
	if err != nil {
		t.Fatalf("query %d ids: %v", len(ids), err)
	}
	if len(res) != len(ids) {
		t.Fatalf("query %d ids: %d answers", len(ids), len(res))
	}
	return res
}

// MeasurePollRate queries ids once through c and reports the requests the client sent
// (every HTTP attempt, retries included) and the time taken.
func MeasurePollRate(ctx context.Context, c *provider.Client, ids []string) (calls int64, elapsed time.Duration, err error) {
	before := c.Calls()
	start := time.Now()
	_, err = c.Query(ctx, ids)
	return c.Calls() - before, time.Since(start), err
}

// Benchmark measures polling n ids per iteration against the simulator with latency
// added to every call, and reports calls/s and ids/s. Use it from a driver's test:
//
//	func BenchmarkPoll(b *testing.B) { providertest.Benchmark(b, providertest.Harness{Provider: "aliyun-cdn"}, 500, 30*time.Millisecond) }
func Benchmark(b *testing.B, h Harness, n int, latency time.Duration) {
	h = h.withDefaults()
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: testKeyID, AccessKeySecret: testSecret, Latency: latency})
	srv := httptest.NewServer(sim.Handler(h.Provider))
	defer srv.Close()
	ids := sim.Populate(h.Provider, cdnsim.Population{Count: n, MultiRate: 0.2, FailRate: 0.1})
	c, err := h.Open(context.Background(), srv.URL,
		&provider.Credentials{AccessKeyID: testKeyID, AccessKeySecret: testSecret}, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var calls int64
	var total time.Duration
	for i := 0; i < b.N; i++ {
		k, d, err := MeasurePollRate(context.Background(), c, ids)
		if err != nil {
			b.Fatal(err)
		}
		calls += k
		total += d
	}
	b.ReportMetric(float64(calls)/total.Seconds(), "calls/s")
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "ids/s")
	b.ReportMetric(float64(sim.Stats(h.Provider).Throttled), "throttled")
}
