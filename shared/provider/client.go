package provider

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// maxInFlight bounds the calls one Client keeps in flight, whatever the latency.
const maxInFlight = 256

// Client is the portable type over a Driver: it batches ids, keeps the provider's rate
// limit on our side, fans calls out so the limit is actually reached, and groups answers.
//
// Opened with Open, every HTTP request the driver's SDK sends (retries included) passes
// through the client's transport, which paces it (see Pacer), bounds it in time and
// counts it. A Client made with NewClient over a driver that was not opened that way
// paces and counts whole Describe calls instead.
type Client struct {
	drv    Driver
	limits Limits
	log    *slog.Logger
	tr     *transport // nil: pace and count per Describe (NewClient)
	cfg    Config     // what the pacers are keyed and shared by

	pacerMu sync.Mutex
	pacers  map[string]*Pacer // by API name

	calls    atomic.Int64 // Describe calls, when tr is nil
	mu       sync.Mutex
	service  time.Duration // moving average of one Describe's time, pacing excluded
	observed bool

	// Listing (lister.go).
	listQPSOverride float64
	listCalls       atomic.Int64
}

// NewClient wraps drv. qps <= 0 means the provider's documented rate. The client paces
// whole Describe calls; prefer Open (or OpenWith), which paces every HTTP attempt.
func NewClient(drv Driver, qps float64) *Client {
	return newClient(drv, Config{QPS: qps, Logger: slog.New(slog.DiscardHandler)}, nil)
}

func newClient(drv Driver, cfg Config, tr *transport) *Client {
	lim := drv.Limits()
	if lim.IDsPerCall <= 0 {
		lim.IDsPerCall = 1
	}
	lim.QPS = shareOf(lim.QPS, cfg.QPS, cfg.Instances)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{drv: drv, limits: lim, log: cfg.Logger, tr: tr, cfg: cfg, pacers: map[string]*Pacer{},
		listQPSOverride: cfg.ListQPS}
	return c
}

// shareOf is one instance's rate: the override when set, else the documented rate split
// between instances.
func shareOf(documented, override float64, instances int) float64 {
	if override > 0 {
		return override
	}
	if instances < 1 {
		instances = 1
	}
	if documented <= 0 {
		documented = 1
	}
	return documented / float64(instances)
}

// Name is the provider id.
func (c *Client) Name() string { return c.drv.Name() }

// Limits are the limits in force: QPS is this instance's share (after any override).
func (c *Client) Limits() Limits { return c.limits }

// Calls counts the requests sent so far: every HTTP attempt, first or retry, of every
// API (for a NewClient client, every Describe call).
func (c *Client) Calls() int64 {
	if c.tr != nil {
		return c.tr.calls.Load()
	}
	return c.calls.Load()
}

// CallsOf counts the requests of one API (APIQuery, APIList, or a name a driver gave
// WithAPI), every HTTP attempt included; for an opened client Calls is their sum. A
// NewClient client sees whole driver calls only: APIQuery counts Describe calls, APIList
// ListPage calls, and a driver's further APIs are not seen (0).
func (c *Client) CallsOf(api string) int64 {
	if c.tr != nil {
		return c.tr.callsOf(api)
	}
	switch api {
	case APIQuery:
		return c.calls.Load()
	case APIList:
		return c.listCalls.Load()
	}
	return 0
}

// Throttled counts the throttling answers received (HTTP 429 or the provider's
// throttling code), retries included.
func (c *Client) Throttled() int64 {
	if c.tr != nil {
		return c.tr.throttled.Load()
	}
	return 0
}

// Driver returns the wrapped driver, for optional interfaces.
func (c *Client) Driver() Driver { return c.drv }

// Pacer is the pacer of the named API (APIQuery, APIList, or one given to WithAPI), nil
// when no call of it was made yet.
func (c *Client) Pacer(api string) *Pacer {
	c.pacerMu.Lock()
	defer c.pacerMu.Unlock()
	return c.pacers[api]
}

// pacersFor are the pacers a request of api waits on, in order. A listing that is the
// by-id API itself (ListLimits.SharedWithQuery) waits on its own pace and the query's.
func (c *Client) pacersFor(api API) []*Pacer {
	switch api.Name {
	case APIQuery:
		return []*Pacer{c.pacer(APIQuery, c.limits.QPS)}
	case APIList:
		lim, _ := c.ListLimits()
		ps := []*Pacer{c.pacer(APIList, lim.QPS)}
		if lim.SharedWithQuery {
			ps = append(ps, c.pacer(APIQuery, c.limits.QPS))
		}
		return ps
	}
	return []*Pacer{c.pacer(api.Name, shareOf(api.QPS, 0, c.cfg.Instances))}
}

func (c *Client) pacer(api string, share float64) *Pacer {
	c.pacerMu.Lock()
	defer c.pacerMu.Unlock()
	if p, ok := c.pacers[api]; ok {
		return p
	}
	var p *Pacer
	if c.tr != nil {
		account := "default chain"
		if c.cfg.Credentials != nil {
			account = c.cfg.Credentials.AccessKeyID
		}
		p = sharedPacer(pacerKey{provider: c.drv.Name(), endpoint: c.cfg.Endpoint, account: account,
			instance: c.cfg.Instance, api: api, share: share}, share, c.log.With("provider", c.drv.Name()))
	} else {
		p = NewPacer(api, share, c.log.With("provider", c.drv.Name()))
	}
	c.pacers[api] = p
	return p
}

