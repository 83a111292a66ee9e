package cdnsim

import (
	"math"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// API names the simulator counts apart. Every provider counts its APIs separately (Aliyun
// CDN: 30 calls/s for DescribeRefreshTaskById, 5 for DescribeRefreshTasks), per access key.
// Providers whose listing is the by-id action itself (Volcengine, Tencent) count both as
// APIQuery.
const (
	APIQuery = "query" // query by id; Limits.QPS
	APIList  = "list"  // listing by time; Limits.ListQPS
)

// extraAPIs are further APIs a provider file declares (e.g. a submit or quota API) with
// their documented rate; see registerAPI.
var (
	extraMu   sync.Mutex
	extraAPIs = map[string]map[string]float64{}
)

// registerAPI declares that provider's API api allows qps calls per second per access
// key. Provider files call it from init (in any order relative to register); the
// handler then counts a call with b.admit(keyID, api). Limits.APIs overrides the rate.
func registerAPI(provider, api string, qps float64) {
	extraMu.Lock()
	defer extraMu.Unlock()
	if extraAPIs[provider] == nil {
		extraAPIs[provider] = map[string]float64{}
	}
	extraAPIs[provider][api] = qps
}

func registeredAPIs(provider string) map[string]float64 {
	extraMu.Lock()
	defer extraMu.Unlock()
	out := map[string]float64{}
	for k, v := range extraAPIs[provider] {
		out[k] = v
	}
	return out
}

// admitter decides whether one call is accepted.
type admitter interface{ allow(now time.Time) bool }

// windowLimiter is how API gateways count: at most n accepted calls in any sliding
// window of length w. Only accepted calls count; a refused call takes no place.
type windowLimiter struct {
	n     int
	w     time.Duration
	times []time.Time // the last n accepted calls, a ring
	next  int
}

// newWindowLimiter counts qps calls per second: n = ⌊qps⌋ per second, or for a rate
// under one call per second one call per 1/qps seconds.
func newWindowLimiter(qps float64) *windowLimiter {
	if qps <= 0 || math.IsNaN(qps) {
		qps = 1
	}
	n, w := int(math.Floor(qps)), time.Second
	if n < 1 {
		n, w = 1, time.Duration(float64(time.Second)/qps)
	}
	return &windowLimiter{n: n, w: w, times: make([]time.Time, 0, n)}
}

func (l *windowLimiter) allow(now time.Time) bool {
	if len(l.times) < l.n {
		l.times = append(l.times, now)
		return true
	}
	// l.times[l.next] is the oldest of the last n accepted calls: a new one is accepted
	// only if that one has left the window (t - w, t].
	if now.Sub(l.times[l.next]) < l.w {
		return false
	}
	l.times[l.next] = now
	l.next = (l.next + 1) % l.n
	return true
}

// bucketLimiter is the lenient token bucket (rate = burst = qps), kept as an option.
type bucketLimiter struct{ l *rate.Limiter }

func newBucketLimiter(qps float64) *bucketLimiter {
	burst := int(math.Ceil(qps))
	if burst < 1 {
		burst = 1
	}
	return &bucketLimiter{l: rate.NewLimiter(rate.Limit(qps), burst)}
}

func (b *bucketLimiter) allow(now time.Time) bool { return b.l.AllowN(now, 1) }

// Call is one call that reached an API's rate limit, as the simulator counted it.
type Call struct {
	At       time.Time
	Key      string // access key id
	API      string
	Accepted bool // false: refused for the rate limit
}

// apiQPS is the documented rate of api, 0 when the simulator does not know it.
func (b *backend) apiQPSLocked(api string) float64 {
	switch api {
	case APIQuery:
		return b.limits.QPS
	case APIList:
		if b.limits.ListQPS > 0 {
			return b.limits.ListQPS
		}
		return b.limits.QPS
	}
	if q, ok := b.limits.APIs[api]; ok {
		return q
	}
	return b.limits.QPS
}

// apiLimit is the rate Limits.APIs sets for api, 0 when it sets none.
func (b *backend) apiLimit(api string) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limits.APIs[api]
}

// APILimit is the documented (or overridden) rate of the provider's API named api, as
// its calls are counted in Sim.Calls: Limits.QPS for APIQuery, Limits.ListQPS for
// APIList, the API's own rate for a further API (an action with a flow limit of its own,
// such as volc-mcdn's DescribeContentTaskByTaskId), else the by-id rate.
func (s *Sim) APILimit(provider, api string) float64 {
	b := s.backend(provider)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.apiQPSLocked(api)
}

// admit counts one call of api for the access key keyID against the API's rate and
// says whether it is accepted. Strict (the default): at most ⌊QPS⌋ accepted calls in
// any sliding second. With Options.TokenBucket: a bucket of burst QPS refilled at QPS.
func (b *backend) admit(keyID, api string) bool { return b.admitAt(keyID, api, 0) }

// admitAt is admit for an API whose documented rate the caller knows (qps > 0), such as
// a Volcengine action with a flow limit of its own.
func (b *backend) admitAt(keyID, api string, qps float64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := limiterKey{keyID, api}
	lim, ok := b.limiters[k]
	if !ok {
		if qps <= 0 {
			qps = b.apiQPSLocked(api)
		}
		if b.sim.opts.TokenBucket {
			lim = newBucketLimiter(qps)
		} else {
			lim = newWindowLimiter(qps)
		}
		b.limiters[k] = lim
	}
	// The wall clock, read under the lock so that calls are counted in the order they
	// are decided (the client paces itself with the wall clock too).
	now := time.Now()
	ok = lim.allow(now)
	if b.sim.opts.Record {
		b.calls = append(b.calls, Call{At: now, Key: keyID, API: api, Accepted: ok})
	}
	return ok
}

type limiterKey struct{ key, api string }

// Calls returns every call that reached the provider's rate limits, in the order they
// were counted, when Options.Record is set.
func (s *Sim) Calls(provider string) []Call {
	b := s.backend(provider)
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls)
}

// Arrivals returns the time every request reached the provider's API (after the
// request leg of the latency, before faults and the rate limit), when Options.Record
// is set. Retries are requests like any other.
func (s *Sim) Arrivals(provider string) []time.Time {
	b := s.backend(provider)
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.arrivals)
}

// MaxInWindow is the most of times (in any order) that fall in one window [t, t+w).
func MaxInWindow(times []time.Time, w time.Duration) int {
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// AcceptedTimes picks the times of the accepted calls of api (every API when api is "").
func AcceptedTimes(calls []Call, api string) []time.Time {
	var out []time.Time
	for _, c := range calls {
		if c.Accepted && (api == "" || c.API == api) {
			out = append(out, c.At)
		}
	}
	return out
}

// CallTimes picks the times of every call of api, accepted or not.
func CallTimes(calls []Call, api string) []time.Time {
	var out []time.Time
	for _, c := range calls {
		if api == "" || c.API == api {
			out = append(out, c.At)
		}
	}
	return out
}
