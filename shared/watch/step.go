package watch

import (
	"slices"
	"sort"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
)

// DefaultTimeout applies when a document names none: long enough for the slowest prefetch
// (about 30 minutes) with room to spare, short enough that a stuck task is reported the
// same working day.
const DefaultTimeout = 2 * time.Hour

// MaxTaskNotices caps the per-task failure notices of one watch (see observe).
const MaxTaskNotices = MaxFailures

// MaxPendingListed caps the ids a timeout notice names.
const MaxPendingListed = 50

// Info is what a provider adds to every notice's wording.
type Info struct {
	// NoFailedState: the provider has no failed status (CloudFront).
	NoFailedState bool
	// Unanswered are pending ids whose call failed this hop (provider.QueryError); they
	// stay pending and are due again after RetryIn, not at once.
	Unanswered []string
	RetryIn    time.Duration
}

// Result is one step's outcome.
type Result struct {
	Doc *Document
	// Notices are the notices this step added to the outbox (also in Doc's state).
	Notices []notify.Notice
	// Progress is an ephemeral progress notice for channels that show live progress.
	Progress notify.Notice
	// Wait is when to look again.
	Wait time.Duration
}

// Step compares fresh statuses with the document's state and returns the next document.
// obs holds the answers for (some of) the pending ids; an id missing from obs was not
// asked this time and stays pending. Step is pure: same input, same output.
func Step(doc *Document, obs map[string]provider.Task, now time.Time, pol Policy, info Info) Result {
	d := doc.clone()
	now = now.UTC()
	if d.State == nil {
		d.State = &State{V: StateVersion, ID: WatchID(d), Started: now.Unix(), Total: len(d.TaskIDs)}
	}
	st := d.State
	st.Hops++
	d.MAC = ""

	prev := dueOf(d)
	var added []notify.Notice
	if st.Finished == "" {
		added = observe(d, obs, now, info)
	}
	st.Outbox.Add(added...)
	wait := pol.reschedule(d, prev, obs, now, info)
	st.Wait = int(wait.Round(time.Second) / time.Second)
	return Result{Doc: d, Notices: added, Progress: progressNotice(d, now, info), Wait: wait}
}

func observe(d *Document, obs map[string]provider.Task, now time.Time, info Info) []notify.Notice {
	st := d.State
	var (
		keep        = d.TaskIDs[:0:0]
		perTask     []notify.Notice // one task.failed / task.unknown notice per task id
		running     int
		progressSum float64
	)
	base := func(kind notify.Kind, parts ...string) notify.Notice {
		return notify.Notice{
			ID: NoticeID(st.ID, string(kind), parts...), Kind: kind, WatchID: st.ID,
			Label: labelOf(d), Provider: d.Provider, Started: st.StartedAt(), At: now,
			NoFailedState: info.NoFailedState,
		}
	}
	// A failed or unknown task gets a notice of its own whose id depends only on the watch
	// and the task id, so a rerun after a crash repeats it under the same webhook-id. Past
	// MaxTaskNotices the rest are only in the state and the final summary: an origin that
	// fails everything must not fill the document with thousands of queued notices.
	taskNotice := func(kind notify.Kind, id string, fs []notify.Failure) {
		if st.TaskNotices >= MaxTaskNotices {
			return
		}
		st.TaskNotices++
		n := base(kind, id)
		n.Failures = fs
		perTask = append(perTask, n)
	}
	for _, id := range d.TaskIDs {
		t, ok := obs[id]
		if !ok {
			keep = append(keep, id)
			continue
		}
		switch t.Status {
		case provider.Complete:
			st.Complete++
			st.Objects += max(1, len(t.Objects))
		case provider.Failed:
			st.Failed++
			st.Objects += max(1, len(t.Objects))
			var fs []notify.Failure
			for _, o := range t.Objects {
				if o.Status != provider.Failed {
					continue
				}
				f := notify.Failure{TaskID: id, Path: o.Path, Type: o.Type, Reason: o.Reason}
				if f.Reason == "" {
					f.Reason = o.RawStatus
				}
				if len(fs) < MaxFailures {
					fs = append(fs, f)
				}
				st.addFailure(f)
			}
			taskNotice(notify.TaskFailed, id, fs)
		case provider.Unknown:
			st.Unknown++
			f := notify.Failure{TaskID: id, Status: string(provider.Unknown),
				Reason: "not found: unknown id, or past the provider's retention"}
			st.addFailure(f)
			taskNotice(notify.TaskUnknown, id, []notify.Failure{f})
		default:
			keep = append(keep, id)
			if p, ok := t.MeanPercent(); ok {
				running++
				progressSum += p
			}
		}
	}
	d.TaskIDs = keep
	st.Running = running
	st.Progress = 0
	if running > 0 {
		st.Progress = round2(progressSum / float64(running))
	}

	out := perTask
	for i := range out {
		out[i].Counts = st.Counts(len(keep))
	}
	base2 := func(kind notify.Kind, parts ...string) notify.Notice {
		n := base(kind, parts...)
		n.Counts = st.Counts(len(keep))
		return n
	}
	timeout := d.Timeout.D
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	switch {
	case len(keep) == 0:
		st.Finished = EndComplete
		if st.Failed+st.Unknown > 0 {
			st.Finished = EndFailed
		}
		n := base2(notify.WatchFinished)
		n.Failures = slices.Clone(st.Failures)
		n.FailuresOmitted = st.FailuresOmitted
		out = append(out, n)
	case now.Sub(st.StartedAt()) >= timeout:
		st.Finished = EndTimeout
		// The timeout is part of the id: a watch given more time (resumed with a longer
		// --timeout) that times out again is a new event, while a rerun repeats the id.
		n := base2(notify.WatchTimeout, timeout.String())
		n.Failures = slices.Clone(st.Failures)
		n.FailuresOmitted = st.FailuresOmitted
		n.Pending = slices.Clone(keep[:min(len(keep), MaxPendingListed)])
		n.PendingOmitted = len(keep) - len(n.Pending)
		n.Progress = st.Progress
		out = append(out, n)
	}
	return out
}

