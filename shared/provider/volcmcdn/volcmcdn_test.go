package volcmcdn

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volcengine/volcengine-go-sdk/service/mcdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/volc"
	"cdnwatch/shared/provider/providertest"
)

func harness() providertest.Harness {
	return providertest.Harness{
		Provider:   Name,
		NoProgress: "neither call reports a percentage",
		// A page of done tasks costs a DescribeContentTaskByTaskId call each, at 30/s.
		ListRateCount: 300,
		// Each failure is reported on the vendor account's sub-task.
		WantReason: func(o cdnsim.Object) string {
			vendor, account := cdnsim.VolcMCDNVendor(o.Path)
			return vendor + "/" + account + ": " + o.FailReason
		},
	}
}

func TestConformance(t *testing.T) { providertest.Run(t, harness()) }

// BenchmarkPoll measures polling 500 ids against the simulator with 30 ms per call.
func BenchmarkPoll(b *testing.B) { providertest.Benchmark(b, harness(), 500, 30*time.Millisecond) }

// TestPollThousand measures one poll of 1,000 ids of tasks an hour old, all done and
// submitted: 1,000 ListContentTasks calls of one id at 30 calls/s, and one
// DescribeContentTaskByTaskId per done task at that action's own 30 calls/s, in parallel
// with them, so about 35 s for 2,000 calls.
func TestPollThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 35 s")
	}
	providertest.CheckPollRate(t, providertest.PollRate{Provider: Name, Sim: cdnsim.Options{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret"},
		Population: cdnsim.Population{Count: 1000}, Age: time.Hour,
		WantCalls: 1000, WantAPICalls: map[string]int64{resultsAPI: 1000}})
}

// The sequence, polled through the SDK against the simulator at set moments: a task MCDN
// has fully submitted ("done") is not complete while the vendor still refreshes; each
// URL completes or fails on the vendor's own result; a refused submission fails at once;
// a vendor without a result API leaves its URLs unknown, never complete.
func TestCompleteOnlyWhenVendorsFinish(t *testing.T) {
	start := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	now := start
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret, Now: func() time.Time { return now }})
	srv := httptest.NewServer(sim.Handler(Name))
	defer srv.Close()
	drv, err := open(context.Background(), provider.Config{Endpoint: srv.URL,
		Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}}, volc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	drv.now = func() time.Time { return now }
	ok := cdnsim.Object{Path: "https://m.example.com/ok.js", Type: cdnsim.TypeFile, Duration: 5 * time.Minute}
	slow := cdnsim.Object{Path: "https://m.example.com/slow.js", Type: cdnsim.TypeFile, PendingFor: time.Minute, Duration: 10 * time.Minute}
	bad := cdnsim.Object{Path: "https://m.example.com/bad.js", Type: cdnsim.TypeFile, Duration: 3 * time.Minute, FailReason: "origin timeout"}
	refused := cdnsim.Object{Path: "https://m.example.com/refused.js", Type: cdnsim.TypeFile, FailReason: "quota exceeded"}
	dark := cdnsim.Object{Path: "https://dcdn.example.com/app.js", Type: cdnsim.TypeFile, Duration: time.Minute}
	id := sim.AddTask(Name, cdnsim.Task{Created: start, Objects: []cdnsim.Object{ok, slow, bad, refused, dark}})
	who := func(o cdnsim.Object) string { v, a := cdnsim.VolcMCDNVendor(o.Path); return v + "/" + a + ": " }

	type want struct {
		status provider.Status
		reason string // a prefix
	}
	check := func(at time.Duration, wantCalls int64, wants map[string]want) {
		t.Helper()
		now = start.Add(at)
		sim.ResetStats(Name)
		objs, err := drv.Describe(context.Background(), []string{id})
		if err != nil {
			t.Fatalf("at +%v: %v", at, err)
		}
		if got := sim.Stats(Name).Calls; got != wantCalls {
			t.Errorf("at +%v: %d calls, want %d", at, got, wantCalls)
		}
		if len(objs) != len(wants) {
			t.Fatalf("at +%v: %d objects, want %d: %+v", at, len(objs), len(wants), objs)
		}
		for _, o := range objs {
			w, ok := wants[o.Path]
			if !ok || o.Status != w.status || !strings.HasPrefix(o.Reason, w.reason) || (w.reason == "") != (o.Reason == "") {
				t.Errorf("at +%v: %s is %s %q (raw %s), want %s %q", at, o.Path, o.Status, o.Reason, o.RawStatus, w.status, w.reason)
			}
		}
	}
	// +30s: four sub-tasks submitted, one (slow) still waiting: executing; only the
	// refusal is final. No second call: ListContentTasks says all there is.
	check(30*time.Second, 1, map[string]want{
		ok.Path: {provider.Running, ""}, slow.Path: {provider.Running, ""}, bad.Path: {provider.Running, ""},
		refused.Path: {provider.Failed, who(refused) + "quota exceeded"}, dark.Path: {provider.Running, ""},
	})
	// +2m: everything submitted, TaskStatus done; the vendors are still at work.
	check(2*time.Minute, 2, map[string]want{
		ok.Path: {provider.Running, ""}, slow.Path: {provider.Running, ""}, bad.Path: {provider.Running, ""},
		refused.Path: {provider.Failed, who(refused) + "quota exceeded"},
		dark.Path:    {provider.Unknown, who(dark) + "volcengine dcdn reports no per-URL results"},
	})
	// +6m: ok finished at its vendor, bad failed there.
	check(6*time.Minute, 2, map[string]want{
		ok.Path: {provider.Complete, ""}, slow.Path: {provider.Running, ""}, bad.Path: {provider.Failed, who(bad) + "origin timeout"},
		refused.Path: {provider.Failed, who(refused) + "quota exceeded"},
		dark.Path:    {provider.Unknown, who(dark)},
	})
	// +12m: slow too; the task as a whole is failed (two failures, one unknown).
	check(12*time.Minute, 2, map[string]want{
		ok.Path: {provider.Complete, ""}, slow.Path: {provider.Complete, ""}, bad.Path: {provider.Failed, who(bad) + "origin timeout"},
		refused.Path: {provider.Failed, who(refused) + "quota exceeded"},
		dark.Path:    {provider.Unknown, who(dark)},
	})
}

