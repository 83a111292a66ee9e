package slack

import "strings"

// texts holds every word a person reads in a Slack message, so that another language
// (CDNWATCH_LANG=zh) is one more value here and nothing else changes. Format verbs are
// part of the contract of each string: keep them when translating.
type texts struct {
	// Header status words; the emoji only decorate, the word carries the meaning.
	Finished, FinishedFailed, FinishedUnknown string
	TaskFailed, TasksFailed                   string
	TaskUnknown, TasksUnknown                 string
	TimedOut, InProgress, SweepDigest         string
	WatchRef                                  string // "watch %s": header subject when there is no label

	// Field titles.
	Provider, Elapsed, Tasks, Progress, Window string

	// Count phrases, "%d complete".
	Complete, Failed, Unknown, Pending, OfTotal string
	Completed, StillRunning                     string

	// List titles, "%d" is the full count including those not listed.
	FailuresTitle, UnknownTitle, PendingTitle, RunningTitle string
	More                                                    string // "…and %d more"
	UnknownStatus                                           string // marks an unknown object in a failure list
	NoReason                                                string

	NoFailedState string
	TimeoutNote   string // "%s": timeout elapsed; "%d": still pending
	NoticeRef     string // "notice %s", in the footer
	FallbackIn    string // "in %s": fallback text elapsed suffix
}

var english = texts{
	Finished:        "✅ Finished",
	FinishedFailed:  "❌ Finished with failures",
	FinishedUnknown: "⚠️ Finished, some tasks unknown",
	TaskFailed:      "❌ Task failed",
	TasksFailed:     "❌ Tasks failed",
	TaskUnknown:     "❔ Task unknown",
	TasksUnknown:    "❔ Tasks unknown",
	TimedOut:        "⏰ Timed out",
	InProgress:      "⏳ In progress",
	SweepDigest:     "📋 Sweep digest",
	WatchRef:        "watch %s",

	Provider: "Provider",
	Elapsed:  "Elapsed",
	Tasks:    "Tasks",
	Progress: "Progress",
	Window:   "Window",

	Complete:     "%d complete",
	Failed:       "%d failed",
	Unknown:      "%d unknown",
	Pending:      "%d pending",
	OfTotal:      "of %d",
	Completed:    "%d completed",
	StillRunning: "%d still running",

	FailuresTitle: "Failures (%d)",
	UnknownTitle:  "Unknown to the provider (%d)",
	PendingTitle:  "Still pending (%d)",
	RunningTitle:  "Still running after settle (%d)",
	More:          "…and %d more",
	UnknownStatus: "unknown",
	NoReason:      "no reason given",

	NoFailedState: "CloudFront reports no failed state: an invalidation is either in progress or completed, so “no failures” here means none can be reported.",
	TimeoutNote:   "Stopped watching after %s with %d task(s) still pending; they may still finish.",
	NoticeRef:     "notice %s",
	FallbackIn:    "in %s",
}

// textsFor picks the strings for a CDNWATCH_LANG value. Only English exists so far;
// "zh" and anything else fall back to it.
func textsFor(lang string) *texts {
	switch strings.ToLower(strings.TrimSpace(lang)) {
	default:
		return &english
	}
}
