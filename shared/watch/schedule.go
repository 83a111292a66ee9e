package watch

import (
	"cmp"
	"math"
	"slices"
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
	// Slack is how late after its estimated finish a task is looked at. The default is none:
	// the estimate from creation time already errs late, and runs merge ids due within Min.
	Slack time.Duration
	// Guard is the longest wait for a task whose progress cannot be trusted: no progress
	// yet (pending, 0 %), or an estimate that the last look did not confirm. Such tasks are
	// looked at on a grid of Guard steps from the watch's start, so they share calls, and
	// a task that finishes unforeseen is noticed within Guard, as by a fixed poll.
	Guard time.Duration
	// Drift is how far a trusted estimate may still be moving earlier before the look at
	// the finish is preceded by one shortly before it.
	Drift time.Duration
}

// DefaultPolicy looks at a task at most every 2 s and at least every two minutes; a task
// whose progress says nothing reliable is looked at every 20 s (the AWS CLI waiter's delay).
func DefaultPolicy() Policy {
	return Policy{Min: 2 * time.Second, Max: 2 * time.Minute, Retry: 30 * time.Second, Slack: 0,
		Guard: 20 * time.Second, Drift: 10 * time.Second}
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
	if p.Guard <= 0 {
		p.Guard = def.Guard
	}
	if p.Drift <= 0 {
		p.Drift = def.Drift
	}
	return p
}

// Due is a run of pending ids due at the same time: the next N ids of TaskIDs, in order.
// TaskIDs are kept sorted by due time, so the schedule costs a few bytes per run, not per
// task; ids past the last run are due at once (e.g. a new watch).
type Due struct {
	At int64 `json:"at"` // unix seconds
	N  int   `json:"n"`
	// E is what the look at At should find, so the next look can tell whether the
	// estimate held: 0 no estimate; k ≥ 1 the estimated finish is about 2^((k−1)/64) − 1
	// seconds after At (k = 1: at At). See docs/schedule.md.
	E int `json:"e,omitempty"`
}

// MaxDueE bounds Due.E: 2^((MaxDueE−1)/64) s is about 5 days, past any timeout.
const MaxDueE = 1200

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

// priorDue is the schedule as it was before Step: the pending ids in due order and their
// runs. Step only ever drops ids from that list, keeping the order, so the runs of the
// ids still pending are found by walking both lists together: no map, no hashing.
type priorDue struct {
	ids  []string
	runs []Due
}

// dueOf records the schedule before Step reorders it.
func dueOf(d *Document) priorDue {
	if d.State == nil || len(d.State.Due) == 0 {
		return priorDue{}
	}
	return priorDue{ids: d.TaskIDs, runs: d.State.Due}
}

// priorCursor walks a priorDue in order.
type priorCursor struct {
	p       priorDue
	pos     int // next index into p.ids
	run     int // run of p.ids[pos]
	runLeft int // ids left in that run from pos on
}

func (p priorDue) cursor() *priorCursor {
	c := &priorCursor{p: p}
	if len(p.runs) > 0 {
		c.runLeft = p.runs[0].N
	}
	return c
}

// find returns the run of id, which must come at or after the last id found; ids past
// the last run (due at once) and ids not in the list have none.
func (c *priorCursor) find(id string) (Due, bool) {
	for j := c.pos; j < len(c.p.ids); j++ {
		if c.p.ids[j] != id {
			continue
		}
		for ; c.pos < j; c.pos++ {
			c.advance()
		}
		r, ok := c.current()
		c.pos++
		c.advance()
		return r, ok
	}
	return Due{}, false
}

func (c *priorCursor) current() (Due, bool) {
	if c.run >= len(c.p.runs) {
		return Due{}, false
	}
	return c.p.runs[c.run], true
}

// advance moves the run bookkeeping past one id.
func (c *priorCursor) advance() {
	if c.run >= len(c.p.runs) {
		return
	}
	c.runLeft--
	for c.runLeft <= 0 && c.run < len(c.p.runs) {
		c.run++
		if c.run < len(c.p.runs) {
			c.runLeft = c.p.runs[c.run].N
		}
	}
}

