package volccdn

import (
	"context"
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
	h.ListSequences = len(taskTypes) // TaskType is required: one sequence per type
	return h
}

func TestListConformance(t *testing.T) { providertest.RunList(t, listHarness()) }

// TestList5000 measures listing 5,000 tasks of one window at 10 calls/s against the
// simulator with 40 ms per call.
func TestList5000(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 6 s")
	}
	t.Log(providertest.MeasureList(t, listHarness(), 5000, 40*time.Millisecond))
}

// Every TaskType is listed (each its own sequence), DomainName narrows to one host, and
// a server serving smaller pages than asked is followed by the PageSize it echoes.
func TestListTypesDomainsPages(t *testing.T) {
	// Near the wall clock: the driver checks the 7-day retention against it.
	t0 := time.Now().UTC().Truncate(time.Second).Add(-2 * time.Hour)
	clock := cdnsim.NewManualClock(t0)
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret", Now: clock.Now,
		Limits: map[string]cdnsim.Limits{Name: {QPS: 1000, PageSize: 40}}})
	srv := httptest.NewServer(sim.Handler(Name))
	defer srv.Close()
	sim.Populate(Name, cdnsim.Population{Count: 150, Seed: 2, MultiRate: 0.3, PreloadRate: 0.3, DirectoryRate: 0.3, Spread: 10 * time.Minute})
	sim.Populate(Name, cdnsim.Population{Count: 30, Seed: 3, Domain: "img.example.com", Spread: 10 * time.Minute})
	clock.Set(t0.Add(time.Hour))
	drv, err := open(context.Background(), provider.Config{Endpoint: srv.URL,
		Credentials: &provider.Credentials{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret"}},
		volc.Options{Retry: volc.RetryPolicy{MinDelay: time.Millisecond, MinThrottleDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	c := provider.NewClient(drv, 0)
	c.SetListQPS(1000)
	q := provider.ListQuery{From: t0, To: t0.Add(10 * time.Minute)}
	all, err := c.ListTasks(context.Background(), q)
	if err != nil || len(all) != 180 {
		t.Fatalf("account: %d tasks, %v", len(all), err)
	}
	types := map[string]int{}
	for _, tk := range all {
		types[tk.Objects[0].Type]++
	}
	if len(types) != 3 {
		t.Errorf("types listed: %v", types)
	}
	if st := sim.Stats(Name); st.ListCalls != c.ListCalls() || st.Errors != 0 {
		t.Errorf("simulator %+v, client %d listing calls", st, c.ListCalls())
	}
	q.Domains = []string{"img.example.com"}
	img, err := c.ListTasks(context.Background(), q)
	if err != nil || len(img) != 30 {
		t.Fatalf("by domain: %d tasks, %v", len(img), err)
	}
	for _, tk := range img {
		if !strings.HasPrefix(tk.Objects[0].Path, "https://img.example.com/") {
			t.Errorf("by domain: %+v", tk.Objects[0])
		}
	}
}
