package watch

import (
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
)

func TestExtendTimeoutReopensATimedOutWatch(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	doc := &Document{V: Version, Provider: "aliyun-cdn", TaskIDs: []string{"1", "2"}, Timeout: Duration{D: time.Minute}}
	running := map[string]provider.Task{
		"1": {ID: "1", Status: provider.Complete},
		"2": {ID: "2", Status: provider.Running, Objects: []provider.Object{{TaskID: "2", Progress: "10%", Status: provider.Running}}},
	}
	d := Step(doc, running, start, DefaultPolicy(), Info{}).Doc
	d.State.Outbox.Queue = nil // as if delivered
	timedOut := Step(d, nil, start.Add(2*time.Minute), DefaultPolicy(), Info{}).Doc
	if timedOut.State.Finished != EndTimeout || len(timedOut.State.Outbox.Queue) != 1 {
		t.Fatalf("setup: finished %q, %d queued", timedOut.State.Finished, len(timedOut.State.Outbox.Queue))
	}
	now := start.Add(3 * time.Minute)

	still := timedOut.Clone()
	if ExtendTimeout(still, 2*time.Minute, now) || still.State.Finished != EndTimeout {
		t.Errorf("a timeout still in the past must not reopen the watch")
	}
	if still.Timeout.D != 2*time.Minute {
		t.Errorf("timeout not set: %s", still.Timeout.D)
	}

	more := timedOut.Clone()
	more.MAC = "old"
	if !ExtendTimeout(more, time.Hour, now) {
		t.Fatal("a later timeout should reopen the watch")
	}
	if more.State.Finished != "" || more.MAC != "" || more.Timeout.D != time.Hour {
		t.Errorf("reopened: finished %q, mac %q, timeout %s", more.State.Finished, more.MAC, more.Timeout.D)
	}
	for _, q := range more.State.Outbox.Queue {
		if q.Notice.Kind == notify.WatchTimeout {
			t.Errorf("the superseded timeout notice is still queued")
		}
	}
	// The reopened watch polls again and ends complete.
	res := Step(more, map[string]provider.Task{"2": {ID: "2", Status: provider.Complete}}, now, DefaultPolicy(), Info{})
	if res.Doc.State.Finished != EndComplete || res.Doc.State.Complete != 2 {
		t.Errorf("after reopening: finished %q, complete %d", res.Doc.State.Finished, res.Doc.State.Complete)
	}

	// A watch that did not time out only gets the new timeout.
	fresh := d.Clone()
	if ExtendTimeout(fresh, time.Hour, now) || fresh.State.Finished != "" || fresh.Timeout.D != time.Hour {
		t.Errorf("a running watch: finished %q timeout %s", fresh.State.Finished, fresh.Timeout.D)
	}
}
