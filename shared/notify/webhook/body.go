package webhook

import (
	"time"

	"cdnwatch/shared/notify"
)

// Version is the version of Body's layout, sent as "version". A change that could
// break a receiver (a field removed, renamed or retyped) gets a new version; new
// optional fields do not. The JSON schema is docs/webhook.schema.json.
const Version = "1"

// Body is the JSON a webhook receiver gets for one notice.
type Body struct {
	Version string `json:"version"`
	// Type is the notice kind: task.failed, task.unknown, watch.finished,
	// watch.timeout, sweep.digest (watch.progress is never sent to webhooks).
	Type notify.Kind `json:"type"`
	// ID is the notice's stable id, also the webhook-id header: the same event always
	// has the same id, so receivers drop duplicates by it.
	ID string `json:"id"`
	// Timestamp is when cdnwatch observed the event (RFC 3339, UTC).
	Timestamp time.Time `json:"timestamp"`
	Provider  string    `json:"provider"`
	Label     string    `json:"label,omitempty"`
	// Watch is absent for sweep digests, which belong to no watch.
	Watch  *Watch        `json:"watch,omitempty"`
	Counts notify.Counts `json:"counts"`
	// Progress is the mean progress of pending tasks in percent, when known.
	Progress *float64 `json:"progress,omitempty"`
	// Tasks are the failed and unknown objects this notice reports (capped);
	// TasksOmitted counts those left out.
	Tasks        []Task `json:"tasks"`
	TasksOmitted int    `json:"tasksOmitted"`
	// Pending lists task ids still pending (watch.timeout; capped).
	Pending        []string `json:"pending,omitempty"`
	PendingOmitted int      `json:"pendingOmitted,omitempty"`
	// Running lists tasks still running after the settle time (sweep.digest).
	Running []Task `json:"running,omitempty"`
	// Window is the sweep window [from, to) (sweep.digest).
	Window *Window `json:"window,omitempty"`
	// NoFailedState: the provider (CloudFront) has no failed state, so success means
	// "not failed within the timeout".
	NoFailedState bool `json:"noFailedState,omitempty"`
}

// Watch identifies the watch a notice belongs to.
type Watch struct {
	ID             string    `json:"id"`
	StartedAt      time.Time `json:"startedAt"`
	ElapsedSeconds int64     `json:"elapsedSeconds"`
}

// Task is one object of a task.
type Task struct {
	ID     string `json:"id"`
	Path   string `json:"path,omitempty"`
	Type   string `json:"type,omitempty"`
	Status string `json:"status"` // failed, unknown, running
	Reason string `json:"reason,omitempty"`
}

// Window is a sweep window.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// NewBody maps a notice onto the wire body.
func NewBody(n notify.Notice) Body {
	b := Body{
		Version: Version, Type: n.Kind, ID: n.ID, Timestamp: n.At.UTC(),
		Provider: n.Provider, Label: n.Label, Counts: n.Counts,
		Tasks: tasks(n.Failures, "failed"), TasksOmitted: n.FailuresOmitted,
		Pending: n.Pending, PendingOmitted: n.PendingOmitted,
		NoFailedState: n.NoFailedState,
	}
	if b.Tasks == nil {
		b.Tasks = []Task{}
	}
	if n.WatchID != "" {
		b.Watch = &Watch{ID: n.WatchID, StartedAt: n.Started.UTC(), ElapsedSeconds: int64(max(n.Elapsed(), 0) / time.Second)}
	}
	if n.Progress > 0 {
		p := n.Progress
		b.Progress = &p
	}
	if len(n.Running) > 0 {
		b.Running = tasks(n.Running, "running")
	}
	if !n.WindowFrom.IsZero() {
		b.Window = &Window{From: n.WindowFrom.UTC(), To: n.WindowTo.UTC()}
	}
	return b
}

func tasks(fs []notify.Failure, status string) []Task {
	var out []Task
	for _, f := range fs {
		t := Task{ID: f.TaskID, Path: f.Path, Type: f.Type, Status: status, Reason: f.Reason}
		if f.Status != "" && status == "failed" {
			t.Status = f.Status
		}
		out = append(out, t)
	}
	return out
}
