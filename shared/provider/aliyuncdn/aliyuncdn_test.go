package aliyuncdn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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

const (
	keyID  = "LTAI5tDriverTestKey"
	secret = "driver-test-secret-81c4d2"
)

// fixture is a simulator behind an optional middleware, and a client with fast retries.
type fixture struct {
	sim    *cdnsim.Sim
	client *provider.Client
	hits   atomic.Int64 // requests that reached the middleware
}

func newFixture(t *testing.T, mw func(f *fixture, next http.Handler) http.Handler) *fixture {
	t.Helper()
	f := &fixture{sim: cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})}
	h := f.sim.Handler(Name)
	if mw != nil {
		h = mw(f, h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	drv, err := open(context.Background(), provider.Config{Endpoint: srv.URL,
		Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}},
		aliyun.Options{Retry: aliyun.RetryPolicy{Period: 5 * time.Millisecond, Cap: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	f.client = provider.NewClient(drv, 0)
	return f
}

func (f *fixture) add(t *testing.T, created time.Time) string {
	return f.sim.AddTask(Name, cdnsim.Task{Created: created, Objects: []cdnsim.Object{
		{Path: "https://static.example.com/x.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
}

// Aliyun may answer InvalidTime when a query reaches past its 3 days; the driver then
// finds out which ids are too old and reports only those as unknown.
func TestInvalidTimeMakesOnlyOldIDsUnknown(t *testing.T) {
	var old string
	f := newFixture(t, func(f *fixture, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Query().Get("TaskId"), old) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				w.Write([]byte(`{"RequestId":"R","Code":"InvalidTime","Message":"The query time cannot exceed the last 3 days."}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	fresh := f.add(t, time.Now())
	old = f.add(t, time.Now().Add(-80*time.Hour))
	res, err := f.client.Query(context.Background(), []string{fresh, old})
	if err != nil {
		t.Fatal(err)
	}
	if res[fresh].Status == provider.Unknown || res[old].Status != provider.Unknown {
		t.Errorf("fresh %s, old %s; want fresh known, old unknown", res[fresh].Status, res[old].Status)
	}
	if got := f.hits.Load(); got != 3 {
		t.Errorf("%d calls; want 3: the batch, then each id alone", got)
	}
}

// Dropped connections and a load balancer's HTML error page are retried by the SDK, and
// reported as unavailable when they persist.
func TestTransportFailuresRetried(t *testing.T) {
	for _, tt := range providertest.TransportFailures {
		t.Run(tt.Name, func(t *testing.T) {
			var failures atomic.Int64
			failures.Store(2)
			f := newFixture(t, func(f *fixture, next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if failures.Add(-1) >= 0 {
						tt.Fail(w)
						return
					}
					next.ServeHTTP(w, r)
				})
			})
			id := f.add(t, time.Now())
			res, err := f.client.Query(context.Background(), []string{id})
			if err != nil || res[id].Status == provider.Unknown {
				t.Fatalf("after 2 failures: %v, %+v; want the retry to succeed", err, res[id])
			}
			if got := f.hits.Load(); got != 3 {
				t.Errorf("%d requests; want 3", got)
			}
			failures.Store(1 << 30)
			_, err = f.client.Query(context.Background(), []string{id})
			if provider.KindOf(err) != provider.KindUnavailable {
				t.Errorf("persistent failure: %v (kind %s), want unavailable", err, provider.KindOf(err))
			}
		})
	}
}

// With no explicit credentials the driver uses the default chain: the standard
// environment variables work, and their absence is a clear auth error.
func TestDefaultCredentialChain(t *testing.T) {
	isolateChain(t)
	providertest.CheckEnvCredentials(t, Name, keyID, secret, "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
}

// isolateChain keeps the default chain from finding the machine's own credentials.
func isolateChain(t *testing.T) {
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "",
		"ALIBABA_CLOUD_SECURITY_TOKEN": "", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true", "ALIBABA_CLOUD_CREDENTIALS_FILE": home + "/none",
		"ALIBABA_CLOUD_PROFILE": "", "ALIBABA_CLOUD_OIDC_TOKEN_FILE": "", "ALIBABA_CLOUD_ROLE_ARN": "",
		"ALIBABA_CLOUD_CREDENTIALS_URI": "",
	} {
		t.Setenv(k, v)
	}
}
