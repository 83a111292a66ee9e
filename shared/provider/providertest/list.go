package providertest

// Listing conformance: the checks every provider.Lister passes against its simulator, so
// a sweep behaves the same whichever provider it lists. A driver's test is one call:
//
//	func TestListConformance(t *testing.T) { providertest.RunList(t, providertest.Harness{Provider: "volc-cdn"}) }

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// listAt is where listing sub-tests put their window: this far before the wall clock,
// so drivers that check retention against the wall clock (the APIs that silently clip
// old windows) agree with the simulator's task clock.
const listAt = 2 * time.Hour

// RunList runs the listing sub-tests: Pages (every task of the window, once, each row
// as the by-id query reports it, in full pages), WindowBounds ([From, To) to the
// second), Rate (the documented listing rate, nothing throttled) and Retention (a window
// past retention is refused, never silently short).
func RunList(t *testing.T, h Harness) {
	t.Helper()
	if h.Provider == "" {
		t.Fatal("providertest: Harness.Provider is required")
	}
	h = h.withDefaults()
	for _, st := range []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"Pages", testListPages},
		{"WindowBounds", testListWindowBounds},
		{"Rate", testListRate},
		{"Retention", testListRetention},
	} {
		t.Run("List"+st.name, func(t *testing.T) {
			if why, ok := h.Skip["List"+st.name]; ok {
				t.Skip(why)
			}
			e := h.newEnv(t)
			c := e.open(t, 0)
			if !c.CanList() {
				t.Fatalf("%s: the driver does not implement provider.Lister", h.Provider)
			}
			st.fn(t, e)
		})
	}
}

// fast lifts the simulator's and the client's rates, for sub-tests that are not about
// the rate.
func (e *env) fast(t *testing.T) *provider.Client {
	e.sim.SetLimits(e.h.Provider, cdnsim.Limits{QPS: 10_000, ListQPS: 10_000})
	c := e.open(t, 10_000)
	c.SetListQPS(10_000)
	return c
}

