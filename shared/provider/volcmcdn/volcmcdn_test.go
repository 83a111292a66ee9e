package volcmcdn

import (
	"context"
	"net/http"
	"net/http/httptest"
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
		NoProgress: "ListContentTasks reports task and submission status, no percentage",
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

// TestPollThousand measures one poll of 1,000 pending ids at the documented rate:
// 1,000 calls of one id at 30 calls/s, about 33 s.
func TestPollThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 33 s")
	}
	providertest.CheckPollRate(t, providertest.PollRate{Provider: Name, Sim: cdnsim.Options{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret"},
		Population: cdnsim.Population{Count: 1000}, WantCalls: 1000})
}

// The completion rule: done and every sub-task submitted successfully; a failed
// sub-task is final at once and names its vendor account.
func TestSubTaskStatus(t *testing.T) {
	for _, tt := range []struct {
		task, submit, desc string
		want               provider.Status
		reason             string
	}{
		{"pending", "", "", provider.Pending, ""},
		{"executing", "", "", provider.Running, ""},
		{"executing", "success", "", provider.Running, ""}, // complete only when the task is done
		{"executing", "failed", "quota exceeded", provider.Failed, "tencent/tc-prod: quota exceeded"},
		{"done", "success", "", provider.Complete, ""},
		{"done", "failed", "", provider.Failed, "tencent/tc-prod: failed"},
		{"done", "", "", provider.Failed, "tencent/tc-prod: not submitted"},
		{"done", "rejected", "", provider.Failed, "tencent/tc-prod: rejected"},
		{"queued", "", "", provider.Running, ""}, // undocumented task status: keep polling
	} {
		task, _ := mapTaskStatus(tt.task)
		st := &mcdn.SubTaskForListContentTasksOutput{Vendor: volcengine.String("tencent"),
			CloudAccountName: volcengine.String("tc-prod"), SubmitStatus: volcengine.String(tt.submit),
			Description: volcengine.String(tt.desc)}
		got, reason := subTaskStatus(task, st)
		if got != tt.want || reason != tt.reason {
			t.Errorf("%s/%s: %s %q, want %s %q", tt.task, tt.submit, got, reason, tt.want, tt.reason)
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
