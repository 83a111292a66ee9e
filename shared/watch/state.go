package watch

import (
	"fmt"
	"time"

	"cdnwatch/shared/notify"
)

// StateVersion is the version of State's layout.
const StateVersion = 1

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

	Failures        []notify.Failure `json:"failures,omitempty"`
	FailuresOmitted int              `json:"failuresOmitted,omitempty"`

	// Running is how many pending tasks reported progress at the last hop; Progress their
	// mean percentage. They feed the progress display and the poll schedule.
	Running  int     `json:"running,omitempty"`
	Progress float64 `json:"progress,omitempty"`
	// Wait is the interval chosen at the last hop, in seconds.
	Wait int `json:"wait,omitempty"`
	// Due is the poll schedule: runs of TaskIDs (kept in due order) and when each is due.
	Due []Due `json:"due,omitempty"`

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
		{"state.unknown", s.Unknown}, {"state.hops", s.Hops}} {
		if n.v < 0 {
			return &DecodeError{Field: n.f, Problem: "negative"}
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
