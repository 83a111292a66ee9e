package volcmcdn

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/volc"
	"cdnwatch/shared/provider/providertest"
)

func listHarness() providertest.Harness {
	h := harness()
	h.ListPagesByTask = "ListContentTasks pages count tasks, each with all its URLs"
	return h
}

func TestListConformance(t *testing.T) { providertest.RunList(t, listHarness()) }

// TestList1000 measures listing 1,000 tasks of one window against the simulator with
// 40 ms per call: 10 ListContentTasks pages at 10 calls/s, and one
// DescribeContentTaskByTaskId per done task at 30 calls/s (the vendors' results, without
// which a done task is only submitted), so about 35 s.
func TestList1000(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 35 s")
	}
	m := providertest.MeasureList(t, listHarness(), 1000, 40*time.Millisecond)
	t.Log(m)
	// Every task of an hour-old window is done: one results call each, besides the pages.
	if results := m.Sim.Calls - m.Calls; results < 900 || results > int64(m.Tasks) {
		t.Errorf("%d results calls for %d tasks, want one per done task", results, m.Tasks)
	}
}

// listFixture is a client on the transport (as provider.Open makes it) over a driver on
// the simulator's clock, with every rate lifted to 1,000 calls/s on both sides.
func listFixture(t *testing.T, clock *cdnsim.ManualClock) (*cdnsim.Sim, *provider.Client) {
	t.Helper()
	const fast = 1000
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret", Now: clock.Now,
		Limits: map[string]cdnsim.Limits{Name: {QPS: fast, APIs: map[string]float64{resultsAPI: fast}}}})
	srv := httptest.NewServer(sim.Handler(Name))
	t.Cleanup(srv.Close)
	opener := func(ctx context.Context, cfg provider.Config) (provider.Driver, error) {
		drv, err := open(ctx, cfg, volc.Options{Retry: volc.RetryPolicy{MinDelay: time.Millisecond, MinThrottleDelay: time.Millisecond}})
		if err != nil {
			return nil, err
		}
		drv.now, drv.resultsQPS = clock.Now, fast
		return drv, nil
	}
	c, err := provider.OpenWith(context.Background(), provider.Config{Endpoint: srv.URL, QPS: fast, ListQPS: fast,
		Credentials: &provider.Credentials{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret"},
		Logger:      slog.New(slog.DiscardHandler), Instance: t.Name()}, opener)
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

// A server that serves smaller pages than asked (it echoes Pagination.PageSize) is
// followed page by page, and the Domain filter makes one sequence per domain.
func TestListSmallerPagesAndDomains(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := cdnsim.NewManualClock(t0)
	sim, c := listFixture(t, clock)
	sim.SetLimits(Name, cdnsim.Limits{PageSize: 30})
	sim.Populate(Name, cdnsim.Population{Count: 200, Seed: 2, MultiRate: 0.3, Spread: 10 * time.Minute})
	sim.Populate(Name, cdnsim.Population{Count: 70, Seed: 3, Domain: "img.example.com", Spread: 10 * time.Minute})
	clock.Set(t0.Add(time.Hour))
	q := provider.ListQuery{From: t0, To: t0.Add(10 * time.Minute)}
	all, err := c.ListTasks(context.Background(), q)
	if err != nil || len(all) != 270 {
		t.Fatalf("account: %d tasks, %v", len(all), err)
	}
	if n := c.ListCalls(); n != 9 { // ceil(270/30)
		t.Errorf("%d calls at 30 a page, want 9", n)
	}
	// Every task is done and submitted: one results call each, counted apart.
	if n := c.CallsOf(resultsAPI); n != 270 {
		t.Errorf("%d %s calls for 270 done tasks", n, resultsAPI)
	}
	if st := sim.Stats(Name); st.Throttled != 0 || st.Calls != 9+270 {
		t.Errorf("simulator saw %+v; want 279 calls, none throttled", st)
	}
	q.Domains = []string{"img.example.com", "static.example.com"}
	byDomain, err := c.ListTasks(context.Background(), q)
	if err != nil || len(byDomain) != 270 {
		t.Fatalf("by domain: %d tasks, %v", len(byDomain), err)
	}
	q.Domains = []string{"img.example.com"}
	img, err := c.ListTasks(context.Background(), q)
	if err != nil || len(img) != 70 || !strings.Contains(img[0].Objects[0].Path, "img.example.com") {
		t.Fatalf("one domain: %d tasks, %v", len(img), err)
	}
}

// The API clips an old window silently, so the driver refuses it (24 h documented).
func TestListPastRetention(t *testing.T) {
	now := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	_, c := listFixture(t, cdnsim.NewManualClock(now))
	from := now.Add(-25 * time.Hour)
	_, err := c.ListTasks(context.Background(), provider.ListQuery{From: from, To: from.Add(time.Hour)})
	if provider.KindOf(err) != provider.KindBadRequest || !strings.Contains(err.Error(), "24h") {
		t.Errorf("err %v (kind %s)", err, provider.KindOf(err))
	}
}
