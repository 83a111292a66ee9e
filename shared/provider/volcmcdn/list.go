package volcmcdn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/volcengine/volcengine-go-sdk/service/mcdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/listing"
)

var _ provider.Lister = (*driver)(nil)

// listPageSize is the tasks asked for per ListContentTasks page. The API documents no
// maximum (the deprecated ListContentTask's example uses 10); 100 is what the console
// pages by. A server that serves fewer says so in Pagination.PageSize, which paging
// follows (listing.More), so a smaller real cap costs calls, not tasks.
const listPageSize = 100

// listQPS is our listing rate. Listing is the same action as the by-id query, and the
// documented 30 calls/s is per account across both: a sweep at 10/s leaves 20/s to the
// watches polling the same account, so neither is throttled into retries.
const listQPS = 10

// ListLimits: 10 of the account's 30 calls/s, 100 tasks a page, and the 24 hours the API
// is documented to search by default (the same retention the by-id query assumes).
func (d *driver) ListLimits() provider.ListLimits {
	return provider.ListLimits{QPS: listQPS, PageSize: listPageSize, Retention: 24 * time.Hour, SharedWithQuery: true}
}

// ListPage makes one ListContentTasks call: no TaskId, no TaskStatus filter (every state
// is wanted), StartTime/EndTime in Unix seconds. A listing by domains is one page
// sequence per domain (the Domain filter takes one). A task is one page entry however
// many URLs it has; its rows are the by-id path's (objects), so statuses map alike: a
// done task costs one more call (DescribeContentTaskByTaskId), paced on that action's
// own limit and not counted as a listing call.
//
// The API answers an old window with what it still keeps rather than an error, so a
// window past retention is refused here: a sweep must not call a clipped window complete.
func (d *driver) ListPage(ctx context.Context, q provider.ListQuery, cursor string) ([]provider.Object, string, error) {
	if err := listing.CheckRetention(Name, q, d.now(), d.ListLimits().Retention); err != nil {
		return nil, "", err
	}
	domains := listing.Domains(q)
	c, err := listing.Parse(cursor, len(domains))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", Name, err)
	}
	in := &mcdn.ListContentTasksInput{
		// Both ends are inclusive to the second: From's second, and To's second minus
		// nothing (a task at To is dropped by provider.Client, it belongs to the next window).
		StartTime:  volcengine.Int64(q.From.Unix()),
		EndTime:    volcengine.Int64(ceilUnix(q.To)),
		Pagination: &mcdn.PaginationForListContentTasksInput{PageNum: volcengine.Int64(int64(c.Page)), PageSize: volcengine.Int64(listPageSize)},
	}
	if dom := domains[c.Seq]; dom != "" {
		in.Domain = volcengine.String(dom)
	}
	out, err := d.svc.ListContentTasksWithContext(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("ListContentTasks (%s, page %d): %w", seqName(domains[c.Seq]), c.Page, d.base.Error(ctx, nil, err))
	}
	perTask, err := d.pageObjects(ctx, out.Tasks)
	if err != nil {
		return nil, "", fmt.Errorf("list %s page %d: %w", seqName(domains[c.Seq]), c.Page, err)
	}
	var rows []provider.Object
	for _, objs := range perTask {
		rows = append(rows, objs...)
	}
	size, total := 0, int64(0)
	if p := out.Pagination; p != nil {
		size, total = int(volcengine.Int64Value(p.PageSize)), volcengine.Int64Value(p.Total)
	}
	next := c.Next(listing.More(c.Page, len(out.Tasks), size, listPageSize, total), len(domains))
	d.base.Log.DebugContext(ctx, "listed", "provider", Name, "seq", seqName(domains[c.Seq]), "page", c.Page,
		"tasks", len(out.Tasks), "total", total)
	return rows, next, nil
}

// pageWorkers bounds the DescribeContentTaskByTaskId calls a page has in flight: the
// client's pacer of that action sets their pace, the workers keep the network latency
// from lowering it (8 calls in flight at 30 calls/s cover answers of up to 250 ms).
const pageWorkers = 8

// pageObjects is objects for each task of a page, in page order, asking the vendors'
// results of done tasks a few at a time. The first error ends the page.
func (d *driver) pageObjects(ctx context.Context, tasks []*mcdn.TaskForListContentTasksOutput) ([][]provider.Object, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([][]provider.Object, len(tasks))
	errs := make([]error, len(tasks))
	sem := make(chan struct{}, pageWorkers)
	var wg sync.WaitGroup
	for i, t := range tasks {
		if t == nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if out[i], errs[i] = d.objects(ctx, t); errs[i] != nil {
				errs[i] = fmt.Errorf("task %s: %w", volcengine.StringValue(t.TaskId), errs[i])
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		// The first error in page order that is not merely the cancellation it caused.
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func seqName(domain string) string {
	if domain == "" {
		return "all domains"
	}
	return domain
}

// ceilUnix is t in Unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	if s := t.Unix(); time.Unix(s, 0).Before(t) {
		return s + 1
	}
	return t.Unix()
}
