package tencentcdn

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
	"cdnwatch/shared/provider/providertest"
)

// wantReason is the reason the driver words for a failed simulator object: Tencent
// reports no reason, only fail (or invalid, for a prefetch the origin refused).
func wantReason(o cdnsim.Object) string {
	r := strings.ToUpper(o.FailReason)
	switch {
	case o.Type != cdnsim.TypePreload:
		return "purge failed (Tencent CDN reports no reason)"
	case strings.Contains(r, "ORIGIN") && (strings.Contains(r, "5XX") || strings.Contains(r, "4XX") || strings.Contains(r, "STATUSCODE")):
		return "prefetch invalid: the origin answered with a 4xx or 5xx status"
	}
	return "prefetch failed (Tencent CDN reports no reason)"
}

var harness = providertest.Harness{
	Provider:        Name,
	MalformedID:     "not-a-task-id", // the simulator refuses non-numeric ids as InvalidParameter
	NoPending:       "a task is \"process\" from the moment it is submitted",
	PartialProgress: "DescribePushTasks reports Percent; DescribePurgeTasks reports none",
	WantReason:      wantReason,
}

func TestConformance(t *testing.T) { providertest.Run(t, harness) }

// BenchmarkPoll measures polling 500 ids against the simulator with 30 ms per call.
func BenchmarkPoll(b *testing.B) { providertest.Benchmark(b, harness, 500, 30*time.Millisecond) }

const (
	keyID  = "AKIDDriverTestKey"
	secret = "driver-test-secret-0c9d7e"
)

type fixture struct {
	sim *cdnsim.Sim
	srv *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
	srv := httptest.NewServer(sim.Handler(Name))
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv}
}

func (f *fixture) open(t *testing.T, scope map[string]string) *provider.Client {
	t.Helper()
	c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: f.srv.URL, Scope: scope,
		Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) add(typ string, urls int, reason string) string {
	var objs []cdnsim.Object
	for i := 0; i < urls; i++ {
		objs = append(objs, cdnsim.Object{Path: "https://static.example.com/" + typ + "/" + strings.Repeat("x", i+1),
			Type: typ, Duration: time.Minute, FailReason: reason})
	}
	return f.sim.AddTask(Name, cdnsim.Task{Created: time.Now().Add(-time.Hour), Objects: objs})
}

// What each way of naming the kind costs in calls, and that push ids are found.
func TestKindsAndCalls(t *testing.T) {
	f := newFixture(t)
	purge := f.add(cdnsim.TypeFile, 1, "")
	push := f.add(cdnsim.TypePreload, 1, "")
	invalid := f.add(cdnsim.TypePreload, 1, "Origin Return StatusCode 5XX")
	for _, tt := range []struct {
		scope map[string]string
		ids   []string
		calls int64
	}{
		{map[string]string{ScopeKind: KindPurge}, []string{purge}, 1},
		{map[string]string{ScopeKind: KindPush}, []string{push, invalid}, 2},
		{nil, []string{purge}, 1},
		{nil, []string{push, invalid}, 4}, // purge first, then push
	} {
		f.sim.ResetStats(Name)
		c := f.open(t, tt.scope)
		res, err := c.Query(context.Background(), tt.ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range tt.ids {
			if res[id].Status == provider.Unknown {
				t.Errorf("scope %v: %s unknown", tt.scope, id)
			}
		}
		if got := f.sim.Stats(Name).Calls; got != tt.calls {
			t.Errorf("scope %v, %d ids: %d calls, want %d", tt.scope, len(tt.ids), got, tt.calls)
		}
		if tt.scope == nil && len(tt.ids) == 2 {
			// The kinds are learned: the next poll costs one call per id.
			f.sim.ResetStats(Name)
			if _, err := c.Query(context.Background(), tt.ids); err != nil {
				t.Fatal(err)
			}
			if got := f.sim.Stats(Name).Calls; got != 2 {
				t.Errorf("second poll without scope.kind: %d calls, want 2", got)
			}
			if o := res[invalid].Objects[0]; o.Status != provider.Failed || o.RawStatus != "invalid" ||
				!strings.Contains(o.Reason, "origin answered with a 4xx or 5xx") {
				t.Errorf("invalid prefetch: %+v", o)
			}
		}
	}
	if _, err := provider.Open(context.Background(), Name, provider.Config{Scope: map[string]string{ScopeKind: "refresh"}}); err == nil ||
		!strings.Contains(err.Error(), "scope.kind") {
		t.Errorf("bad scope.kind: %v", err)
	}
}

// A task of more URLs than one page is read page by page.
func TestPaging(t *testing.T) {
	f := newFixture(t)
	id := f.add(cdnsim.TypeFile, 45, "")
	res, err := f.open(t, map[string]string{ScopeKind: KindPurge}).Query(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res[id].Objects); n != 45 || res[id].Status != provider.Complete {
		t.Errorf("%d rows, %s; want 45, complete", n, res[id].Status)
	}
	if got := f.sim.Stats(Name).Calls; got != 3 {
		t.Errorf("%d calls for 45 URLs, want 3 pages of 20", got)
	}
}

// Dropped connections are retried by the SDK (via transport's temporary errors).
func TestDroppedConnectionRetried(t *testing.T) {
	f := newFixture(t)
	var drops atomic.Int64
	drops.Store(2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if drops.Add(-1) >= 0 {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		f.sim.Handler(Name).ServeHTTP(w, r)
	}))
	defer srv.Close()
	id := f.add(cdnsim.TypeFile, 1, "")
	c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: srv.URL, Scope: map[string]string{ScopeKind: KindPurge},
		Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(context.Background(), []string{id})
	if err != nil || res[id].Status != provider.Complete {
		t.Errorf("after 2 dropped connections: %v, %+v", err, res[id])
	}
}

// Without explicit credentials the standard variables are used; without them, a clear
// auth error and no call.
func TestEnvironmentCredentials(t *testing.T) {
	f := newFixture(t)
	id := f.add(cdnsim.TypeFile, 1, "")
	t.Setenv("TENCENTCLOUD_SECRET_ID", "")
	t.Setenv("TENCENTCLOUD_SECRET_KEY", "")
	c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(context.Background(), []string{id})
	if !provider.Refused(err) || !strings.Contains(err.Error(), "TENCENTCLOUD_SECRET_ID") || f.sim.Stats(Name).Calls != 0 {
		t.Errorf("no credentials: %v after %d calls", err, f.sim.Stats(Name).Calls)
	}
	t.Setenv("TENCENTCLOUD_SECRET_ID", keyID)
	t.Setenv("TENCENTCLOUD_SECRET_KEY", secret)
	c, err = provider.Open(context.Background(), Name, provider.Config{Endpoint: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Query(context.Background(), []string{id}); err != nil || res[id].Status != provider.Complete {
		t.Errorf("credentials from the environment: %v, %+v", err, res[id])
	}
}

func TestParseTime(t *testing.T) {
	got := parseTime("2018-12-28 17:30:31")
	if want := time.Date(2018, 12, 28, 9, 30, 31, 0, time.UTC); !got.Equal(want) {
		t.Errorf("parseTime = %v, want %v (Beijing time)", got, want)
	}
}
