package provider

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"
	"time"
)

type listCounterKey struct{}

// withListCounter makes the transport count the listing's requests in n.
func withListCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, listCounterKey{}, n)
}

// Lister is an optional Driver interface (in the style of gocloud's optional driver
// interfaces): drivers whose API can list the account's tasks by creation time implement
// it, and a scheduled sweep needs it. Callers use Client.List, which keeps the listing
// rate limit; drivers only make one call per ListPage.
type Lister interface {
	// ListLimits are the listing API's documented bounds. Providers count listing
	// separately from query-by-id (Aliyun CDN: 5 calls/s for DescribeRefreshTasks against
	// 30 calls/s for DescribeRefreshTaskById), so they have their own rate.
	ListLimits() ListLimits
	// ListPage makes exactly one API call: the page of q that cursor names ("" = the
	// first). It returns the page's rows and the cursor of the next page, "" after the
	// last. A driver that must split q into several sequences (Aliyun: one per domain and
	// object type) walks them inside its cursor, so the caller sees one sequence.
	//
	// Rows may include tasks created slightly outside [From, To) (an inclusive end, a
	// coarse clock); Client.List drops them, so drivers need not.
	ListPage(ctx context.Context, q ListQuery, cursor string) (rows []Object, next string, err error)
}

// ListQuery asks for every task created in [From, To).
type ListQuery struct {
	From, To time.Time
	// Domains limits the listing to these domains; empty means every domain of the
	// account, where the provider can list without one.
	Domains []string
	// Scope is provider-specific (e.g. a CloudFront distribution id).
	Scope map[string]string
}

// ListLimits are a listing API's documented bounds.
type ListLimits struct {
	QPS       float64       // listing calls per second per account
	PageSize  int           // rows one call may return
	Retention time.Duration // how far back From may reach
	// SharedWithQuery: the listing is the by-id API itself (Volcengine, Tencent: the
	// same action with a time range instead of an id), so the provider counts both in
	// one limit. Listing then also takes its turns from the by-id pace, and QPS is the
	// part of that limit a listing may use.
	SharedWithQuery bool
}

// ErrNoListing is returned by Client.List for a provider whose driver cannot list.
var ErrNoListing = errors.New("provider cannot list tasks by time (no listing API in its driver)")

// CanList reports whether the client's driver implements Lister.
func (c *Client) CanList() bool {
	_, ok := c.drv.(Lister)
	return ok
}

// ListLimits are the listing limits in force (QPS after any override); ok is false for a
// provider without listing.
func (c *Client) ListLimits() (ListLimits, bool) {
	l, ok := c.drv.(Lister)
	if !ok {
		return ListLimits{}, false
	}
	lim := l.ListLimits()
	if q := c.listQPS(lim); q > 0 {
		lim.QPS = q
	}
	return lim, true
}

// SetListQPS overrides the listing rate (CDNWATCH_<PROVIDER>_LIST_QPS); qps <= 0 keeps
// the documented one. Call it before the first List.
func (c *Client) SetListQPS(qps float64) {
	c.pacerMu.Lock()
	defer c.pacerMu.Unlock()
	c.listQPSOverride = qps
	delete(c.pacers, APIList)
}

// ListCalls counts the listing requests sent so far (every HTTP attempt; for a
// NewClient client, every ListPage call).
func (c *Client) ListCalls() int64 { return c.listCalls.Load() }

// listQPS is the listing rate in force: the override, or the documented listing rate.
// A sweep is one instance (one schedule), so it takes the documented listing rate whole.
func (c *Client) listQPS(lim ListLimits) float64 {
	c.pacerMu.Lock()
	defer c.pacerMu.Unlock()
	if c.listQPSOverride > 0 {
		return c.listQPSOverride
	}
	return lim.QPS
}

// maxListPages bounds one List: a driver whose cursor never ends (a bug, or a provider
// that keeps answering full pages) must not page forever.
const maxListPages = 100_000

// List yields every object of every task created in [q.From, q.To), page by page, at the
// listing rate (every attempt paced at the transport, as queries are). Pages are fetched
// one after another: each provider's listing cursor is sequential, and at documented
// listing rates (a few calls per second) a call's latency is well under the spacing the
// pacer imposes, so one caller already reaches the limit.
// Rows outside [From, To) and repeated rows (same task id and path, e.g. shifted by a
// concurrent insert between pages) are dropped. Iteration stops at the first error,
// which is yielded with a zero Object.
func (c *Client) List(ctx context.Context, q ListQuery) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		l, ok := c.drv.(Lister)
		if !ok {
			yield(Object{}, fmt.Errorf("%s: %w", c.drv.Name(), ErrNoListing))
			return
		}
		if !q.From.Before(q.To) {
			yield(Object{}, fmt.Errorf("list %s: empty range [%s, %s)", c.drv.Name(),
				q.From.UTC().Format(time.RFC3339), q.To.UTC().Format(time.RFC3339)))
			return
		}
		ctx := WithAPI(ctx, API{Name: APIList, QPS: l.ListLimits().QPS})
		ctx = withListCounter(ctx, &c.listCalls)
		type key struct{ id, path string }
		seen := map[key]struct{}{}
		cursor := ""
		for page := 1; ; page++ {
			if page > maxListPages {
				yield(Object{}, fmt.Errorf("list %s: more than %d pages; giving up", c.drv.Name(), maxListPages))
				return
			}
			var turns []*Turn // this page call's places, when we pace it ourselves
			if c.tr == nil {
				// No transport of ours under the driver: pace the page call itself.
				for _, p := range c.pacersFor(API{Name: APIList}) {
					turn, _, err := p.Acquire(ctx)
					if err != nil {
						for _, turn := range turns {
							turn.Done(time.Now())
						}
						yield(Object{}, fmt.Errorf("list %s: page %d: %w", c.drv.Name(), page, err))
						return
					}
					turns = append(turns, turn)
				}
				c.listCalls.Add(1)
			}
			rows, next, err := l.ListPage(ctx, q, cursor)
			for _, turn := range turns {
				turn.Done(time.Now()) // no transport of ours: the write is not seen
			}
			if err != nil {
				yield(Object{}, fmt.Errorf("list %s: page %d: %w", c.drv.Name(), page, err))
				return
			}
			for _, o := range rows {
				if o.Created.Before(q.From) || !o.Created.Before(q.To) {
					continue
				}
				k := key{o.TaskID, o.Path}
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
				if !yield(o, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if next == cursor {
				yield(Object{}, fmt.Errorf("list %s: driver returned the same cursor %q twice", c.drv.Name(), next))
				return
			}
			cursor = next
		}
	}
}

// ListTasks runs List to the end and groups the rows by task id (see Aggregate), in the
// order the tasks were first seen.
func (c *Client) ListTasks(ctx context.Context, q ListQuery) ([]Task, error) {
	var order []string
	rows := map[string][]Object{}
	for o, err := range c.List(ctx, q) {
		if err != nil {
			return nil, err
		}
		if _, ok := rows[o.TaskID]; !ok {
			order = append(order, o.TaskID)
		}
		rows[o.TaskID] = append(rows[o.TaskID], o)
	}
	out := make([]Task, 0, len(order))
	for _, id := range order {
		out = append(out, Aggregate(id, rows[id]))
	}
	return out, nil
}