func (s *State) addFailure(f notify.Failure) {
	if len(s.Failures) < MaxFailures {
		s.Failures = append(s.Failures, f)
		return
	}
	s.FailuresOmitted++
}

func progressNotice(d *Document, now time.Time, info Info) notify.Notice {
	st := d.State
	return notify.Notice{
		ID: NoticeID(st.ID, string(notify.Progress), time.Unix(st.Started, 0).String()), Kind: notify.Progress,
		WatchID: st.ID, Label: labelOf(d), Provider: d.Provider, Started: st.StartedAt(), At: now,
		Counts: st.Counts(len(d.TaskIDs)), Progress: overallProgress(d), NoFailedState: info.NoFailedState,
	}
}

// overallProgress is the share of tasks finished plus the partial progress of running ones.
func overallProgress(d *Document) float64 {
	st := d.State
	if st.Total == 0 {
		return 100
	}
	done := float64(st.Complete + st.Failed + st.Unknown)
	done += float64(st.Running) * st.Progress / 100
	return round2(100 * done / float64(st.Total))
}

func labelOf(d *Document) string {
	if d.State != nil && d.State.Part != "" {
		if d.Label == "" {
			return "part " + d.State.Part
		}
		return d.Label + " (part " + d.State.Part + ")"
	}
	return d.Label
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// clone deep-copies what Step mutates, so the caller's document is never changed.
func (d *Document) clone() *Document {
	c := *d
	c.TaskIDs = slices.Clone(d.TaskIDs)
	c.Notify = slices.Clone(d.Notify)
	if d.State != nil {
		s := *d.State
		s.Failures = slices.Clone(d.State.Failures)
		s.Due = slices.Clone(d.State.Due)
		s.Outbox.Queue = slices.Clone(d.State.Outbox.Queue)
		for i := range s.Outbox.Queue {
			s.Outbox.Queue[i].Acked = slices.Clone(s.Outbox.Queue[i].Acked)
		}
		s.Outbox.Disabled = slices.Clone(d.State.Outbox.Disabled)
		if d.State.Outbox.Threads != nil {
			s.Outbox.Threads = make(map[string]string, len(d.State.Outbox.Threads))
			for k, v := range d.State.Outbox.Threads {
				s.Outbox.Threads[k] = v
			}
		}
		c.State = &s
	}
	return &c
}

// Clone returns a deep copy of the document.
func (d *Document) Clone() *Document { return d.clone() }

// Finished reports whether the watch ended (all tasks done or timed out).
func (d *Document) Finished() bool { return d.State != nil && d.State.Finished != "" }

// MaxDeliveryAttempts bounds the hops spent delivering a finished watch's notices to a
// channel that keeps failing for the moment (5xx, timeouts). With the retry wait doubling
// from 30 s up to 15 min, that is about six hours of trying; then the watch stops, and the
// undelivered notices stay in the document it returns (never dropped, never looping).
const MaxDeliveryAttempts = 30

// Done reports whether nothing is left to do: the watch ended and every notice was
// delivered, or delivery was tried MaxDeliveryAttempts times. A finished watch with
// notices still queued keeps hopping to deliver them.
func (d *Document) Done() bool {
	return d.Finished() && (d.State.Outbox.Empty() || d.DeliveryExhausted())
}

// DeliveryExhausted reports whether every queued notice has used up its delivery attempts.
func (d *Document) DeliveryExhausted() bool {
	if d.State == nil || d.State.Outbox.Empty() {
		return false
	}
	for _, q := range d.State.Outbox.Queue {
		if q.Attempts < MaxDeliveryAttempts {
			return false
		}
	}
	return true
}
