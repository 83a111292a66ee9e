package cdnsim

import "sync/atomic"

// Stats counts what one provider's API saw.
type Stats struct {
	// Calls is every request received, answered or not.
	Calls int64
	// OK is the calls answered 200.
	OK int64
	// Throttled is the calls answered 429 (rate limit or injected).
	Throttled int64
	// Errors is the calls answered with any other error status (4xx, 5xx).
	Errors int64
	// SignatureFailures is the calls refused for authentication (a subset of Errors).
	SignatureFailures int64
	// IDs is the task ids asked for in calls that got as far as the operation.
	IDs int64
	// MaxIDsPerCall is the most ids one call asked for.
	MaxIDsPerCall int64
	// ListCalls is the listing calls answered 200 (a subset of OK); ListRows the rows
	// they returned.
	ListCalls, ListRows int64
}

type counters struct {
	calls, ok, throttled, errors, sigFailures, ids, maxIDs, listCalls, listRows atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Calls:             c.calls.Load(),
		OK:                c.ok.Load(),
		Throttled:         c.throttled.Load(),
		Errors:            c.errors.Load(),
		SignatureFailures: c.sigFailures.Load(),
		IDs:               c.ids.Load(),
		MaxIDsPerCall:     c.maxIDs.Load(),
		ListCalls:         c.listCalls.Load(),
		ListRows:          c.listRows.Load(),
	}
}

func (c *counters) reset() {
	for _, v := range []*atomic.Int64{&c.calls, &c.ok, &c.throttled, &c.errors, &c.sigFailures, &c.ids, &c.maxIDs, &c.listCalls, &c.listRows} {
		v.Store(0)
	}
}

// observeIDs records that a call asked for n ids.
func (c *counters) observeIDs(n int) {
	c.ids.Add(int64(n))
	for {
		cur := c.maxIDs.Load()
		if int64(n) <= cur || c.maxIDs.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// answered records the status a call was answered with.
func (c *counters) answered(status int) {
	switch {
	case status == 429:
		c.throttled.Add(1)
	case status >= 400:
		c.errors.Add(1)
	default:
		c.ok.Add(1)
	}
}

// refused records a refusal whose HTTP status does not tell its kind: Tencent answers
// every error with 200, CloudFront throttles with 400.
func (c *counters) refused(throttled bool) {
	if throttled {
		c.throttled.Add(1)
		return
	}
	c.errors.Add(1)
}
