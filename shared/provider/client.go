package provider

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// Client is the portable type over a Driver: it batches ids, keeps the provider's rate
// limit on our side, fans calls out so the limit is actually reached, and groups answers.
type Client struct {
	drv         Driver
	limits      Limits
	limiter     *rate.Limiter
	concurrency int
	calls       atomic.Int64

	// Listing (lister.go) has its own bucket, built on first use.
	listMu          sync.Mutex
	listLimiter     *rate.Limiter
	listQPSOverride float64
	listCalls       atomic.Int64
}

// NewClient wraps drv. qps <= 0 means the provider's documented rate.
func NewClient(drv Driver, qps float64) *Client {
	lim := drv.Limits()
	if lim.IDsPerCall <= 0 {
		lim.IDsPerCall = 1
	}
	if qps <= 0 {
		qps = lim.QPS
	}
	if qps <= 0 {
		qps = 1
	}
	lim.QPS = qps
	// Burst 1: calls are spaced evenly, so no one-second window ever holds more than qps
	// calls, which is how providers count.
	limiter := rate.NewLimiter(rate.Limit(qps), 1)
	// Enough workers to keep the bucket drained even when each call takes ~1 s.
	conc := int(math.Ceil(qps))
	if conc < 2 {
		conc = 2
	}
	if conc > 64 {
		conc = 64
	}
	return &Client{drv: drv, limits: lim, limiter: limiter, concurrency: conc}
}

// Name is the provider id.
func (c *Client) Name() string { return c.drv.Name() }

// Limits are the limits in force (QPS after any override).
func (c *Client) Limits() Limits { return c.limits }

// Calls counts the API calls made so far (each batch once; the SDK's retries are its own).
func (c *Client) Calls() int64 { return c.calls.Load() }

// Driver returns the wrapped driver, for optional interfaces.
func (c *Client) Driver() Driver { return c.drv }

// Query asks for every id and returns one Task per id. Ids the provider did not return
// are Unknown. The first refusal or exhausted retry stops the query and is returned.
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

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		rows     = make(map[string][]Object, len(ids))
		firstErr error
		wg       sync.WaitGroup
		next     atomic.Int64
		finished atomic.Int64
	)
	workers := min(c.concurrency, len(batches))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(batches) || ctx.Err() != nil {
					return
				}
				if err := c.limiter.Wait(ctx); err != nil {
					return
				}
				c.calls.Add(1)
				objs, err := c.drv.Describe(ctx, batches[i])
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("query %s tasks %v: %w", c.drv.Name(), batches[i], err)
						cancel()
					}
				} else {
					for _, o := range objs {
						rows[o.TaskID] = append(rows[o.TaskID], o)
					}
					finished.Add(1)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if int(finished.Load()) < len(batches) {
		// The caller's context ended, or is about to: the limiter refuses a wait that would
		// pass the deadline before the context itself expires, so name the deadline then.
		cause := context.Cause(ctx)
		if cause == nil {
			cause = context.DeadlineExceeded
		}
		return nil, fmt.Errorf("query %s tasks: %d of %d calls not made: %w",
			c.drv.Name(), len(batches)-int(finished.Load()), len(batches), cause)
	}
	out := make(map[string]Task, len(ids))
	for _, id := range ids {
		objs := rows[id]
		sort.SliceStable(objs, func(a, b int) bool { return objs[a].Path < objs[b].Path })
		out[id] = Aggregate(id, objs)
	}
	return out, nil
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