// The vendor result words: the documented ones and the vendors' own; anything else keeps
// the URL running rather than ending it on a guess.
func TestMapVendorStatus(t *testing.T) {
	for raw, want := range map[string]provider.Status{
		"success": provider.Complete, "Completed": provider.Complete, "task_done": provider.Complete,
		"failed": provider.Failed, "FAIL": provider.Failed,
		"running": provider.Running, "refreshing": provider.Running, "processing": provider.Running,
		"waiting": provider.Pending,
	} {
		if got, known := mapVendorStatus(raw); got != want || !known {
			t.Errorf("%q: %s (known %v), want %s", raw, got, known, want)
		}
	}
	if got, known := mapVendorStatus("half-done"); got != provider.Running || known {
		t.Errorf("an unknown word: %s (known %v), want running, not known", got, known)
	}
}

// A vendor that splits a URL over several of its tasks: the URL is failed if any part
// failed, running while any part runs.
func TestVendorResultsMerge(t *testing.T) {
	row := func(status, desc string) *mcdn.SubTaskForDescribeContentTaskByTaskIdOutput {
		return &mcdn.SubTaskForDescribeContentTaskByTaskIdOutput{CloudAccountId: volcengine.String("acc"),
			Url: volcengine.String("https://x/a"), Status: volcengine.String(status), Description: volcengine.String(desc)}
	}
	st := &mcdn.SubTaskForListContentTasksOutput{CloudAccountId: volcengine.String("acc")}
	for _, tt := range []struct {
		rows []*mcdn.SubTaskForDescribeContentTaskByTaskIdOutput
		want string
	}{
		{[]*mcdn.SubTaskForDescribeContentTaskByTaskIdOutput{row("success", ""), row("failed", "x"), row("running", "")}, "failed"},
		{[]*mcdn.SubTaskForDescribeContentTaskByTaskIdOutput{row("success", ""), row("running", "")}, "running"},
		{[]*mcdn.SubTaskForDescribeContentTaskByTaskIdOutput{row("success", ""), row("success", "")}, "success"},
	} {
		r := newVendorResults(&mcdn.DescribeContentTaskByTaskIdOutput{SubTasks: tt.rows})
		if got, ok := r.lookup(st, "https://x/a"); !ok || got.raw != tt.want {
			t.Errorf("merged %v, want %s", got, tt.want)
		}
	}
}

