package watch

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"cdnwatch/shared/provider"
)

// simTask is a task whose progress follows a shape: pending for pend, then running for
// run, reporting progress as shape says (f is the share of run that has passed).
type simTask struct {
	id        string
	pend, run time.Duration
	shape     func(f float64) float64
}

var shapes = map[string]func(f float64) float64{
	"linear": func(f float64) float64 { return 100 * f },
	"step25": func(f float64) float64 { return 25 * math.Floor(4*f) },
	"square": func(f float64) float64 { return 100 * f * f },
	"stuck":  func(float64) float64 { return 0 },
}

func (s simTask) end() time.Duration { return s.pend + s.run }

// at is what a provider reports about the task at elapsed e since creation (t0).
func (s simTask) at(e time.Duration) provider.Task {
	o := provider.Object{TaskID: s.id, Path: "https://static.example.com/" + s.id, Created: t0}
	switch {
	case e >= s.end():
		o.Status, o.Progress = provider.Complete, "100%"
	case e < s.pend:
		o.Status, o.Progress = provider.Pending, "0%"
	default:
		p := s.shape(float64(e-s.pend) / float64(s.run))
		p = math.Min(math.Floor(p*100)/100, 99.99)
		o.Status, o.Progress = provider.Running, strconv.FormatFloat(p, 'f', -1, 64)+"%"
	}
	return provider.Aggregate(s.id, []provider.Object{o})
}

// runWatch drives Step on a virtual clock (no sleeping, no I/O) the way the engine does:
// ask for the due ids, perCall to a call, each call costing gap; step; wait. It returns
// each task's notice delay and the calls made.
func runWatch(t *testing.T, tasks []simTask, pol Policy, perCall int, gap time.Duration) (map[string]time.Duration, int) {
	t.Helper()
	ids := make([]string, len(tasks))
	byID := map[string]simTask{}
	for i, s := range tasks {
		ids[i] = s.id
		byID[s.id] = s
	}
	d := &Document{V: 1, Provider: "aliyun-cdn", TaskIDs: ids}
	now := t0
	calls := 0
	seen := map[string]time.Duration{}
	for hop := 0; hop < 10000; hop++ {
		due := DueIDs(d, now, perCall)
		obs := map[string]provider.Task{}
		for i := 0; i < len(due); i += perCall {
			calls++
			for _, id := range due[i:min(i+perCall, len(due))] {
				s := byID[id]
				obs[id] = s.at(now.Sub(t0))
				if obs[id].Status.Terminal() {
					if _, ok := seen[id]; !ok {
						seen[id] = now.Sub(t0) - s.end()
					}
				}
			}
			now = now.Add(gap)
		}
		r := Step(d, obs, now, pol, Info{})
		d = r.Doc
		if d.Finished() {
			if d.State.Finished == EndTimeout {
				t.Fatalf("timed out with %d pending", len(d.TaskIDs))
			}
			return seen, calls
		}
		if r.Wait <= 0 {
			t.Fatalf("hop %d: wait %v on an unfinished watch", hop, r.Wait)
		}
		now = now.Add(r.Wait)
	}
	t.Fatal("no end after 10000 hops")
	return nil, 0
}

// population is n tasks drawn like the bench's: refreshes 1–10 min (a quarter of them
// 5–120 s), prefetches (30 %) 5–30 min, pending 0–30 s; shape "mix" cycles the four.
func population(n int, shape string, seed uint64) []simTask {
	r := seed*6364136223846793005 + 1442695040888963407
	next := func(lo, hi time.Duration) time.Duration {
		r = r*6364136223846793005 + 1442695040888963407
		return lo + time.Duration((r>>11)%uint64(hi-lo+1))
	}
	names := []string{"linear", "step25", "square", "stuck"}
	out := make([]simTask, n)
	for i := range out {
		run := next(time.Minute, 10*time.Minute)
		switch k := i % 10; {
		case k < 3:
			run = next(5*time.Minute, 30*time.Minute)
		case k < 5:
			run = next(5*time.Second, 2*time.Minute)
		}
		sh := shape
		if sh == "mix" {
			sh = names[i%4]
		}
		out[i] = simTask{id: fmt.Sprintf("%011d", 17803183907+i), pend: next(0, 30*time.Second), run: run, shape: shapes[sh]}
	}
	return out
}

// fixedPoll is the baseline: every pending id every `every`, perCall to a call.
func fixedPoll(tasks []simTask, every time.Duration, perCall int, gap time.Duration) (map[string]time.Duration, int) {
	pending := slices.Clone(tasks)
	seen := map[string]time.Duration{}
	e, calls := time.Duration(0), 0
	for len(pending) > 0 {
		for i := 0; i < len(pending); i += perCall {
			calls++
			for _, s := range pending[i:min(i+perCall, len(pending))] {
				if s.at(e).Status.Terminal() {
					seen[s.id] = e - s.end()
				}
			}
			e += gap
		}
		pending = slices.DeleteFunc(pending, func(s simTask) bool { _, ok := seen[s.id]; return ok })
		e += every
	}
	return seen, calls
}

