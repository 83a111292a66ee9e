// Package notify holds the notice model that Step emits, the Channel interface every
// delivery channel implements, and the delivery rules they share (retry, outbox, ack).
package notify

import (
	"context"
	"time"
)

// Kind is what happened.
type Kind string

const (
	// TaskFailed: one or more tasks failed in this hop; each failed object is listed.
	TaskFailed Kind = "task.failed"
	// TaskUnknown: one or more tasks are not known to the provider (or past retention).
	TaskUnknown Kind = "task.unknown"
	// WatchFinished: every task of the watch ended; the summary.
	WatchFinished Kind = "watch.finished"
	// WatchTimeout: the watch passed its timeout with tasks still pending.
	WatchTimeout Kind = "watch.timeout"
	// Progress: an ephemeral progress report (Slack bot's live message); never queued.
	Progress Kind = "watch.progress"
	// SweepDigest: a scheduled sweep's digest of one window.
	SweepDigest Kind = "sweep.digest"
)

// Counts are task counts of a watch.
type Counts struct {
	Total    int `json:"total"`
	Complete int `json:"complete"`
	Failed   int `json:"failed"`
	Unknown  int `json:"unknown"`
	Pending  int `json:"pending"`
}

// Failure is one failed (or unknown) object of a task.
type Failure struct {
	TaskID string `json:"id"`
	Path   string `json:"path,omitempty"`
	Type   string `json:"type,omitempty"`
	Reason string `json:"reason,omitempty"`
	Status string `json:"status,omitempty"` // "failed" (default) or "unknown"
}

// Notice is one message for people. It is self-contained: rendering needs nothing else.
type Notice struct {
	ID       string    `json:"id"` // stable: same watch + same event = same id
	Kind     Kind      `json:"kind"`
	WatchID  string    `json:"watch"`
	Label    string    `json:"label,omitempty"`
	Provider string    `json:"provider"`
	Started  time.Time `json:"started"`
	At       time.Time `json:"at"`
	Counts   Counts    `json:"counts"`
	// Failures lists failed objects (capped); FailuresOmitted counts those left out.
	Failures        []Failure `json:"failures,omitempty"`
	FailuresOmitted int       `json:"failuresOmitted,omitempty"`
	// Pending lists ids still pending (timeout notices; capped); PendingOmitted the rest.
	Pending        []string `json:"pending,omitempty"`
	PendingOmitted int      `json:"pendingOmitted,omitempty"`
	// Progress is the mean progress of pending tasks in percent (progress notices).
	Progress float64 `json:"progress,omitempty"`
	// NoFailedState is set for providers without a failed state (CloudFront), so wording
	// can say that success means "not failed within the timeout".
	NoFailedState bool `json:"noFailedState,omitempty"`
	// Window is the sweep window [From, To) for digests.
	WindowFrom time.Time `json:"windowFrom,omitzero"`
	WindowTo   time.Time `json:"windowTo,omitzero"`
	Running    []Failure `json:"running,omitempty"` // sweep: still running after settle
}

// Elapsed is the time from the watch's start to the notice.
func (n Notice) Elapsed() time.Duration { return n.At.Sub(n.Started) }

// Channel delivers notices to one destination.
type Channel interface {
	// Name is the channel name used in "notify": slack, webhook, dingtalk, feishu, wecom.
	Name() string
	// Send delivers n. thread is what this channel returned for an earlier notice of the
	// same watch ("" at first), e.g. a Slack message ts; the returned thread is kept in the
	// watch state for the next notice. Errors should be *DeliveryError.
	Send(ctx context.Context, n Notice, thread string) (newThread string, err error)
}

// ProgressChannel is a Channel that shows a watch's live progress, such as the Slack bot
// that edits one message in place. Dispatcher.DeliverProgress sends the ephemeral
// progress notice of every hop only to these channels: a channel that would post a new
// message per hop (a webhook, a group robot) must not implement it, or must return false.
type ProgressChannel interface {
	Channel
	// LiveProgress reports whether this channel wants a progress notice every hop.
	LiveProgress() bool
}

// ShowsProgress reports whether ch wants the per-hop progress notice.
func ShowsProgress(ch Channel) bool {
	pc, ok := ch.(ProgressChannel)
	return ok && pc.LiveProgress()
}