const (
	keyID  = "AKLTdriverTestKey"
	secret = "driver-test-secret-81c4d2"
)

// Dropped connections and a load balancer's HTML error page are retried by the SDK's
// retryer, and reported as unavailable when they persist.
func TestTransportFailuresRetried(t *testing.T) {
	for _, tt := range providertest.TransportFailures {
		t.Run(tt.Name, func(t *testing.T) {
			sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
			var failures, hits atomic.Int64
			failures.Store(2)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if failures.Add(-1) >= 0 {
					tt.Fail(w)
					return
				}
				sim.Handler(Name).ServeHTTP(w, r)
			}))
			defer srv.Close()
			drv, err := open(context.Background(), provider.Config{Endpoint: srv.URL,
				Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}},
				volc.Options{Retry: volc.RetryPolicy{MinDelay: time.Millisecond, MinThrottleDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			c := provider.NewClient(drv, 0)
			id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "https://m.example.com/x.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
			res, err := c.Query(context.Background(), []string{id})
			if err != nil || res[id].Status == provider.Unknown {
				t.Fatalf("after 2 failures: %v, %+v; want the retry to succeed", err, res[id])
			}
			if got := hits.Load(); got != 3 {
				t.Errorf("%d requests; want 3", got)
			}
			failures.Store(1 << 30)
			_, err = c.Query(context.Background(), []string{id})
			if provider.KindOf(err) != provider.KindUnavailable {
				t.Errorf("persistent failure: %v (kind %s), want unavailable", err, provider.KindOf(err))
			}
		})
	}
}

// With no explicit credentials the driver reads VOLCENGINE_ACCESS_KEY / _SECRET_KEY, and
// their absence is a clear auth error before any call.
func TestCredentialsFromEnvironment(t *testing.T) {
	home := t.TempDir()
	for _, k := range []string{"VOLCENGINE_ACCESS_KEY", "VOLCENGINE_SECRET_KEY", "VOLCENGINE_SESSION_TOKEN",
		"VOLCSTACK_ACCESS_KEY_ID", "VOLCSTACK_ACCESS_KEY", "VOLCSTACK_SECRET_ACCESS_KEY", "VOLCSTACK_SECRET_KEY"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	providertest.CheckEnvCredentials(t, Name, keyID, secret, "VOLCENGINE_ACCESS_KEY", "VOLCENGINE_SECRET_KEY")
}

// When DescribeContentTaskByTaskId refuses a task that ListContentTasks knows (a bad
// request), the submitted URLs stay running and the poll goes on; when it denies the
// key (no permission for this action), the poll fails with that refusal, naming the
// action.
func TestResultsRefused(t *testing.T) {
	for _, tt := range []struct {
		status     int
		code       string
		wantErr    bool
		wantStatus provider.Status
	}{
		{400, "InvalidParameter", false, provider.Running},
		{403, "AccessDenied", true, ""},
	} {
		t.Run(tt.code, func(t *testing.T) {
			sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("Action") == "DescribeContentTaskByTaskId" {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tt.status)
					fmt.Fprintf(w, `{"ResponseMetadata":{"RequestId":"r1","Action":"DescribeContentTaskByTaskId","Version":"2022-03-01","Service":"mcdn","Region":"cn-north-1","Error":{"CodeN":100%d,"Code":%q,"Message":"refused"}}}`, tt.status, tt.code)
					return
				}
				sim.Handler(Name).ServeHTTP(w, r)
			}))
			defer srv.Close()
			drv, err := open(context.Background(), provider.Config{Endpoint: srv.URL,
				Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}},
				volc.Options{Retry: volc.RetryPolicy{MinDelay: time.Millisecond, MinThrottleDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			id := sim.AddTask(Name, cdnsim.Task{Created: time.Now().Add(-time.Hour),
				Objects: []cdnsim.Object{{Path: "https://m.example.com/x.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
			objs, err := drv.Describe(context.Background(), []string{id})
			if tt.wantErr {
				if !provider.Refused(err) || !strings.Contains(err.Error(), "DescribeContentTaskByTaskId") {
					t.Errorf("err = %v, want a refusal naming DescribeContentTaskByTaskId", err)
				}
				return
			}
			if err != nil || len(objs) != 1 || objs[0].Status != tt.wantStatus {
				t.Errorf("%+v, %v; want one %s object", objs, err, tt.wantStatus)
			}
		})
	}
}
