package volccdn

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/volcengine/volcengine-go-sdk/service/cdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/listing"
)

var _ provider.Lister = (*driver)(nil)

// listPageSize: DescribeContentTasks documents no maximum PageSize; 100 is what the
// by-id query already asks for. Paging follows the PageSize the answer echoes
// (listing.More), so a smaller real cap costs calls, not rows.
const listPageSize = 100

// listQPS is our listing rate. Listing is the same action as the by-id query and the
// documented 20 calls/s is per account across both: a sweep at 10/s leaves half to the
// watches polling the same account.
const listQPS = 10

// ListLimits: 10 of the account's 20 calls/s, 100 URLs a page, the documented 7 days.
func (d *driver) ListLimits() provider.ListLimits {
	return provider.ListLimits{QPS: listQPS, PageSize: listPageSize, Retention: 7 * 24 * time.Hour, SharedWithQuery: true}
}

// listSeq is one page sequence: TaskType is required, so a listing is one sequence per
// type (refresh_file, refresh_dir, preload, refresh_regex), and per domain when the
// query names domains (DomainName takes one).
type listSeq struct{ domain, typ string }

func (s listSeq) String() string {
	if s.domain == "" {
		return s.typ
	}
	return s.domain + "/" + s.typ
}

func listSeqs(q provider.ListQuery) []listSeq {
	var out []listSeq
	for _, dom := range listing.Domains(q) {
		for _, typ := range taskTypes {
			out = append(out, listSeq{dom, typ})
		}
	}
	return out
}

// ListPage makes one DescribeContentTasks call: no TaskID, StartTime/EndTime in Unix
// seconds (both inclusive; provider.Client drops a row created exactly at To). Rows are
// per URL and map as the by-id query's (object).
//
// The API answers an old window with what it keeps rather than an error, so a window
// past the 7 days is refused here: a sweep must not call a clipped window complete.
func (d *driver) ListPage(ctx context.Context, q provider.ListQuery, cursor string) ([]provider.Object, string, error) {
	if err := listing.CheckRetention(Name, q, time.Now(), d.ListLimits().Retention); err != nil {
		return nil, "", err
	}
	seqs := listSeqs(q)
	c, err := listing.Parse(cursor, len(seqs))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", Name, err)
	}
	s := seqs[c.Seq]
	end := q.To.Unix()
	if time.Unix(end, 0).Before(q.To) {
		end++
	}
	if q.From.Unix() > math.MaxInt32 {
		// The SDK model types StartTime as int32 (EndTime as int64): good until 2038.
		return nil, "", fmt.Errorf("%s: StartTime %d does not fit the SDK's int32", Name, q.From.Unix())
	}
	in := &cdn.DescribeContentTasksInput{
		TaskType:  volcengine.String(s.typ),
		StartTime: volcengine.Int32(int32(q.From.Unix())),
		EndTime:   volcengine.Int64(end),
		PageNum:   volcengine.Int32(int32(c.Page)),
		PageSize:  volcengine.Int32(listPageSize),
	}
	if s.domain != "" {
		in.DomainName = volcengine.String(s.domain)
	}
	res, err := d.svc.DescribeContentTasksWithContext(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("DescribeContentTasks (%s, page %d): %w", s, c.Page, d.base.Error(ctx, nil, err))
	}
	rows := make([]provider.Object, 0, len(res.Data))
	for _, r := range res.Data {
		if r != nil {
			rows = append(rows, d.object(ctx, r))
		}
	}
	total := int64(volcengine.Int32Value(res.Total))
	more := listing.More(c.Page, len(res.Data), int(volcengine.Int32Value(res.PageSize)), listPageSize, total)
	d.base.Log.DebugContext(ctx, "listed", "provider", Name, "seq", s.String(), "page", c.Page,
		"rows", len(res.Data), "total", total)
	return rows, c.Next(more, len(seqs)), nil
}
