package aliyundcdn

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
	"cdnwatch/shared/provider/providertest"
)

func TestListConformance(t *testing.T) {
	providertest.RunList(t, providertest.Harness{Provider: Name})
}

// TestList5000 measures listing 5,000 tasks of one window at the documented 5 calls/s
// against the simulator with 40 ms per call.
func TestList5000(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 25 s")
	}
	t.Log(providertest.MeasureList(t, providertest.Harness{Provider: Name}, 5000, 40*time.Millisecond))
}

// Listing by domain walks one sequence per DCDN object type (file, directory, preload:
// the simulator refuses CDN's "regex"), and the rows come from Tasks.Task[].
func TestListByDomain(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := cdnsim.NewManualClock(t0)
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "k", AccessKeySecret: "s-secret", Now: clock.Now,
		Limits: map[string]cdnsim.Limits{Name: {ListQPS: 500}}})
	srv := httptest.NewServer(sim.Handler(Name))
	defer srv.Close()
	sim.Populate(Name, cdnsim.Population{Count: 150, Seed: 2, MultiRate: 0.3, PreloadRate: 0.3, DirectoryRate: 0.3, Spread: 10 * time.Minute})
	sim.Populate(Name, cdnsim.Population{Count: 30, Seed: 3, Domain: "img.example.com", Spread: 10 * time.Minute})
	clock.Set(t0.Add(time.Hour))
	drv, err := open(context.Background(), provider.Config{Endpoint: srv.URL,
		Credentials: &provider.Credentials{AccessKeyID: "k", AccessKeySecret: "s-secret"}},
		aliyun.Options{Retry: aliyun.RetryPolicy{Period: 5 * time.Millisecond, Cap: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	c := provider.NewClient(drv, 0)
	c.SetListQPS(500)
	tasks, err := c.ListTasks(context.Background(), provider.ListQuery{From: t0, To: t0.Add(10 * time.Minute),
		Domains: []string{"static.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, tk := range tasks {
		for _, o := range tk.Objects {
			types[o.Type]++
			if !strings.HasPrefix(o.Path, "https://static.example.com/") || o.RawStatus == "" {
				t.Fatalf("row %+v", o)
			}
		}
	}
	if len(tasks) != 150 || types["file"] == 0 || types["directory"] == 0 || types["preload"] == 0 {
		t.Errorf("%d tasks, rows by type %v; want 150 of every type", len(tasks), types)
	}
	if st := sim.Stats(Name); st.Errors != 0 || st.ListCalls != c.ListCalls() {
		t.Errorf("simulator %+v, client %d listing calls", st, c.ListCalls())
	}
}
