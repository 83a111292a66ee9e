package aliyuncdn

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
)

func listFixture(t *testing.T, clock *cdnsim.ManualClock) (*cdnsim.Sim, *provider.Client) {
	t.Helper()
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret, Now: clock.Now,
		Limits: map[string]cdnsim.Limits{Name: {ListQPS: 500}}})
	srv := httptest.NewServer(sim.Handler(Name))
	t.Cleanup(srv.Close)
	drv, err := open(context.Background(), provider.Config{Endpoint: srv.URL,
		Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}},
		aliyun.Options{Retry: aliyun.RetryPolicy{Period: 5 * time.Millisecond, Cap: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	c := provider.NewClient(drv, 0)
	c.SetListQPS(500)
	return sim, c
}

// Listing by domain walks one page sequence per object type (the API requires
// ObjectType with DomainName), each to its TotalCount; listing the whole account is one
// sequence without either. Both see every object of the range once.
func TestListByDomainAndAccount(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := cdnsim.NewManualClock(t0)
	sim, c := listFixture(t, clock)
	sim.Populate(Name, cdnsim.Population{Count: 180, Seed: 2, MultiRate: 0.3, PreloadRate: 0.3, DirectoryRate: 0.2, Spread: 10 * time.Minute})
	sim.Populate(Name, cdnsim.Population{Count: 40, Seed: 3, Domain: "img.example.com", Spread: 10 * time.Minute})
	clock.Set(t0.Add(time.Hour))
	q := provider.ListQuery{From: t0, To: t0.Add(10 * time.Minute), Domains: []string{"static.example.com"}}
	tasks, err := c.ListTasks(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, tk := range tasks {
		for _, o := range tk.Objects {
			rows[o.Type]++
			if !strings.HasPrefix(o.Path, "https://static.example.com/") || o.Created.IsZero() || o.RawStatus == "" {
				t.Fatalf("row %+v", o)
			}
		}
	}
	want := int64(0)
	for _, typ := range listObjectTypes {
		want += int64(max(1, (rows[typ]+listPageSize-1)/listPageSize))
	}
	if len(tasks) != 180 || c.ListCalls() != want {
		t.Errorf("%d tasks in %d calls, want 180 in %d (%v)", len(tasks), c.ListCalls(), want, rows)
	}
	st := sim.Stats(Name)
	if st.Errors != 0 || st.Throttled != 0 {
		t.Errorf("simulator refused calls: %+v", st)
	}
	all, err := c.ListTasks(context.Background(), provider.ListQuery{From: t0, To: t0.Add(10 * time.Minute)})
	if err != nil || len(all) != 220 {
		t.Errorf("account-wide: %d tasks, %v", len(all), err)
	}
}

// Past the 3 days, Aliyun answers InvalidTime: a listing error that says so (a sweep
// refuses such windows before calling; this is the backstop).
func TestListPastRetention(t *testing.T) {
	now := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	_, c := listFixture(t, cdnsim.NewManualClock(now))
	from := now.Add(-73 * time.Hour)
	_, err := c.ListTasks(context.Background(), provider.ListQuery{From: from, To: from.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "InvalidTime") || !strings.Contains(err.Error(), "3 days") ||
		provider.KindOf(err) != provider.KindBadRequest {
		t.Errorf("err %v (kind %s)", err, provider.KindOf(err))
	}
}
