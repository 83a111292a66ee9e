package watch

import (
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
)

var t0 = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

func doc(ids ...string) *Document {
	return &Document{V: 1, Provider: "aliyun-cdn", TaskIDs: ids, Label: "web v1.4.2"}
}

func task(id string, st provider.Status, objs ...provider.Object) provider.Task {
	if len(objs) == 0 {
		objs = []provider.Object{{TaskID: id, Path: "http://example.com/" + id, Status: st, Progress: pct(st)}}
	}
	for i := range objs {
		objs[i].TaskID = id
	}
	return provider.Aggregate(id, objs)
}

func pct(st provider.Status) string {
	switch st {
	case provider.Complete:
		return "100%"
	case provider.Running:
		return "50%"
	}
	return "0%"
}

func failed(path, reason string) provider.Object {
	return provider.Object{Path: path, Status: provider.Failed, RawStatus: "Failed", Reason: reason}
}

func kinds(ns []notify.Notice) string {
	var k []string
	for _, n := range ns {
		k = append(k, string(n.Kind))
	}
	return strings.Join(k, ",")
}

func TestStepTransitions(t *testing.T) {
	tests := []struct {
		name        string
		obs         map[string]provider.Task
		wantPending []string
		wantKinds   string
		wantEnd     string
		wantCounts  notify.Counts
	}{
		{"all pending", map[string]provider.Task{"1": task("1", provider.Pending), "2": task("2", provider.Running)},
			[]string{"1", "2"}, "", "", notify.Counts{Total: 2, Pending: 2}},
		{"one completes", map[string]provider.Task{"1": task("1", provider.Complete), "2": task("2", provider.Running)},
			[]string{"2"}, "", "", notify.Counts{Total: 2, Complete: 1, Pending: 1}},
		{"all complete", map[string]provider.Task{"1": task("1", provider.Complete), "2": task("2", provider.Complete)},
			nil, "watch.finished", EndComplete, notify.Counts{Total: 2, Complete: 2}},
		{"one fails, one runs", map[string]provider.Task{"1": task("1", provider.Failed, failed("/a.js", "Origin Timeout")), "2": task("2", provider.Running)},
			[]string{"2"}, "task.failed", "", notify.Counts{Total: 2, Failed: 1, Pending: 1}},
		{"fail and finish in one hop", map[string]provider.Task{"1": task("1", provider.Failed, failed("/a.js", "Origin Timeout")), "2": task("2", provider.Complete)},
			nil, "task.failed,watch.finished", EndFailed, notify.Counts{Total: 2, Complete: 1, Failed: 1}},
		{"unknown id", map[string]provider.Task{"1": task("1", provider.Unknown, []provider.Object{}...), "2": task("2", provider.Complete)},
			nil, "task.unknown,watch.finished", EndFailed, notify.Counts{Total: 2, Complete: 1, Unknown: 1}},
		{"id not asked stays pending", map[string]provider.Task{"1": task("1", provider.Complete)},
			[]string{"2"}, "", "", notify.Counts{Total: 2, Complete: 1, Pending: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := doc("1", "2")
			r := Step(in, tc.obs, t0, DefaultPolicy(), Info{})
			if got := strings.Join(r.Doc.TaskIDs, ","); got != strings.Join(tc.wantPending, ",") {
				t.Errorf("pending = %q, want %q", got, strings.Join(tc.wantPending, ","))
			}
			if got := kinds(r.Notices); got != tc.wantKinds {
				t.Errorf("notices = %q, want %q", got, tc.wantKinds)
			}
			if r.Doc.State.Finished != tc.wantEnd {
				t.Errorf("finished = %q, want %q", r.Doc.State.Finished, tc.wantEnd)
			}
			if got := r.Doc.State.Counts(len(r.Doc.TaskIDs)); got != tc.wantCounts {
				t.Errorf("counts = %+v, want %+v", got, tc.wantCounts)
			}
			if len(r.Doc.State.Outbox.Queue) != len(r.Notices) {
				t.Errorf("outbox holds %d, step added %d", len(r.Doc.State.Outbox.Queue), len(r.Notices))
			}
			if len(in.TaskIDs) != 2 || in.State != nil {
				t.Errorf("Step changed its input: %+v", in)
			}
		})
	}
}