// reschedule gives every pending task a due time, sorts TaskIDs by it, and returns the
// wait until the first; docs/schedule.md explains the rules. In short: providers report
// progress ("42.5%") and the creation time, and with progress growing at the rate seen so
// far a task ends in elapsed × (100−p)/p. That estimate is a hint: it is trusted (the next
// look is at the estimated finish, or on a coarse grid while that is far) only when it
// agrees with what the previous look expected. Otherwise — no progress, a first estimate, progress that jumped or
// stalled, a finish that came and went — the task follows the Guard grid, never waiting
// longer than Guard, and looked at sooner when even the doubtful estimate says so. A task
// not looked at keeps its due time. Every wait is bounded by the user's interval and by
// the watch's timeout.
func (p Policy) reschedule(d *Document, prior priorDue, obs map[string]provider.Task, now time.Time, info Info) time.Duration {
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
	grid := guardGrid{start: st.StartedAt(), step: min(p.Guard, hi), lo: lo}
	// Trusted tasks still far from their finish share a coarser grid (hi), so they ride
	// together instead of each costing a call of its own.
	// Tasks still far from their finish ride coarser grids of the same origin, so their
	// looks coincide with the guard grid's hops: 3 steps (a minute) for estimates that
	// ran ahead, 6 (two minutes) for trusted ones.
	mid := guardGrid{start: st.StartedAt(), step: min(3*grid.step, hi), lo: lo}
	far := guardGrid{start: st.StartedAt(), step: min(6*grid.step, hi), lo: lo}

	var retry map[string]bool
	if len(info.Unanswered) > 0 {
		retry = make(map[string]bool, len(info.Unanswered))
		for _, id := range info.Unanswered {
			retry[id] = true
		}
	}
	items := make([]dueItem, len(d.TaskIDs))
	cur := prior.cursor()
	for i, id := range d.TaskIDs {
		var due time.Time
		e := 0
		was, hadRun := cur.find(id)
		if retry[id] {
			// Its call failed: ask again after the caller's backoff (bounded by hi below).
			due = now.Add(max(info.RetryIn, lo))
		} else if t, ok := obs[id]; ok {
			due, e = p.next(t, was, now, lo, hi, grid, mid, far)
		} else if hadRun && was.At > 0 {
			due, e = time.Unix(was.At, 0), was.E
		} else {
			due = now
		}
		if latest := now.Add(hi); due.After(latest) {
			due = latest
		}
		items[i] = dueItem{id: id, at: ceilUnix(due), e: int32(e)}
	}
	// Stable, so ids due together keep their order (and their calls) from hop to hop.
	// Whole seconds, rounded up (never look before the estimate): what the runs keep.
	slices.SortStableFunc(items, func(a, b dueItem) int { return cmp.Compare(a.at, b.at) })

	for i, it := range items {
		d.TaskIDs[i] = it.id
	}
	// A run costs ~30 bytes, an id ~14. Expectations are kept for the runs due first, up
	// to half the budget; past it they are dropped, and those tasks behave as on their
	// first look (slower to trust, never later to look). If even that is too many runs,
	// every expectation goes.
	var ok bool
	if st.Due, ok = runs(items, p.Min, MaxRuns(len(items))/2, MaxRuns(len(items))); !ok {
		st.Due, _ = runs(items, p.Min, 0, len(items))
	}
	if len(items) == 0 {
		return 0
	}
	first := time.Unix(st.Due[0].At, 0)
	// A floor of half a second keeps a loop from spinning on a run due "now".
	return clamp(first.Sub(now), min(lo, 500*time.Millisecond), hi)
}

// MaxRuns bounds the schedule's runs for n pending ids, so the schedule stays within a
// couple of bytes per pending id (ids cost about 14 bytes each; the budget is 16).
func MaxRuns(n int) int { return 64 + n/32 }

// runs groups items (in due order) into runs: ids due within min of a run's first id
// share it (looked at a little early, which costs nothing extra: they ride in the same
// call) when they expect the same. Expectations are kept in the first withE runs only.
// It gives up (false) past limit runs.
func runs(items []dueItem, minWait time.Duration, withE, limit int) ([]Due, bool) {
	var out []Due
	minS := int64(minWait / time.Second)
	for _, it := range items {
		at := it.at
		e := int(it.e)
		if len(out) >= withE {
			e = 0
		}
		if n := len(out); n > 0 && at-out[n-1].At <= minS && out[n-1].E == e {
			out[n-1].N++
			continue
		}
		if len(out) == limit {
			return nil, false
		}
		out = append(out, Due{At: at, N: 1, E: e})
	}
	return out, true
}

type dueItem struct {
	id string
	at int64 // unix seconds
	e  int32
}

func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

// guardGrid is the shared cadence of tasks whose progress cannot be trusted: the instants
// start + k·step. Tasks on it are due together, so one hop's calls carry them all.
type guardGrid struct {
	start    time.Time
	step, lo time.Duration
}

// after is the first grid instant at least lo after now.
func (g guardGrid) after(now time.Time) time.Time {
	k := now.Add(g.lo).Sub(g.start) / g.step
	t := g.start.Add((k + 1) * g.step)
	if t.Sub(now) > g.step { // a clock before the start
		t = now.Add(g.step)
	}
	return t
}

// atOrBefore is the last grid instant not after t.
func (g guardGrid) atOrBefore(t time.Time) time.Time {
	if t.Before(g.start) {
		return t
	}
	return g.start.Add(t.Sub(g.start) / g.step * g.step)
}

