package notifytest

import (
	"fmt"
	"time"

	"cdnwatch/shared/notify"
)

// Fixture values the suite looks for in delivered messages. The counts are unusual
// numbers so that finding them in a message is not a coincidence.
const (
	FixtureLabel   = "web v1.4.2"
	FixturePath    = "https://static.example.com/assets/app.3f9c.js"
	FixtureReason  = "origin answered 502 while prefetching"
	FixturePending = "pending-task-77"
)

var fixtureCounts = notify.Counts{Total: 23, Complete: 17, Failed: 2, Unknown: 1, Pending: 3}

// Notice returns a realistic notice of kind k, as the watch step would emit it.
func Notice(k notify.Kind) notify.Notice {
	started := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	n := notify.Notice{
		ID:       "ntc-" + string(k),
		Kind:     k,
		WatchID:  "wat-3f9c2a",
		Label:    FixtureLabel,
		Provider: "aliyun-cdn",
		Started:  started,
		At:       started.Add(4*time.Minute + 12*time.Second),
		Counts:   fixtureCounts,
	}
	failures := []notify.Failure{
		{TaskID: "16520011", Path: FixturePath, Type: "file", Reason: FixtureReason, Status: "failed"},
		{TaskID: "16520012", Path: "https://static.example.com/img/", Type: "directory", Reason: "InternalError", Status: "failed"},
	}
	unknown := notify.Failure{TaskID: "16520013", Status: "unknown", Reason: "not found: unknown id, or past the provider's retention"}
	switch k {
	case notify.TaskFailed:
		n.Failures = failures
	case notify.TaskUnknown:
		n.Failures = []notify.Failure{unknown}
	case notify.WatchFinished:
		n.Counts = notify.Counts{Total: 23, Complete: 20, Failed: 2, Unknown: 1}
		n.Failures = append(failures, unknown)
	case notify.WatchTimeout:
		n.Failures = failures
		n.Pending = []string{FixturePending, "pending-task-78", "pending-task-79"}
		n.Progress = 61.5
	case notify.Progress:
		n.Progress = 61.5
	case notify.SweepDigest:
		n.ID = "ntc-sweep-20250501T1000"
		n.WatchID = ""
		n.Label = FixtureLabel
		n.Started, n.At = time.Time{}, started.Add(40*time.Minute)
		n.WindowFrom, n.WindowTo = started, started.Add(10*time.Minute)
		n.Counts = notify.Counts{Total: 23, Complete: 17, Failed: 2, Pending: 4}
		n.Failures = failures
		n.Running = []notify.Failure{{TaskID: "16520099", Path: "https://static.example.com/big.mp4", Reason: "43.10%"}}
	}
	return n
}

// Kinds lists every notice kind.
func Kinds() []notify.Kind {
	return []notify.Kind{notify.TaskFailed, notify.TaskUnknown, notify.WatchFinished,
		notify.WatchTimeout, notify.Progress, notify.SweepDigest}
}

// ManyFailures returns a finished-watch notice with n failed objects with long paths and
// reasons, plus omitted more, for testing a channel's message-size limits.
func ManyFailures(n, omitted int) notify.Notice {
	nt := Notice(notify.WatchFinished)
	nt.ID = fmt.Sprintf("ntc-many-%d", n)
	nt.Counts = notify.Counts{Total: n + omitted + 5, Complete: 5, Failed: n + omitted}
	nt.Failures = make([]notify.Failure, n)
	for i := range nt.Failures {
		nt.Failures[i] = notify.Failure{
			TaskID: fmt.Sprintf("1652%04d", i),
			Path:   fmt.Sprintf("https://static.example.com/a/very/long/path/%04d/%s?v=<&>", i, longSegment),
			Reason: "origin timed out & answered <504> " + longSegment,
			Status: "failed",
		}
	}
	nt.FailuresOmitted = omitted
	return nt
}

const longSegment = "abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0123456789-" +
	"abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0123456789"