func TestStepFailureReportedOnceWithEachObject(t *testing.T) {
	d := doc("1", "2")
	multi := task("1", provider.Failed,
		provider.Object{Path: "http://example.com/a.css", Status: provider.Complete},
		failed("http://example.com/b.js", "Origin Return StatusCode 5XX"),
		failed("http://example.com/c.js", "Origin Timeout"))
	r := Step(d, map[string]provider.Task{"1": multi, "2": task("2", provider.Running)}, t0, DefaultPolicy(), Info{})
	if len(r.Notices) != 1 || r.Notices[0].Kind != notify.TaskFailed {
		t.Fatalf("notices = %s, want one task.failed", kinds(r.Notices))
	}
	fs := r.Notices[0].Failures
	if len(fs) != 2 || fs[0].Path != "http://example.com/b.js" || fs[1].Reason != "Origin Timeout" {
		t.Fatalf("failures = %+v, want b.js 5XX and c.js timeout", fs)
	}
	// Next hop: the failed task is gone from the pending list, so it cannot be reported again.
	r2 := Step(r.Doc, map[string]provider.Task{"2": task("2", provider.Complete)}, t0.Add(time.Minute), DefaultPolicy(), Info{})
	if got := kinds(r2.Notices); got != "watch.finished" {
		t.Fatalf("second hop notices = %q, want only watch.finished", got)
	}
	sum := r2.Notices[0]
	if sum.Counts.Failed != 1 || len(sum.Failures) != 2 || sum.Elapsed() != time.Minute {
		t.Fatalf("summary = %+v", sum)
	}
	if r2.Doc.State.Objects != 4 {
		t.Errorf("objects = %d, want 4 (3 of task 1, 1 of task 2)", r2.Doc.State.Objects)
	}
}

func TestStepTimeoutNamesPending(t *testing.T) {
	d := doc("1", "2", "3")
	d.Timeout = Duration{10 * time.Minute}
	r := Step(d, map[string]provider.Task{"1": task("1", provider.Complete)}, t0, DefaultPolicy(), Info{})
	if r.Doc.Finished() {
		t.Fatal("finished before timeout")
	}
	r = Step(r.Doc, map[string]provider.Task{"2": task("2", provider.Running)}, t0.Add(10*time.Minute), DefaultPolicy(), Info{})
	if got := kinds(r.Notices); got != "watch.timeout" {
		t.Fatalf("notices = %q, want watch.timeout", got)
	}
	if r.Doc.State.Finished != EndTimeout || strings.Join(r.Notices[0].Pending, ",") != "2,3" {
		t.Fatalf("finished=%q pending=%v", r.Doc.State.Finished, r.Notices[0].Pending)
	}
	// After the end, further steps add nothing.
	r = Step(r.Doc, map[string]provider.Task{"2": task("2", provider.Complete)}, t0.Add(11*time.Minute), DefaultPolicy(), Info{})
	if len(r.Notices) != 0 {
		t.Fatalf("notices after end: %s", kinds(r.Notices))
	}
}

func TestNoticeIDsStable(t *testing.T) {
	obs := map[string]provider.Task{"1": task("1", provider.Failed, failed("/a", "Internal Error")), "2": task("2", provider.Complete)}
	a := Step(doc("1", "2"), obs, t0, DefaultPolicy(), Info{})
	b := Step(doc("2", "1"), obs, t0.Add(time.Second), DefaultPolicy(), Info{})
	if len(a.Notices) != 2 || len(b.Notices) != 2 {
		t.Fatalf("want 2 notices each, got %d and %d", len(a.Notices), len(b.Notices))
	}
	for i := range a.Notices {
		if a.Notices[i].ID != b.Notices[i].ID {
			t.Errorf("notice %d id differs on retry: %s vs %s", i, a.Notices[i].ID, b.Notices[i].ID)
		}
	}
	if a.Notices[0].ID == a.Notices[1].ID {
		t.Error("different events share an id")
	}
	other := Step(doc("1", "3"), obs, t0, DefaultPolicy(), Info{})
	if other.Doc.State.ID == a.Doc.State.ID {
		t.Error("different watches share an id")
	}
}

func TestFailuresCapped(t *testing.T) {
	var ids []string
	obs := map[string]provider.Task{}
	for i := range 500 {
		id := string(rune('a'+i%26)) + strings.Repeat("x", i/26) + "-" + string(rune('0'+i%10))
		ids = append(ids, id)
		obs[id] = task(id, provider.Failed, failed("/p/"+id, "Origin Timeout"))
	}
	r := Step(doc(ids...), obs, t0, DefaultPolicy(), Info{})
	if r.Doc.State.Failed != 500 || len(r.Doc.State.Failures) != MaxFailures || r.Doc.State.FailuresOmitted != 500-MaxFailures {
		t.Fatalf("failed=%d kept=%d omitted=%d", r.Doc.State.Failed, len(r.Doc.State.Failures), r.Doc.State.FailuresOmitted)
	}
	if len(r.Notices) != MaxTaskNotices+1 {
		t.Fatalf("%d notices, want %d per-task notices and the summary", len(r.Notices), MaxTaskNotices+1)
	}
	n := r.Notices[len(r.Notices)-1]
	if n.Kind != notify.WatchFinished || len(n.Failures)+n.FailuresOmitted != 500 {
		t.Fatalf("summary %s lists %d + omits %d, want 500 in all", n.Kind, len(n.Failures), n.FailuresOmitted)
	}
}