func listTasks(t *testing.T, c *provider.Client, from, to time.Time) map[string]provider.Task {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tasks, err := c.ListTasks(ctx, provider.ListQuery{From: from, To: to})
	if err != nil {
		t.Fatalf("list [%s, %s): %v", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	out := make(map[string]provider.Task, len(tasks))
	for _, tk := range tasks {
		if _, dup := out[tk.ID]; dup {
			t.Errorf("task %s listed twice", tk.ID)
		}
		out[tk.ID] = tk
	}
	return out
}

// testListPages lists a window holding hundreds of tasks of every kind (multi-object,
// failing, prefetch, directory), spread over an hour with tasks before and after it, and
// checks each task against the simulator and against the by-id query at the same moment.
func testListPages(t *testing.T, e *env) {
	c := e.fast(t)
	start := e.clock.Now().Add(-listAt)
	e.clock.Set(start.Add(-30 * time.Minute))
	pop := cdnsim.Population{Count: e.h.ListCount, Seed: 7, MultiRate: 0.2, FailRate: 0.1,
		PreloadRate: 0.2, DirectoryRate: 0.2, Spread: 2 * time.Hour}
	ids := e.sim.Populate(e.h.Provider, pop)
	e.clock.Set(start.Add(listAt)) // back to the wall clock: everything created, much finished
	from, to := start, start.Add(time.Hour)
	want := map[string]cdnsim.Task{}
	newer := 0 // created at or after To
	for _, id := range ids {
		tk, _ := e.sim.Task(e.h.Provider, id)
		if !tk.Created.Before(from) && tk.Created.Before(to) {
			want[id] = tk
		} else if !tk.Created.Before(to) {
			newer++
		}
	}
	got := listTasks(t, c, from, to)
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("listed %d tasks, the window holds %d", len(got), len(want))
	}
	rows := 0
	for id, tk := range want {
		lt, ok := got[id]
		if !ok {
			t.Fatalf("task %s (created %s) missing from the listing", id, tk.Created.Format(time.RFC3339))
		}
		rows += len(lt.Objects)
		wantRows := len(tk.Objects)
		if e.h.ListNoPaths != "" {
			wantRows = 1
		}
		if len(lt.Objects) != wantRows {
			t.Errorf("task %s: %d rows, want %d", id, len(lt.Objects), wantRows)
		}
		for _, o := range lt.Objects {
			if !o.Created.Equal(tk.Created) {
				t.Errorf("task %s: row created %v, want %v", id, o.Created, tk.Created)
			}
		}
	}
	// Status mapping identical to the by-id path: query a sample at the same moment.
	sample := make([]string, 0, 60)
	for id := range want {
		if sample = append(sample, id); len(sample) == cap(sample) {
			break
		}
	}
	byID := query(t, c, sample)
	for _, id := range sample {
		compareTasks(t, e.h, got[id], byID[id])
	}
	lim, _ := c.ListLimits()
	units := len(want) // CloudFront and multi-cloud CDN page by task, the others by row
	if e.h.ListPagesByTask == "" {
		units = rows
	}
	if e.h.ListNewestFirst != "" {
		units += newer
	}
	minCalls := int64((units + lim.PageSize - 1) / lim.PageSize)
	maxCalls := minCalls + int64(e.h.ListSequences) + 1
	if n := c.ListCalls(); n < minCalls || n > maxCalls {
		t.Errorf("%d listing calls for %d rows of %d tasks at %d a page over %d sequence(s); want %d to %d",
			n, rows, len(want), lim.PageSize, e.h.ListSequences, minCalls, maxCalls)
	}
	if st := e.stats(); st.Errors != 0 || st.Throttled != 0 {
		t.Errorf("the simulator refused calls: %+v", st)
	}
}

// compareTasks: a listed task reads as the by-id query reads it.
func compareTasks(t *testing.T, h Harness, listed, queried provider.Task) {
	t.Helper()
	if listed.Status != queried.Status {
		t.Errorf("task %s: listed %s, queried %s", listed.ID, listed.Status, queried.Status)
	}
	if h.ListNoPaths != "" {
		for _, o := range listed.Objects {
			if o.RawStatus == "" || o.Status != queried.Status {
				t.Errorf("task %s: listed row %+v, queried task is %s", listed.ID, o, queried.Status)
			}
		}
		return
	}
	key := func(o provider.Object) string { return o.Path }
	q := map[string]provider.Object{}
	for _, o := range queried.Objects {
		q[key(o)] = o
	}
	for _, o := range listed.Objects {
		w, ok := q[key(o)]
		if !ok {
			t.Errorf("task %s: listed path %q not in the by-id answer", listed.ID, o.Path)
			continue
		}
		if o.Status != w.Status || o.RawStatus != w.RawStatus || o.Reason != w.Reason || !o.Created.Equal(w.Created) {
			t.Errorf("task %s path %s: listed %+v, queried %+v", listed.ID, o.Path, o, w)
		}
	}
}

// testListWindowBounds: [From, To) exactly, at the providers' one-second resolution: a
// task created at From is in, one at To is out (it belongs to the next window), as are
// those a second either side.
func testListWindowBounds(t *testing.T, e *env) {
	c := e.fast(t)
	from := e.clock.Now().Add(-listAt).Truncate(time.Minute)
	to := from.Add(10 * time.Minute)
	add := func(at time.Time, name string) string {
		return e.h.AddTask(e.sim, cdnsim.Task{Created: at, Objects: []cdnsim.Object{{
			Path: "https://static.example.com/bounds/" + name, Type: cdnsim.TypeFile, Duration: time.Minute}}})
	}
	in := map[string]string{add(from, "at-from"): "at From", add(to.Add(-time.Second), "before-to"): "a second before To"}
	out := map[string]string{add(from.Add(-time.Second), "before-from"): "a second before From", add(to, "at-to"): "at To"}
	got := listTasks(t, c, from, to)
	for id, what := range in {
		if _, ok := got[id]; !ok {
			t.Errorf("the task created %s is missing", what)
		}
	}
	for id, what := range out {
		if _, ok := got[id]; ok {
			t.Errorf("the task created %s is listed in [From, To)", what)
		}
	}
	if len(got) != len(in) {
		t.Errorf("listed %d tasks, want %d", len(got), len(in))
	}
	// The next window starts where this one ends: the task at To is listed there, once.
	next := listTasks(t, c, to, to.Add(10*time.Minute))
	if len(next) != 1 {
		t.Errorf("the next window lists %d tasks, want the one created at its start", len(next))
	}
}

// testListRate lists a window of ListRateCount tasks at the documented listing rate
// against the simulator's documented limits: nothing throttled, and no faster than the
// rate.
func testListRate(t *testing.T, e *env) {
	c := e.open(t, 0)
	lim, _ := c.ListLimits()
	start := e.clock.Now().Add(-listAt)
	e.clock.Set(start)
	e.sim.Populate(e.h.Provider, cdnsim.Population{Count: e.h.ListRateCount, Seed: 11, Spread: time.Hour,
		PreloadRate: 0.2, DirectoryRate: 0.2})
	e.clock.Set(start.Add(listAt))
	t0 := time.Now()
	got := listTasks(t, c, start, start.Add(time.Hour))
	elapsed := time.Since(t0)
	calls := c.ListCalls()
	if len(got) != e.h.ListRateCount {
		t.Errorf("listed %d tasks, want %d", len(got), e.h.ListRateCount)
	}
	st := e.stats()
	if st.Throttled != 0 || st.Errors != 0 {
		t.Errorf("the simulator refused calls: %+v", st)
	}
	// The bucket has burst 1: n calls take at least (n-1)/QPS.
	if floor := time.Duration(float64(calls-1) / lim.QPS * float64(time.Second)); elapsed < floor*95/100 {
		t.Errorf("%d calls in %v: faster than %.1f calls/s", calls, elapsed, lim.QPS)
	}
	t.Logf("%d tasks in %d calls, %v (%.1f calls/s allowed, page %d)", len(got), calls, elapsed.Round(time.Millisecond),
		lim.QPS, lim.PageSize)
}

// testListRetention: a window reaching past retention is an error (KindBadRequest), never
// a short listing; a provider without retention lists old windows.
func testListRetention(t *testing.T, e *env) {
	c := e.fast(t)
	lim, _ := c.ListLimits()
	now := e.clock.Now()
	if e.h.NoRetention != "" || lim.Retention == 0 {
		old := now.Add(-40 * 24 * time.Hour)
		id := e.h.AddTask(e.sim, cdnsim.Task{Created: old, Objects: []cdnsim.Object{{
			Path: "https://static.example.com/old.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
		if got := listTasks(t, c, old, old.Add(time.Hour)); len(got) != 1 || got[id].ID != id {
			t.Errorf("no retention (%s), but a 40-day-old window lists %d tasks", e.h.NoRetention, len(got))
		}
		return
	}
	from := now.Add(-lim.Retention - time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.ListTasks(ctx, provider.ListQuery{From: from, To: from.Add(2 * time.Hour)})
	if err == nil || provider.KindOf(err) != provider.KindBadRequest {
		t.Errorf("a window from %v ago (retention %v): err %v (kind %s), want a bad-request error",
			now.Sub(from), lim.Retention, err, provider.KindOf(err))
	}
	// Just inside retention is fine.
	from = now.Add(-lim.Retention + time.Hour)
	if _, err := c.ListTasks(ctx, provider.ListQuery{From: from, To: from.Add(time.Hour)}); err != nil {
		t.Errorf("a window inside retention: %v", err)
	}
}

// ListMeasure is what MeasureList saw.
type ListMeasure struct {
	Tasks, Rows int
	Calls       int64
	Elapsed     time.Duration
	Sim         cdnsim.Stats
}

func (m ListMeasure) String() string {
	return fmt.Sprintf("%d tasks (%d rows) in %d calls, %v; simulator: %d calls, %d throttled, %d errors",
		m.Tasks, m.Rows, m.Calls, m.Elapsed.Round(10*time.Millisecond), m.Sim.Calls, m.Sim.Throttled, m.Sim.Errors)
}

// MeasureList lists one window holding n tasks at the documented listing rate, against
// the simulator at its documented limits with latency added to every call.
func MeasureList(t testing.TB, h Harness, n int, latency time.Duration) ListMeasure {
	t.Helper()
	h = h.withDefaults()
	now := time.Now().UTC().Truncate(time.Second)
	start := now.Add(-listAt)
	clock := cdnsim.NewManualClock(start)
	sim := cdnsim.New(cdnsim.Options{Now: clock.Now, AccessKeyID: testKeyID, AccessKeySecret: testSecret, Latency: latency})
	srv := httptest.NewServer(sim.Handler(h.Provider))
	defer srv.Close()
	sim.Populate(h.Provider, cdnsim.Population{Count: n, Seed: 5, Spread: time.Hour, MultiRate: 0.1,
		FailRate: 0.05, PreloadRate: 0.2, DirectoryRate: 0.1})
	clock.Set(now)
	c, err := h.Open(context.Background(), srv.URL, &provider.Credentials{AccessKeyID: testKeyID, AccessKeySecret: testSecret}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	tasks, err := c.ListTasks(ctx, provider.ListQuery{From: start, To: start.Add(time.Hour)})
	m := ListMeasure{Tasks: len(tasks), Calls: c.ListCalls(), Elapsed: time.Since(t0), Sim: sim.Stats(h.Provider)}
	if err != nil {
		t.Fatalf("list: %v (%s)", err, m)
	}
	for _, tk := range tasks {
		m.Rows += len(tk.Objects)
	}
	if m.Tasks != n || m.Sim.Throttled != 0 {
		t.Errorf("%s; want %d tasks, none throttled", m, n)
	}
	return m
}
