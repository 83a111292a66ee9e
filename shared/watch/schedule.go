package watch

import (
	"time"

	"cdnwatch/shared/provider"
)

// Policy bounds the poll schedule.
type Policy struct {
	// Min is the shortest wait between polls.
	Min time.Duration
	// Max is the longest wait; a document's interval lowers it (the user's upper bound).
	Max time.Duration
	// Retry is the wait when only undelivered notices remain.
	Retry time.Duration
}

// DefaultPolicy polls at most every 2 s and at least every minute.
func DefaultPolicy() Policy {
	return Policy{Min: 2 * time.Second, Max: time.Minute, Retry: 30 * time.Second}
}

// next picks the wait before the next poll. Tasks report progress ("42.5%") and their
// creation time; assuming progress grows at the rate seen so far, the task nearest to the
// end finishes in elapsed × (100−p)/p. Waiting 90 % of that, then again, converges on
// the finish with few calls and a short delay; with no estimate, poll at Min.
func (p Policy) next(d *Document, obs map[string]provider.Task, now time.Time) time.Duration {
	p = p.withDefaults()
	hi := p.Max
	if d.Interval.D > 0 && d.Interval.D < hi {
		hi = d.Interval.D
	}
	if d.State != nil && !d.Finished() {
		// Never sleep past the watch's timeout: the timeout notice is due then.
		timeout := d.Timeout.D
		if timeout == 0 {
			timeout = DefaultTimeout
		}
		if left := d.State.StartedAt().Add(timeout).Sub(now); left < hi {
			hi = max(left, time.Second)
		}
	}
	lo := min(p.Min, hi)
	if d.Finished() {
		if d.State.Outbox.Empty() {
			return 0
		}
		return clamp(p.Retry, lo, max(hi, p.Retry))
	}
	eta, ok := soonestFinish(d.TaskIDs, obs, now)
	if !ok {
		return lo
	}
	return clamp(eta*9/10, lo, hi)
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
	return p
}

// soonestFinish estimates the time until the first pending task finishes.
func soonestFinish(ids []string, obs map[string]provider.Task, now time.Time) (time.Duration, bool) {
	best, found := time.Duration(0), false
	for _, id := range ids {
		t, ok := obs[id]
		if !ok {
			continue
		}
		for _, o := range t.Objects {
			if o.Status.Terminal() {
				continue
			}
			pct, ok := o.Percent()
			if !ok || pct <= 0 || pct >= 100 || o.Created.IsZero() {
				// No estimate for this object: it may finish any moment.
				return 0, true
			}
			// Creation times have one-second resolution (the seeds' "2020-08-03T08:54:23Z"), so
			// elapsed may be up to a second too long; take the shorter end, poll earlier.
			elapsed := now.Sub(o.Created) - time.Second
			if elapsed <= 0 {
				return 0, true
			}
			eta := time.Duration(float64(elapsed) * (100 - pct) / pct)
			if !found || eta < best {
				best, found = eta, true
			}
		}
	}
	return best, found
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
