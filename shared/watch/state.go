package watch

import (
	"fmt"
	"time"

	"cdnwatch/shared/notify"
)

// StateVersion is the version of State's layout.
const StateVersion = 1

// MaxQueued bounds the notices a decoded outbox may hold: per-task notices are capped
// (MaxTaskNotices) and a watch adds at most two more, so more is a forged document.
const MaxQueued = MaxTaskNotices + 8

// MaxFailures caps the failures kept in the state and listed in one notice; the rest are
// counted. A summary of 500 failed objects stays readable and the document stays small.
const MaxFailures = 50

// State is cdnwatch's part of the document. Pending ids are the document's TaskIDs (the
// list shrinks as tasks finish), so a pending task costs only its id; finished tasks are
// folded into counts plus a capped failure list.
type State struct {
	V       int    `json:"v"`
	ID      string `json:"id"`             // watch id: stable across hops and retries
	Part    string `json:"part,omitempty"` // "2/3" when a large watch was split
	Started int64  `json:"started"`        // unix seconds of the first hop
	Hops    int    `json:"hops"`
	Calls   int64  `json:"calls,omitempty"` // provider API calls spent so far

	Total    int `json:"total"`
	Complete int `json:"complete,omitempty"`
	Failed   int `json:"failed,omitempty"`
	Unknown  int `json:"unknown,omitempty"`
	// Objects counts finished objects (one task id may cover several).
	Objects int `json:"objects,omitempty"`

	Failures []notify.Failure `json:"failures,omitempty"`
	// TaskNotices counts the per-task task.failed/task.unknown notices issued so far.
	TaskNotices     int `json:"taskNotices,omitempty"`
	FailuresOmitted int `json:"failuresOmitted,omitempty"`

	// Running is how many pending tasks reported progress at the last hop; Progress their
	// mean percentage. They feed the progress display and the poll schedule.
	Running  int     `json:"running,omitempty"`
	Progress float64 `json:"progress,omitempty"`
	// Wait is the interval chosen at the last hop, in seconds.
	Wait int `json:"wait,omitempty"`
	// Due is the poll schedule: runs of TaskIDs (kept in due order) and when each is due.
	Due []Due `json:"due,omitempty"`

	// Failing counts the hops in a row in which some call to the provider was not
	// answered, FailingSince (unix seconds) when that began; both zero when healthy. They
	// set the backoff of the ids asked again and tell the display since when it fails.
	Failing      int   `json:"failing,omitempty"`
	FailingSince int64 `json:"failingSince,omitempty"`

	// Finished is set once the watch ended: "complete", "failed" or "timeout".
	Finished string        `json:"finished,omitempty"`
	Outbox   notify.Outbox `json:"outbox,omitzero"`
}

// Finished values.
const (
	EndComplete = "complete" // every task complete
	EndFailed   = "failed"   // every task ended, at least one failed or unknown
	EndTimeout  = "timeout"  // timeout passed with tasks pending
)

func (s *State) validate(pending int) error {
	if s.V != StateVersion {
		return &DecodeError{Field: "state.v", Problem: fmt.Sprintf("state version %d not supported; want %d", s.V, StateVersion)}
	}
	if s.ID == "" {
		return &DecodeError{Field: "state.id", Problem: "missing"}
	}
	if s.Started <= 0 {
		return &DecodeError{Field: "state.started", Problem: "missing"}
	}
	for _, n := range []struct {
		f string
		v int
	}{{"state.total", s.Total}, {"state.complete", s.Complete}, {"state.failed", s.Failed},
		{"state.unknown", s.Unknown}, {"state.hops", s.Hops}, {"state.objects", s.Objects},
		{"state.failuresOmitted", s.FailuresOmitted}, {"state.taskNotices", s.TaskNotices},
		{"state.running", s.Running}, {"state.wait", s.Wait}, {"state.failing", s.Failing}} {
		if n.v < 0 {
			return &DecodeError{Field: n.f, Problem: "negative"}
		}
	}
	if s.Calls < 0 {
		return &DecodeError{Field: "state.calls", Problem: "negative"}
	}
	if s.FailingSince < 0 || (s.FailingSince > 0) != (s.Failing > 0) {
		return &DecodeError{Field: "state.failingSince", Problem: "set exactly when state.failing is"}
	}
	if s.Progress < 0 || s.Progress > 100 || s.Progress != s.Progress {
		return &DecodeError{Field: "state.progress", Problem: "want a percentage from 0 to 100"}
	}
	// Counts must add up: finished tasks plus pending ids are the watch's total (a split
	// part carries its own total), so a display or summary can never show negative work.
	if done := int64(s.Complete) + int64(s.Failed) + int64(s.Unknown); done+int64(pending) > int64(s.Total) {
		return &DecodeError{Field: "state.total", Problem: fmt.Sprintf("%d finished and %d pending tasks are more than the total of %d",
			done, pending, s.Total)}
	}
	if len(s.Failures) > MaxFailures {
		return &DecodeError{Field: "state.failures", Problem: fmt.Sprintf("%d entries; at most %d are kept", len(s.Failures), MaxFailures)}
	}
	if len(s.Outbox.Queue) > MaxQueued {
		return &DecodeError{Field: "state.outbox.queue", Problem: fmt.Sprintf("%d notices; at most %d", len(s.Outbox.Queue), MaxQueued)}
	}
	for i, q := range s.Outbox.Queue {
		if q.Notice.ID == "" || q.Notice.Kind == "" {
			return &DecodeError{Field: fmt.Sprintf("state.outbox.queue[%d].n", i), Problem: "notice without id or kind"}
		}
		if q.Attempts < 0 {
			return &DecodeError{Field: fmt.Sprintf("state.outbox.queue[%d].tries", i), Problem: "negative"}
		}
	}
	if s.Part != "" {
		var k, n int
		if _, err := fmt.Sscanf(s.Part, "%d/%d", &k, &n); err != nil || k < 1 || k > n || fmt.Sprintf("%d/%d", k, n) != s.Part {
			return &DecodeError{Field: "state.part", Problem: fmt.Sprintf("%.20q: want k/n, e.g. 2/3", s.Part)}
		}
	}
	covered := 0
	for i, r := range s.Due {
		if r.N <= 0 || r.At <= 0 {
			return &DecodeError{Field: fmt.Sprintf("state.due[%d]", i), Problem: "runs need a positive time and count"}
		}
		if r.N > pending-covered { // compared this way round so a huge n cannot overflow
			return &DecodeError{Field: fmt.Sprintf("state.due[%d].n", i), Problem: fmt.Sprintf("runs cover more than the %d pending ids", pending)}
		}
		if r.E < 0 || r.E > MaxDueE { // the schedule's expectation (schedule.go)
			return &DecodeError{Field: fmt.Sprintf("state.due[%d].e", i), Problem: fmt.Sprintf("%d is outside 0–%d", r.E, MaxDueE)}
		}
		covered += r.N
	}
	switch s.Finished {
	case "", EndComplete, EndFailed, EndTimeout:
	default:
		return &DecodeError{Field: "state.finished", Problem: fmt.Sprintf("unknown value %q", s.Finished)}
	}
	return nil
}

// StartedAt is the time of the first hop.
func (s *State) StartedAt() time.Time { return time.Unix(s.Started, 0).UTC() }

// Counts returns the task counts, given how many are still pending.
func (s *State) Counts(pending int) notify.Counts {
	return notify.Counts{Total: s.Total, Complete: s.Complete, Failed: s.Failed, Unknown: s.Unknown, Pending: pending}
}
