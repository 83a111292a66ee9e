package watch

import (
	"sort"
	"time"

	"cdnwatch/shared/provider"
)

// Policy bounds the poll schedule.
type Policy struct {
	// Min is the shortest wait between two looks at one task.
	Min time.Duration
	// Max is the longest wait; a document's interval lowers it (the user's upper bound).
	Max time.Duration
	// Retry is the wait when only undelivered notices remain.
	Retry time.Duration
	// Slack is how late after its estimated finish a task is looked at. A little slack lets
	// one call catch several tasks that finish close together.
	Slack time.Duration
	// Unstarted is the wait for a task that reports no progress yet (pending, 0 %): no
	// estimate is possible, and refreshes take minutes, so looking every Min is waste.
	Unstarted time.Duration
}

// DefaultPolicy looks at a task at most every 2 s and at least every minute.
func DefaultPolicy() Policy {
	return Policy{Min: 2 * time.Second, Max: time.Minute, Retry: 30 * time.Second, Slack: time.Second,
		Unstarted: 10 * time.Second}
}

func (p Policy) withDefaults() Policy {
	def := DefaultPolicy()
	if p.Min <= 0 {
		p.Min = def.Min
	}
	if p.Max <= 0 {
		p.Max = def.Max
	}
	if p.Retry <= 0 {
		p.Retry = def.Retry
	}
	if p.Slack <= 0 {
		p.Slack = def.Slack
	}
	if p.Unstarted <= 0 {
		p.Unstarted = def.Unstarted
	}
	return p
}

// Due is a run of pending ids due at the same time: the next N ids of TaskIDs, in order.
// TaskIDs are kept sorted by due time, so the schedule costs a few bytes per run, not per
// task; ids past the last run are due at once (e.g. a new watch).
type Due struct {
	At int64 `json:"at"` // unix seconds
	N  int   `json:"n"`
}

// DueIDs are the pending ids to ask about at now: the tasks whose estimated finish has
// come, so a hop spends calls on tasks that may have changed, not on all of them. When a
// call carries perCall ids, the last call is filled up with the ids due next: they ride
// for free and their estimates get fresher.
func DueIDs(d *Document, now time.Time, perCall int) []string {
	due := dueIDs(d, now)
	if perCall > 1 && len(due) > 0 && len(due) < len(d.TaskIDs) {
		n := (len(due) + perCall - 1) / perCall * perCall
		due = d.TaskIDs[:min(n, len(d.TaskIDs))]
	}
	return due
}

func dueIDs(d *Document, now time.Time) []string {
	if d.State == nil || d.Finished() {
		if d.Finished() {
			return nil
		}
		return d.TaskIDs
	}
	i := 0
	for _, r := range d.State.Due {
		if r.At > now.Unix() || r.N > len(d.TaskIDs)-i { // no i+r.N: a crafted n overflows
			return d.TaskIDs[:i]
		}
		i += r.N
	}
	return d.TaskIDs
}

// dueOf maps each pending id to its due time (zero: at once), read before Step reorders.
func dueOf(d *Document) map[string]int64 {
	if d.State == nil || len(d.State.Due) == 0 {
		return nil
	}
	m := make(map[string]int64, len(d.TaskIDs))
	i := 0
	for _, r := range d.State.Due {
		for j := 0; j < r.N && i < len(d.TaskIDs); j++ {
			m[d.TaskIDs[i]] = r.At
			i++
		}
	}
	return m
}