// A failure's notice id must not depend on which other ids failed in the same poll: a
// rerun after a crash groups the polls differently and must repeat the same webhook-id.
func TestFailureNoticeIDIndependentOfGrouping(t *testing.T) {
	fail := func(id string) provider.Task { return task(id, provider.Failed, failed("/"+id, "Origin Timeout")) }
	run := func(id string) provider.Task { return task(id, provider.Running) }
	together := Step(doc("1", "2", "3"), map[string]provider.Task{"1": fail("1"), "2": fail("2"), "3": run("3")}, t0, DefaultPolicy(), Info{})
	first := Step(doc("1", "2", "3"), map[string]provider.Task{"1": fail("1"), "2": run("2"), "3": run("3")}, t0, DefaultPolicy(), Info{})
	second := Step(first.Doc, map[string]provider.Task{"2": fail("2"), "3": run("3")}, t0.Add(time.Minute), DefaultPolicy(), Info{})
	ids := func(ns ...notify.Notice) map[string]string {
		m := map[string]string{}
		for _, n := range ns {
			if n.Kind == notify.TaskFailed {
				m[n.Failures[0].TaskID] = n.ID
			}
		}
		return m
	}
	a, b := ids(together.Notices...), ids(append(first.Notices, second.Notices...)...)
	if len(a) != 2 || a["1"] != b["1"] || a["2"] != b["2"] || a["1"] == a["2"] {
		t.Fatalf("failure notice ids by task: in one poll %v, in two polls %v", a, b)
	}
}

func TestScheduleFollowsProgress(t *testing.T) {
	created := t0.Add(-100 * time.Second)
	at := func(p string) map[string]provider.Task {
		return map[string]provider.Task{"1": task("1", provider.Running,
			provider.Object{Status: provider.Running, Progress: p, Created: created})}
	}
	pol := Policy{Min: 2 * time.Second, Max: 10 * time.Minute}
	// 50% after 100 s: about 99 s to go, but a first estimate is only a hint: the next
	// look is on the 20 s guard grid.
	first := Step(doc("1"), at("50%"), t0, pol, Info{})
	if first.Wait != 20*time.Second {
		t.Errorf("wait at 50%% = %v, want the 20s guard", first.Wait)
	}
	// 20 s later it reads 60% (linear progress): the estimate held (still done at about
	// +99 s), so it is trusted: the next look is at the finish, +100 s.
	second := Step(first.Doc, at("60%"), t0.Add(20*time.Second), pol, Info{})
	if second.Wait != 80*time.Second {
		t.Errorf("wait after a confirmed estimate = %v, want 80s (the finish at +100s)", second.Wait)
	}
	// Still 50% 20 s later: progress stalled, the estimate did not hold: back to the guard.
	stalled := Step(first.Doc, at("50%"), t0.Add(20*time.Second), pol, Info{})
	if stalled.Wait != 20*time.Second {
		t.Errorf("wait after a stall = %v, want the 20s guard", stalled.Wait)
	}
	// The same, but the watch times out in 20 s: wake for the timeout.
	short := doc("1")
	short.Timeout = Duration{15 * time.Second}
	if w := Step(short, at("50%"), t0, pol, Info{}).Wait; w != 15*time.Second {
		t.Errorf("wait with 15s to the timeout = %v, want 15s", w)
	}
	// 99% after 100 s: about 1 s to go: the floor.
	if w := Step(doc("1"), at("99%"), t0, pol, Info{}).Wait; w != 2*time.Second {
		t.Errorf("wait at 99%% = %v, want 2s", w)
	}
	// 10% after 100 s: 900 s to go, capped by the document's interval.
	d := doc("1")
	d.Interval = Duration{30 * time.Second}
	if w := Step(d, at("10%"), t0, pol, Info{}).Wait; w != 30*time.Second {
		t.Errorf("wait at 10%% with interval 30s = %v, want 30s", w)
	}
	// No progress at all: no estimate; the guard grid.
	if w := Step(doc("1"), at(""), t0, pol, Info{}).Wait; w != 20*time.Second {
		t.Errorf("wait without progress = %v, want 20s", w)
	}
}