// next is the due time of a task looked at now, and what that look should find.
func (p Policy) next(t provider.Task, was Due, now time.Time, lo, hi time.Duration, grid, mid, far guardGrid) (time.Time, int) {
	eta, ok := finishIn(t, now)
	if was.At > now.Unix() {
		// It rode along in a call made for other ids. A look so soon after the last one
		// cannot confirm an estimate (stalled progress barely moves it), so it keeps its
		// due time unless progress jumped ahead of what was expected.
		keep := time.Unix(was.At, 0)
		if ok && lagging(was, now.Add(eta), p.Min) {
			// Too soon to confirm an estimate, but not to refute one: progress fell behind
			// what the last look expected (it stalled, or moves in steps and the last step
			// was seen late). Keep the due time, drop the expectation, so that look does
			// not trust it.
			return keep, 0
		}
		if !ok || !ahead(was, now.Add(eta), now, p.Min) {
			return keep, was.E
		}
		finish := now.Add(eta)
		look := clampTime(minTime(finish.Add(p.Slack), grid.after(now)), now.Add(lo), now.Add(hi))
		if !look.Before(keep) {
			return keep, was.E
		}
		return look, expect(finish, look)
	}
	if !ok {
		return grid.after(now), 0 // no progress to go by
	}
	finish := now.Add(eta)
	look := finish.Add(p.Slack)
	switch {
	case held(was, finish, now, p.Min):
		// The estimate held: trust it, but far from the finish ride with the others on
		// the coarse grid.
		// An estimate that is still drawing nearer (the task started after it was
		// created, so elapsed time overstates its run) is late by about what it still has
		// to move. When the finish is due within the coarse grid's reach, look once more
		// shortly before it, on the guard grid, where the estimate is better.
		nextFar := far.after(now)
		drift := time.Unix(was.At, 0).Add(expectedAfter(was.E)).Sub(finish)
		if drift > p.Drift && look.After(grid.after(now)) && !look.Before(nextFar.Add(mid.step-far.step)) {
			look = maxTime(grid.atOrBefore(finish.Add(-grid.step/2)), grid.after(now))
		}
		look = minTime(look, nextFar)
	case (was.E > 0 && ahead(was, finish, now, p.Min)) || (was.E <= 0 && pctOf(t) < 50):
		// Progress ran ahead of the last estimate (it started late, or speeds up), or a
		// first estimate early in the task's life: the finish is nearer than it says, but
		// rarely less than half as near. Look halfway there (at least the next guard grid
		// instant).
		look = minTime(look, minTime(maxTime(grid.atOrBefore(now.Add(eta/2)), grid.after(now)), mid.after(now)))
	default:
		// A late first estimate, a stall, or a finish that came and went: a hint only.
		// Look when it says so, but no later than the guard grid.
		look = minTime(look, grid.after(now))
	}
	look = clampTime(look, now.Add(lo), now.Add(hi))
	return look, expect(finish, look)
}

func pctOf(t provider.Task) float64 {
	p, _ := t.MeanPercent()
	return p
}

// ahead reports whether a task now looks like finishing clearly sooner than its run
// expected; with no expectation (the guard grid), any estimate is news.
func ahead(was Due, finish, now time.Time, tol time.Duration) bool {
	if was.E <= 0 {
		return true
	}
	expected := time.Unix(was.At, 0).Add(expectedAfter(was.E))
	return expected.Sub(finish) > max(tol, expected.Sub(now)/4)
}

// lagging reports whether the finish estimated now is later than the previous look
// expected by more than held allows.
func lagging(was Due, finish time.Time, tol time.Duration) bool {
	if was.E <= 0 || was.At <= 0 {
		return false
	}
	off := expectedAfter(was.E)
	return finish.Sub(time.Unix(was.At, 0).Add(off)) > tol+off/64
}

func clampTime(t, lo, hi time.Time) time.Time { return minTime(maxTime(t, lo), hi) }

// held reports whether the finish estimated now agrees with the one the previous look
// expected (was.E relative to was.At). A finish later than expected means progress
// stalled (or the expected finish came and went): allowed only by Min plus the coding's
// rounding. A finish earlier than expected means progress jumped ahead, so the last wait
// could have overslept it: allowed by a quarter of the time that was left.
func held(was Due, finish, now time.Time, tol time.Duration) bool {
	if was.E <= 0 || was.At <= 0 {
		return false
	}
	at := time.Unix(was.At, 0)
	off := expectedAfter(was.E)
	expected := at.Add(off)
	left := expected.Sub(now)
	if left <= 0 {
		return false // it was due to end by now and has not
	}
	if late := finish.Sub(expected); late > 0 {
		return late <= tol+off/64
	}
	return expected.Sub(finish) <= max(tol, left/4)
}

// expect encodes the estimated finish relative to the look (Due.E): 1/64-octave steps of
// 1 s + offset, so about ±0.5 % of the time between the look and the finish.
func expect(finish, look time.Time) int {
	off := max(finish.Sub(look).Seconds(), 0)
	k := 1 + int(math.Round(64*math.Log2(1+off)))
	return min(k, MaxDueE)
}

func expectedAfter(e int) time.Duration {
	return time.Duration((math.Exp2(float64(e-1)/64) - 1) * float64(time.Second))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
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
