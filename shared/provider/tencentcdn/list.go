package tencentcdn

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	cdn "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cdn/v20180606"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/listing"
)

var _ provider.Lister = (*driver)(nil)

// listLimit is the rows asked for per page. The API documents the default (20), not a
// maximum; 100 is a modest step up. Paging advances by the rows actually returned and
// stops at TotalCount, so a server serving fewer than asked costs calls, not rows.
const listLimit = 100

// listQPS is our listing rate. Listing is the same two actions as the by-id query, and
// the documented 20 calls/s is per account and action: a sweep at 10/s leaves half to
// the watches polling the same account.
const listQPS = 10

// listRetention is how far back the APIs answer (about 30 days in the legacy
// documentation, as for the by-id query).
const listRetention = 30 * 24 * time.Hour

// ListLimits: 10 of the 20 calls/s, 100 rows a page, 30 days.
func (d *driver) ListLimits() provider.ListLimits {
	return provider.ListLimits{QPS: listQPS, PageSize: listLimit, Retention: listRetention, SharedWithQuery: true}
}

// listSeq is one page sequence: the kind's API (DescribePurgeTasks for refreshes,
// DescribePushTasks for prefetches), and a domain (Keyword) when the query names some.
type listSeq struct{ kind, domain string }

func (s listSeq) action() string {
	if s.kind == KindPush {
		return "DescribePushTasks"
	}
	return "DescribePurgeTasks"
}

func (s listSeq) String() string {
	if s.domain == "" {
		return s.action()
	}
	return s.action() + " " + s.domain
}

func (d *driver) listSeqs(q provider.ListQuery) []listSeq {
	kinds := []string{KindPurge, KindPush}
	if d.kind != "" {
		kinds = []string{d.kind} // scope.kind narrows the sweep to one API
	}
	var out []listSeq
	for _, k := range kinds {
		for _, dom := range listing.Domains(q) {
			out = append(out, listSeq{k, dom})
		}
	}
	return out
}

// listTime formats a bound as the APIs read it: "2006-01-02 15:04:05" in Beijing time,
// the zone Tencent's CDN writes CreateTime in (a UTC string would shift the window by
// eight hours).
func listTime(t time.Time) string { return t.In(beijing).Format(time.DateTime) }

// ListPage makes one call of DescribePurgeTasks or DescribePushTasks by StartTime/EndTime
// (both inclusive to the second: EndTime is To rounded up, and provider.Client drops a
// row created exactly at To). The cursor is "<sequence>/<offset>". Rows map as the by-id
// query's (object), so statuses read alike.
//
// A window past retention is refused here: the APIs would answer it with what they still
// keep, and a sweep must not call a clipped window complete.
func (d *driver) ListPage(ctx context.Context, q provider.ListQuery, cursor string) ([]provider.Object, string, error) {
	if err := listing.CheckRetention(Name, q, time.Now(), listRetention); err != nil {
		return nil, "", err
	}
	if d.api.credErr != nil {
		return nil, "", d.api.credErr
	}
	seqs := d.listSeqs(q)
	si, offset, err := parseOffsetCursor(cursor, len(seqs))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", Name, err)
	}
	s := seqs[si]
	to := q.To.Truncate(time.Second)
	if to.Before(q.To) {
		to = to.Add(time.Second)
	}
	start, end := listTime(q.From), listTime(to)
	var kw *string
	if s.domain != "" {
		kw = &s.domain
	}
	var (
		rows  []provider.Object
		total int64
	)
	if s.kind == KindPush {
		rows, total, err = d.api.pushList(ctx, start, end, kw, offset)
	} else {
		rows, total, err = d.api.purgeList(ctx, start, end, kw, offset)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s (offset %d): %w", s, offset, d.api.listError(err))
	}
	next := ""
	switch offset += int64(len(rows)); {
	case len(rows) > 0 && offset < total:
		next = fmt.Sprintf("%d/%d", si, offset)
	case si+1 < len(seqs):
		next = fmt.Sprintf("%d/0", si+1)
	}
	d.log.DebugContext(ctx, "listed", "provider", Name, "seq", s.String(), "offset", offset, "rows", len(rows), "total", total)
	return rows, next, nil
}

// listError maps an SDK error; a parameter refusal of a listing names no task id.
func (a *api) listError(err error) error {
	err = a.mapError("", err)
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Kind == provider.KindInvalidID {
		pe.Kind, pe.IDs = provider.KindBadRequest, nil
	}
	return err
}

func (a *api) purgeList(ctx context.Context, start, end string, kw *string, offset int64) ([]provider.Object, int64, error) {
	req := &purgeRequest{DescribePurgeTasksRequest: cdn.NewDescribePurgeTasksRequest()}
	req.StartTime, req.EndTime, req.Keyword = &start, &end, kw
	req.Offset, req.Limit = &offset, ptr(int64(listLimit))
	req.SetContext(ctx)
	resp := cdn.NewDescribePurgeTasksResponse()
	if err := a.client.Send(req, resp); err != nil {
		return nil, 0, err
	}
	if resp.Response == nil {
		return nil, 0, errors.New("empty answer")
	}
	var total int64
	if resp.Response.TotalCount != nil {
		total = *resp.Response.TotalCount
	}
	return purgeRows(resp.Response.PurgeLogs), total, nil
}

func (a *api) pushList(ctx context.Context, start, end string, kw *string, offset int64) ([]provider.Object, int64, error) {
	req := &pushRequest{DescribePushTasksRequest: cdn.NewDescribePushTasksRequest()}
	req.StartTime, req.EndTime, req.Keyword = &start, &end, kw
	req.Offset, req.Limit = &offset, ptr(int64(listLimit))
	req.SetContext(ctx)
	resp := cdn.NewDescribePushTasksResponse()
	if err := a.client.Send(req, resp); err != nil {
		return nil, 0, err
	}
	if resp.Response == nil {
		return nil, 0, errors.New("empty answer")
	}
	var total int64
	if resp.Response.TotalCount != nil {
		total = int64(*resp.Response.TotalCount)
	}
	return pushRows(resp.Response.PushLogs), total, nil
}

// parseOffsetCursor reads "<sequence>/<offset>"; "" is the start of the first sequence.
func parseOffsetCursor(c string, seqs int) (seq int, offset int64, err error) {
	if c == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(c, "/")
	seq, err1 := strconv.Atoi(a)
	offset, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || seq < 0 || seq >= seqs || offset < 0 {
		return 0, 0, fmt.Errorf("malformed list cursor %q", c)
	}
	return seq, offset, nil
}