// inFlight is how many calls to keep in flight: by Little's law, the pace times the
// time one call takes (answer, retries and their backoff; not the wait for its turn),
// with half again as headroom for the slow ones.
func (c *Client) inFlight() int {
	rate := c.pacer(APIQuery, c.limits.QPS).Rate()
	c.mu.Lock()
	service, observed := c.service, c.observed
	c.mu.Unlock()
	if !observed {
		service = time.Second // until measured: enough for a provider a continent away
	}
	n := int(math.Ceil(rate*service.Seconds()*1.5)) + 2
	return min(max(n, 2), maxInFlight)
}

func (c *Client) observe(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.observed {
		c.service, c.observed = d, true
		return
	}
	c.service += (d - c.service) / 8
}

type batchResult struct {
	i    int
	objs []Object
	err  error
}

// describe makes one driver call for batch i and sends its result.
func (c *Client) describe(ctx context.Context, i int, batch []string, out chan<- batchResult) {
	m := &callMeter{}
	start := time.Now()
	var turn *Turn
	if c.tr == nil {
		var waited time.Duration
		var err error
		turn, waited, err = c.pacer(APIQuery, c.limits.QPS).Acquire(ctx)
		m.waited.Add(int64(waited))
		if err != nil {
			out <- batchResult{i: i, err: fmt.Errorf("query %s tasks %v: %w", c.drv.Name(), batch, err)}
			return
		}
		c.calls.Add(1)
	}
	objs, err := c.drv.Describe(withMeter(ctx, m), batch)
	if turn != nil {
		turn.Done(time.Now()) // no transport of ours: the write is not seen
	}
	if ctx.Err() == nil {
		c.observe(time.Since(start) - time.Duration(m.waited.Load()))
	}
	if err != nil {
		err = fmt.Errorf("query %s tasks %v: %w", c.drv.Name(), batch, err)
	}
	out <- batchResult{i: i, objs: objs, err: err}
}

// Query asks for every id and returns one Task per answered id; ids the provider did
// not return are Unknown. Every answered batch is kept: when some calls failed after
// the SDK's retries, or ctx ended first, it returns the answered tasks together with a
// *QueryError naming the ids not answered (a refusal stays visible to errors.As and
// Refused through it). It returns within moments of ctx ending, with what it has.
// A malformed id is refused before any call, with a *Error and no tasks.
func (c *Client) Query(ctx context.Context, ids []string) (map[string]Task, error) {
	ids = dedupe(ids)
	if chk, ok := c.drv.(IDChecker); ok {
		var bad []string
		var first error
		for _, id := range ids {
			if err := chk.CheckID(id); err != nil {
				bad = append(bad, id)
				if first == nil {
					first = err
				}
			}
		}
		if len(bad) > 0 {
			return nil, &Error{Provider: c.drv.Name(), Kind: KindInvalidID, Code: "MalformedTaskId",
				Message: first.Error(), IDs: bad}
		}
	}
	batches := chunk(ids, c.limits.IDsPerCall)
	qctx, cancel := context.WithCancel(WithAPI(ctx, API{Name: APIQuery, QPS: c.limits.QPS}))
	defer cancel()
	results := make(chan batchResult, len(batches)) // never blocks a late call
	var (
		rows     = make(map[string][]Object, len(ids))
		answered = make([]bool, len(batches))
		firstErr error
		failed   int
		refused  bool
		next     int
		running  int
	)
loop:
	for {
		limit := c.inFlight()
		for !refused && next < len(batches) && running < limit && ctx.Err() == nil {
			go c.describe(qctx, next, batches[next], results)
			next++
			running++
		}
		if running == 0 {
			break
		}
		select {
		case r := <-results:
			running--
			if r.err != nil {
				failed++
				// A refusal is what the caller must see first: it ends the watch.
				if firstErr == nil || (Refused(r.err) && !Refused(firstErr)) {
					firstErr = r.err
				}
				if Refused(r.err) {
					refused = true // every other call would be refused alike: stop them
					cancel()
				}
				continue
			}
			answered[r.i] = true
			for _, o := range r.objs {
				rows[o.TaskID] = append(rows[o.TaskID], o)
			}
		case <-ctx.Done():
			break loop // the calls still running end on their own; their answers are dropped
		}
	}
	out := make(map[string]Task, len(ids))
	var missing []string
	for i, b := range batches {
		if !answered[i] {
			missing = append(missing, b...)
			continue
		}
		for _, id := range b {
			objs := rows[id]
			sort.SliceStable(objs, func(a, b int) bool { return objs[a].Path < objs[b].Path })
			out[id] = Aggregate(id, objs)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	notAnswered := len(batches) - countTrue(answered)
	err := firstErr
	if err == nil || (ctx.Err() != nil && !Refused(err)) {
		cause := context.Cause(ctx)
		if cause == nil {
			cause = context.Canceled
		}
		err = fmt.Errorf("%d of %d calls not made or not answered before the deadline: %w",
			notAnswered-failed, len(batches), cause)
		if firstErr != nil {
			err = fmt.Errorf("%w (and %d failed: %v)", err, failed, firstErr)
		}
	}
	c.log.DebugContext(ctx, "query incomplete", "provider", c.drv.Name(), "answered", len(out),
		"unanswered", len(missing), "calls", notAnswered, "error", err)
	return out, &QueryError{Provider: c.drv.Name(), IDs: missing, Calls: notAnswered, Err: err}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func dedupe(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; ok || id == "" {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}

func chunk(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > 0 {
		k := min(n, len(ids))
		out = append(out, ids[:k:k])
		ids = ids[k:]
	}
	return out
}

// InFlight is how many calls a query keeps in flight now (see inFlight).
func (c *Client) InFlight() int { return c.inFlight() }