func quantile(m map[string]time.Duration, q float64) time.Duration {
	var ds []time.Duration
	for _, d := range m {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[int(float64(len(ds))*q)]
}

func TestScheduleOnEveryShape(t *testing.T) {
	const gap = time.Second / 30 // Aliyun's 30 calls/s: each call costs its turn
	for _, shape := range []string{"linear", "step25", "square", "stuck", "mix"} {
		t.Run(shape, func(t *testing.T) {
			adaptive, fixed := map[string]time.Duration{}, map[string]time.Duration{}
			aCalls, fCalls := 0, 0
			for seed := uint64(1); seed <= 6; seed++ {
				tasks := population(30, shape, seed)
				for i := range tasks {
					tasks[i].id = fmt.Sprintf("%d-%s", seed, tasks[i].id)
				}
				seen, calls := runWatch(t, tasks, DefaultPolicy(), 10, gap)
				if len(seen) != len(tasks) {
					t.Fatalf("seed %d: %d of %d tasks reported", seed, len(seen), len(tasks))
				}
				fs, fc := fixedPoll(tasks, 20*time.Second, 10, gap)
				for id, d := range seen {
					adaptive[id] = d
				}
				for id, d := range fs {
					fixed[id] = d
				}
				aCalls += calls
				fCalls += fc
			}
			ap95, fp95 := quantile(adaptive, 0.95), quantile(fixed, 0.95)
			amax := quantile(adaptive, 1-1e-9)
			t.Logf("adaptive p95 %v max %v calls %d; fixed 20 s p95 %v calls %d", ap95.Round(100*time.Millisecond),
				amax.Round(100*time.Millisecond), aCalls, fp95.Round(100*time.Millisecond), fCalls)
			// Whatever the shape, a wrong estimate costs at most one coarse-grid wait.
			if amax > 2*time.Minute {
				t.Errorf("max delay %v, want ≤ 2m", amax)
			}
			// Without information (stuck) the schedule is the fixed poll on a grid: allow the
			// half percent the fixed poll saves by drifting (it sleeps 20 s after its calls).
			if aCalls*200 > fCalls*201 {
				t.Errorf("%d calls, the fixed 20 s poll %d", aCalls, fCalls)
			}
			if shape == "linear" {
				// Linear progress is what the estimate assumes: most tasks are seen within a
				// few seconds for well under the fixed poll's calls.
				if ap95 > 6500*time.Millisecond {
					t.Errorf("p95 %v on linear progress, want ≤ 6.5s", ap95)
				}
				if aCalls*10 > fCalls*6 {
					t.Errorf("%d calls on linear progress, want ≤ 60%% of the fixed poll's %d", aCalls, fCalls)
				}
			} else if ap95 > fp95 {
				t.Errorf("p95 %v, the fixed 20 s poll %v", ap95, fp95)
			}
		})
	}
}

// A task that reports no progress until it is done is noticed within the guard, however
// long it runs, and costs one look per guard step.
func TestStuckTaskFollowsTheGuard(t *testing.T) {
	for _, run := range []time.Duration{7 * time.Second, 95 * time.Second, 29 * time.Minute} {
		tasks := []simTask{{id: "1", pend: 3 * time.Second, run: run, shape: shapes["stuck"]}}
		seen, calls := runWatch(t, tasks, DefaultPolicy(), 10, 0)
		if d := seen["1"]; d < 0 || d > 20*time.Second {
			t.Errorf("run %v: delay %v, want ≤ the 20s guard", run, d)
		}
		if want := int((run+3*time.Second)/(20*time.Second)) + 2; calls > want {
			t.Errorf("run %v: %d calls, want ≤ %d (one per guard step)", run, calls, want)
		}
	}
}

// Progress that stalls at 75 % for minutes (one batch of four left) must not be trusted:
// its estimate keeps moving out, so the task stays on the guard grid.
func TestStalledProgressIsNotTrusted(t *testing.T) {
	s := simTask{id: "1", run: 20 * time.Minute, shape: shapes["step25"]}
	d := &Document{V: 1, Provider: "aliyun-cdn", TaskIDs: []string{"1"}}
	now := t0
	for hop := 0; ; hop++ {
		e := now.Sub(t0)
		r := Step(d, map[string]provider.Task{"1": s.at(e)}, now, DefaultPolicy(), Info{})
		if r.Doc.Finished() {
			if delay := e - s.end(); delay > 20*time.Second {
				t.Errorf("delay %v, want ≤ 20s", delay)
			}
			return
		}
		if e > 16*time.Minute && r.Wait > 20*time.Second {
			t.Fatalf("at %v (75%%, stalled) the next look is in %v, want ≤ the 20s guard", e, r.Wait)
		}
		if hop > 200 {
			t.Fatal("no end")
		}
		d, now = r.Doc, now.Add(r.Wait)
	}
}

// Linear progress is confirmed by the second look and then trusted: the task is seen
// within a couple of seconds of its end, with few looks.
func TestLinearProgressIsTrusted(t *testing.T) {
	s := simTask{id: "1", pend: 10 * time.Second, run: 10 * time.Minute, shape: shapes["linear"]}
	seen, calls := runWatch(t, []simTask{s}, DefaultPolicy(), 10, 0)
	if seen["1"] > 3*time.Second {
		t.Errorf("delay %v, want ≤ 3s", seen["1"])
	}
	if calls > 14 { // a fixed 20 s poll makes 31
		t.Errorf("%d calls, want ≤ 14", calls)
	}
}

// A failed call leaves its ids pending, due again after RetryIn, not at once.
func TestUnansweredIDsWaitForTheRetry(t *testing.T) {
	d := doc("a", "b")
	running := provider.Object{Status: provider.Running, Progress: "50%", Created: t0.Add(-time.Minute)}
	r := Step(d, map[string]provider.Task{"a": task("a", provider.Running, running)}, t0, DefaultPolicy(),
		Info{Unanswered: []string{"b"}, RetryIn: 7 * time.Second})
	if got := DueIDs(r.Doc, t0.Add(6*time.Second), 1); len(got) != 0 {
		t.Errorf("due after 6 s = %v, want none", got)
	}
	if got := DueIDs(r.Doc, t0.Add(7*time.Second), 1); len(got) != 1 || got[0] != "b" {
		t.Errorf("due after 7 s = %v, want [b]", got)
	}
}

// A crafted expectation is a clear error naming the field, not a panic.
func TestDecodeRejectsBadExpectation(t *testing.T) {
	for _, e := range []string{"-1", "1201", "99999999999999"} {
		in := `{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"state":{"v":1,"id":"w","started":1,"hops":1,"total":1,"due":[{"at":5,"n":1,"e":` + e + `}]}}`
		_, err := Decode([]byte(in), nil)
		var de *DecodeError
		if !errors.As(err, &de) || de.Field != "state.due[0].e" {
			t.Errorf("e=%s: err = %v, want a DecodeError on state.due[0].e", e, err)
		}
	}
}

// However diverse the expectations, the runs stay within their budget.
func TestRunsStayWithinBudget(t *testing.T) {
	for _, n := range []int{30, 10000} {
		d, obs := benchObs(n)
		r := Step(d, obs, t0, DefaultPolicy(), Info{})
		// A second hop 20 s later, so estimates are checked and many kept.
		r = Step(r.Doc, obs, t0.Add(20*time.Second), DefaultPolicy(), Info{})
		if got, max := len(r.Doc.State.Due), MaxRuns(len(r.Doc.TaskIDs)); got > max {
			t.Errorf("%d ids: %d runs, want ≤ %d", n, got, max)
		}
		// Measured as the document travels after a delivery: the per-task failure notices
		// queued by the step leave the outbox when the hop delivers them.
		sent := r.Doc.Clone()
		sent.State.Outbox.Queue = nil
		b, err := Encode(sent)
		if err != nil {
			t.Fatal(err)
		}
		per := float64(len(b)) / float64(len(r.Doc.TaskIDs))
		t.Logf("%d ids: %d pending, %d runs, %.1f bytes per pending id", n, len(r.Doc.TaskIDs), len(r.Doc.State.Due), per)
		if n >= 10000 && per > 16 {
			t.Errorf("%d ids: %.1f bytes per pending id, want ≤ 16", n, per)
		}
	}
}

// A look made for other ids, too soon to confirm an estimate, can still refute one: a
// task whose progress fell behind what its last look expected (steps seen late, a stall)
// keeps its due time but loses the expectation, so that look does not trust it. Progress
// on track keeps both. (Step25 tasks were seen up to 45 s late before: the look at 50 %
// agreed with the look at 25 %, and the rides in between, which saw 25 % unchanged, were
// ignored.)
func TestRideAlongRefutesALaggingEstimate(t *testing.T) {
	pol := DefaultPolicy().withDefaults()
	// Created at t0; the look at 60 s saw 25 % and expected the finish at 240 s, due at 120 s.
	due := t0.Add(120 * time.Second)
	was := Due{At: due.Unix(), N: 1, E: expect(t0.Add(240*time.Second), due)}
	now := t0.Add(100 * time.Second)
	grid := guardGrid{start: t0, step: pol.Guard, lo: pol.Min}
	mid := guardGrid{start: t0, step: 3 * pol.Guard, lo: pol.Min}
	far := guardGrid{start: t0, step: 6 * pol.Guard, lo: pol.Min}
	for _, tt := range []struct {
		progress string
		wantE    bool
	}{
		{"25%", false},   // still 25 % at 100 s: the finish moved out to 400 s
		{"41.66%", true}, // linear: on track for 240 s
	} {
		o := provider.Object{TaskID: "1", Path: "https://static.example.com/1", Created: t0,
			Status: provider.Running, Progress: tt.progress}
		at, e := pol.next(provider.Aggregate("1", []provider.Object{o}), was, now, pol.Min, pol.Max, grid, mid, far)
		if !at.Equal(due) {
			t.Errorf("%s at 100 s: due %v, want the kept %v", tt.progress, at.Sub(t0), due.Sub(t0))
		}
		if (e != 0) != tt.wantE {
			t.Errorf("%s at 100 s: expectation %d, want kept %v", tt.progress, e, tt.wantE)
		}
	}
}
