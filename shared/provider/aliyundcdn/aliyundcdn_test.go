package aliyundcdn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
	"cdnwatch/shared/provider/providertest"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Harness{Provider: Name, MalformedID: "12ab34"})
}

// BenchmarkPoll measures polling 500 ids against the simulator with 30 ms per call.
func BenchmarkPoll(b *testing.B) {
	providertest.Benchmark(b, providertest.Harness{Provider: Name}, 500, 30*time.Millisecond)
}

// TestPollThousand measures one poll of 1,000 pending ids at the documented rate:
// 100 calls of 10 ids at 30 calls/s, about 3.3 s.
func TestPollThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 3 s")
	}
	providertest.CheckPollRate(t, providertest.PollRate{Provider: Name, Sim: cdnsim.Options{AccessKeyID: "k", AccessKeySecret: "s-secret"},
		Population: cdnsim.Population{Count: 1000}, WantCalls: 100})
}

// The call reaches the DCDN action and version, not CDN's: the simulator's DCDN API
// refuses any other version.
func TestSpeaksDCDN(t *testing.T) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "k", AccessKeySecret: "s-secret"})
	var action, version string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action, version = r.Header.Get("x-acs-action"), r.Header.Get("x-acs-version")
		sim.Handler(Name).ServeHTTP(w, r)
	}))
	defer srv.Close()
	id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "https://d.example.com/a", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: srv.URL,
		Credentials: &provider.Credentials{AccessKeyID: "k", AccessKeySecret: "s-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(context.Background(), []string{id})
	if err != nil || res[id].Status != provider.Running {
		t.Fatalf("query: %v %+v", err, res[id])
	}
	if action != "DescribeDcdnRefreshTaskById" || version != "2018-01-15" {
		t.Errorf("called %s version %s", action, version)
	}
}

// A RAM refusal names the permission to grant.
func TestRAMRefusalNamesPermission(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"RequestId":"R","Code":"Forbidden.RAM","Message":"User not authorized to operate on the specified resource."}`))
	}))
	defer srv.Close()
	drv, err := open(context.Background(), provider.Config{Endpoint: srv.URL,
		Credentials: &provider.Credentials{AccessKeyID: "k", AccessKeySecret: "s-secret"}},
		aliyun.Options{Retry: aliyun.RetryPolicy{Period: time.Millisecond, Cap: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = provider.NewClient(drv, 0).Query(context.Background(), []string{"123"})
	if provider.KindOf(err) != provider.KindAuth || !strings.Contains(err.Error(), "dcdn:DescribeDcdnRefreshTaskById") {
		t.Errorf("err = %v (kind %s), want an auth error naming dcdn:DescribeDcdnRefreshTaskById", err, provider.KindOf(err))
	}
}
