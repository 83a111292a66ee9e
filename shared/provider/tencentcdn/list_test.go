package tencentcdn

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/providertest"
)

func listHarness() providertest.Harness {
	h := harness
	h.ListSequences = 2 // DescribePurgeTasks, then DescribePushTasks
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

// The window goes out in Beijing time, as Tencent reads it: a window of 23:30–00:30
// UTC is sent as 07:30:00–08:30:00 the next day, both APIs are asked, and a task
// created at 23:45 UTC is found (sent as UTC, the window would miss it by eight hours).
// scope.kind narrows the listing to one API.
func TestListBeijingTime(t *testing.T) {
	from := time.Now().UTC().Add(-48 * time.Hour).Truncate(24 * time.Hour).Add(-30 * time.Minute) // 23:30 UTC
	to := from.Add(time.Hour)
	clock := cdnsim.NewManualClock(from.Add(2 * time.Hour))
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "AKIDk", AccessKeySecret: "s-secret", Now: clock.Now})
	purgeID := sim.AddTask(Name, cdnsim.Task{Created: from.Add(15 * time.Minute), Objects: []cdnsim.Object{{
		Path: "https://static.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	pushID := sim.AddTask(Name, cdnsim.Task{Created: from.Add(40 * time.Minute), Objects: []cdnsim.Object{{
		Path: "https://static.example.com/v.mp4", Type: cdnsim.TypePreload, Duration: time.Minute}}})
	var (
		mu     sync.Mutex
		bodies []map[string]any
	)
	h := sim.Handler(Name)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		m["action"] = r.Header.Get("X-TC-Action")
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	open := func(scope map[string]string) *provider.Client {
		c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: srv.URL, Scope: scope,
			Credentials: &provider.Credentials{AccessKeyID: "AKIDk", AccessKeySecret: "s-secret"}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tasks, err := open(nil).ListTasks(context.Background(), provider.ListQuery{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]provider.Status{}
	for _, tk := range tasks {
		got[tk.ID] = tk.Status
	}
	if len(got) != 2 || got[purgeID] != provider.Complete || got[pushID] != provider.Complete {
		t.Errorf("listed %v, want %s and %s complete", got, purgeID, pushID)
	}
	wantStart := from.Add(8 * time.Hour).Format(time.DateTime)
	wantEnd := to.Add(8 * time.Hour).Format(time.DateTime)
	if wantStart[11:] != "07:30:00" {
		t.Fatalf("test setup: %s", wantStart)
	}
	actions := map[string]bool{}
	for _, b := range bodies {
		if b["StartTime"] != wantStart || b["EndTime"] != wantEnd {
			t.Errorf("sent StartTime %v, EndTime %v; want %s, %s (Beijing time)", b["StartTime"], b["EndTime"], wantStart, wantEnd)
		}
		actions[b["action"].(string)] = true
	}
	if !actions["DescribePurgeTasks"] || !actions["DescribePushTasks"] {
		t.Errorf("actions %v", actions)
	}
	bodies = nil
	tasks, err = open(map[string]string{ScopeKind: KindPush}).ListTasks(context.Background(), provider.ListQuery{From: from, To: to})
	if err != nil || len(tasks) != 1 || tasks[0].ID != pushID || len(bodies) != 1 {
		t.Errorf("scope.kind=push: %v, %v, %d calls", tasks, err, len(bodies))
	}
}
