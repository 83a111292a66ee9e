package sweep

import (
	"fmt"
	"time"
)

// Window is the half-open time range [From, To) a tick reports, in UTC.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func (w Window) String() string {
	return "[" + w.From.Format(time.RFC3339) + ", " + w.To.Format(time.RFC3339) + ")"
}

// Contains reports whether t falls in [From, To).
func (w Window) Contains(t time.Time) bool { return !t.Before(w.From) && t.Before(w.To) }

// WindowAt is the window the tick at time at reports, for windows of length w that
// settle for s:
//
//	E = ⌊(at − s − epoch) / w⌋ · w + epoch        (epoch = 1970-01-01T00:00:00Z)
//	window = [E − w, E)
//
// E is the latest multiple of w (counted from the Unix epoch, so in UTC, with no time
// zone or daylight saving involved) that is at least s before at: the window is the
// last whole one that ended at least settle ago. When w divides 24 h, windows start at
// midnight UTC and at every multiple of w after it.
//
// Tiling: ticks every w give consecutive windows, because E(at + w) = E(at) + w for
// every at (the floor of x+1 is the floor of x, plus one). So every instant falls in
// exactly one reported window whatever the phase of the timer, and a tick that runs
// late, or is retried with the same trigger time, reports the same window.
func WindowAt(at time.Time, w, s time.Duration) Window {
	if w <= 0 {
		panic(fmt.Sprintf("sweep: window length %s", w))
	}
	x := at.UTC().Add(-s).UnixNano()
	wn := int64(w)
	// Floor division that also holds before the epoch (Go's / truncates toward zero).
	q := x / wn
	if x%wn != 0 && x < 0 {
		q--
	}
	end := time.Unix(0, q*wn).UTC()
	return Window{From: end.Add(-w), To: end}
}

// Reach is the furthest back a tick's window may start: settle plus up to two windows
// (the window itself, plus up to one more while the tick waits for the next boundary).
// A sweep whose Reach exceeds the provider's retention could ask for tasks the provider
// no longer keeps, so it is refused.
func Reach(w, s time.Duration) time.Duration { return s + 2*w }