func TestDoneOnlyWhenOutboxEmpty(t *testing.T) {
	r := Step(doc("1"), map[string]provider.Task{"1": task("1", provider.Complete)}, t0, DefaultPolicy(), Info{})
	if !r.Doc.Finished() || r.Doc.Done() {
		t.Fatalf("finished=%v done=%v, want finished and not done while a notice is queued", r.Doc.Finished(), r.Doc.Done())
	}
	if r.Wait != 30*time.Second {
		t.Errorf("wait with only delivery left = %v, want the 30s retry", r.Wait)
	}
	r.Doc.State.Outbox.Queue = nil
	if !r.Doc.Done() {
		t.Fatal("not done with an empty outbox")
	}
}

func TestOnlyDueTasksAreAsked(t *testing.T) {
	created := t0.Add(-100 * time.Second)
	running := func(id, p string) provider.Task {
		return task(id, provider.Running, provider.Object{Status: provider.Running, Progress: p, Created: created})
	}
	pol := Policy{Min: 2 * time.Second, Max: 10 * time.Minute, Slack: time.Second}
	d := doc("slow", "fast", "new")
	if got := DueIDs(d, t0, 1); len(got) != 3 {
		t.Fatalf("a new watch asks for %v, want every id", got)
	}
	// slow: 10% after 99 s → due in ~892 s (capped to Max 600 s); fast: 90% → due in 12 s.
	r := Step(d, map[string]provider.Task{"slow": running("slow", "10%"), "fast": running("fast", "90%")}, t0, pol, Info{})
	if got := strings.Join(r.Doc.TaskIDs, ","); got != "new,fast,slow" {
		t.Fatalf("pending in due order = %s, want new,fast,slow", got)
	}
	if w := r.Wait; w != 500*time.Millisecond {
		t.Errorf("wait = %v, want the 0.5 s floor (new is due at once)", w)
	}
	if got := strings.Join(DueIDs(r.Doc, t0.Add(time.Second), 1), ","); got != "new" {
		t.Errorf("due after 1 s = %s, want new", got)
	}
	r = Step(r.Doc, map[string]provider.Task{"new": running("new", "50%")}, t0.Add(time.Second), pol, Info{})
	if got := strings.Join(DueIDs(r.Doc, t0.Add(13*time.Second), 1), ","); got != "fast" {
		t.Errorf("due after 13 s = %s, want fast", got)
	}
	if got := len(DueIDs(r.Doc, t0.Add(601*time.Second), 1)); got != 3 {
		t.Errorf("due after 601 s = %d ids, want all 3", got)
	}
	// A call of 2 ids is filled with the id due next.
	if got := strings.Join(DueIDs(r.Doc, t0.Add(13*time.Second), 2), ","); got != "fast,new" {
		t.Errorf("due after 13 s, 2 per call = %s, want fast,new", got)
	}
	// The schedule survives encoding (it travels in the document).
	b, _ := Encode(r.Doc)
	d2, err := Decode(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(DueIDs(d2, t0.Add(13*time.Second), 1), ","); got != "fast" {
		t.Errorf("after a round trip, due after 13 s = %s, want fast", got)
	}
}

func TestDeliveryRetriesBackOffAndEnd(t *testing.T) {
	r := Step(doc("1"), map[string]provider.Task{"1": task("1", provider.Complete)}, t0, DefaultPolicy(), Info{})
	d := r.Doc
	var waits []time.Duration
	for tries := 1; tries <= MaxDeliveryAttempts; tries++ {
		d.State.Outbox.Queue[0].Attempts = tries // the dispatcher counts failed hops
		r = Step(d, nil, t0.Add(time.Duration(tries)*time.Minute), DefaultPolicy(), Info{})
		d = r.Doc
		waits = append(waits, r.Wait)
		if len(d.State.Outbox.Queue) != 1 {
			t.Fatalf("try %d: the notice left the outbox undelivered", tries)
		}
	}
	if waits[0] != 30*time.Second || waits[1] != time.Minute || waits[len(waits)-2] != 15*time.Minute {
		t.Errorf("waits = %v, want 30s, 1m, … up to 15m", waits)
	}
	if !d.Done() || !d.DeliveryExhausted() || r.Wait != 0 {
		t.Fatalf("after %d attempts: done=%v exhausted=%v wait=%v", MaxDeliveryAttempts, d.Done(), d.DeliveryExhausted(), r.Wait)
	}
}