// reschedule gives every pending task a due time, sorts TaskIDs by it, and returns the
// wait until the first. A task looked at now is due at its estimated finish plus Slack:
// providers report progress ("42.5%") and the creation time, and with progress growing at
// the rate seen so far the task ends in elapsed × (100−p)/p. A task with no estimate yet
// (pending, 0 %) is due after Min. A task not looked at keeps its due time. Every wait is
// bounded by the user's interval and by the watch's timeout.
func (p Policy) reschedule(d *Document, prev map[string]int64, obs map[string]provider.Task, now time.Time, info Info) time.Duration {
	p = p.withDefaults()
	st := d.State
	if d.Finished() {
		st.Due = nil
		if d.Done() {
			return 0
		}
		// Only delivery is left: back off, doubling per failed attempt, up to 15 min (the
		// longest SQS delay).
		tries := 0
		for _, q := range st.Outbox.Queue {
			tries = max(tries, q.Attempts)
		}
		return min(p.Retry<<min(max(tries-1, 0), 6), 15*time.Minute)
	}
	hi := p.Max
	if d.Interval.D > 0 && d.Interval.D < hi {
		hi = d.Interval.D
	}
	timeout := d.Timeout.D
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	deadline := st.StartedAt().Add(timeout)
	if left := deadline.Sub(now); left < hi {
		// Never sleep past the timeout: the timeout notice is due then.
		hi = max(left, time.Second)
	}
	lo := min(p.Min, hi)

	type item struct {
		id  string
		due time.Time
	}
	var retry map[string]bool
	if len(info.Unanswered) > 0 {
		retry = make(map[string]bool, len(info.Unanswered))
		for _, id := range info.Unanswered {
			retry[id] = true
		}
	}
	items := make([]item, len(d.TaskIDs))
	for i, id := range d.TaskIDs {
		var due time.Time
		if retry[id] {
			// Its call failed: ask again after the caller's backoff (bounded by hi below).
			due = now.Add(max(info.RetryIn, lo))
		} else if t, ok := obs[id]; ok {
			wait := clamp(p.Unstarted, lo, hi)
			if eta, ok := finishIn(t, now); ok {
				wait = clamp(eta+p.Slack, lo, hi)
			}
			due = now.Add(wait)
		} else if at, ok := prev[id]; ok && at > 0 {
			due = time.Unix(at, 0)
		} else {
			due = now
		}
		if latest := now.Add(hi); due.After(latest) {
			due = latest
		}
		items[i] = item{id, due}
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].due.Before(items[b].due) })

	// Runs: ids due within Min of a run's first id share it (looked at a little early, which
	// costs nothing extra: they ride in the same call).
	st.Due = st.Due[:0:0]
	for i, it := range items {
		d.TaskIDs[i] = it.id
		at := it.due.Unix()
		if it.due.Nanosecond() > 0 {
			at++ // round up: never look before the estimate
		}
		if n := len(st.Due); n > 0 && at-st.Due[n-1].At <= int64(p.Min/time.Second) {
			st.Due[n-1].N++
			continue
		}
		st.Due = append(st.Due, Due{At: at, N: 1})
	}
	if len(items) == 0 {
		return 0
	}
	first := time.Unix(st.Due[0].At, 0)
	// A floor of half a second keeps a loop from spinning on a run due "now".
	return clamp(first.Sub(now), min(lo, 500*time.Millisecond), hi)
}

// finishIn estimates when a task finishes: the latest of its unfinished objects.
func finishIn(t provider.Task, now time.Time) (time.Duration, bool) {
	var worst time.Duration
	seen := false
	for _, o := range t.Objects {
		if o.Status.Terminal() {
			continue
		}
		pct, ok := o.Percent()
		if !ok || pct <= 0 || pct >= 100 || o.Created.IsZero() {
			return 0, false
		}
		// Creation times have one-second resolution (the seeds' "2020-08-03T08:54:23Z"), so
		// elapsed may be up to a second too long; take the shorter end, look earlier.
		elapsed := now.Sub(o.Created) - time.Second
		if elapsed <= 0 {
			return 0, false
		}
		eta := time.Duration(float64(elapsed) * (100 - pct) / pct)
		if !seen || eta > worst {
			worst, seen = eta, true
		}
	}
	return worst, seen
}

func clamp(d, lo, hi time.Duration) time.Duration {
	if d < lo {
		return lo
	}
	if d > hi {
		return hi
	}
	return d
}
