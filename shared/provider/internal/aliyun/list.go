package aliyun

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/provider"
)

// ListRequest is one page request of a refresh-task listing (CDN DescribeRefreshTasks,
// DCDN DescribeDcdnRefreshTasks): the parameters both products share, already formatted.
type ListRequest struct {
	StartTime, EndTime string // yyyy-MM-ddTHH:mm:ssZ, UTC
	DomainName         string // "" = every domain
	ObjectType         string // "" = every type (only allowed without DomainName)
	PageNumber         int32  // 1-based
	PageSize           int32
}

// RefreshList is the listing the Aliyun products share. A driver supplies the action
// names and Call, the one SDK call; RefreshList walks the page sequences.
//
// The API requires ObjectType whenever DomainName is set (MissingParameter.ObjectType),
// and takes one DomainName per call, so a listing by domains is one page sequence per
// (domain, object type); a listing of the whole account is a single sequence without
// either. The cursor "<sequence>/<page>" walks them in order.
type RefreshList struct {
	Base      *Base
	Action    string // e.g. "DescribeRefreshTasks"
	RAMAction string // e.g. "cdn:DescribeRefreshTasks"
	// ObjectTypes are the product's ObjectType values.
	ObjectTypes []string
	// PageSize is asked for on every page.
	PageSize int32
	// Call makes one SDK call and returns the rows and TotalCount, the SDK error unmapped.
	Call func(ctx context.Context, r ListRequest) (rows []Row, total int64, err error)
}

const timeLayout = "2006-01-02T15:04:05Z"

type listSeq struct{ domain, typ string }

func (s listSeq) String() string {
	if s.domain == "" {
		return "all domains"
	}
	return s.domain + "/" + s.typ
}

func (l *RefreshList) seqs(q provider.ListQuery) []listSeq {
	if len(q.Domains) == 0 {
		return []listSeq{{}}
	}
	out := make([]listSeq, 0, len(q.Domains)*len(l.ObjectTypes))
	for _, d := range q.Domains {
		for _, t := range l.ObjectTypes {
			out = append(out, listSeq{domain: d, typ: t})
		}
	}
	return out
}

// Page makes one call: the page cursor names of q (see provider.Lister). The range sent
// is [From, To) widened to whole seconds (the API's resolution); provider.Client drops
// rows outside [From, To). A sequence ends when PageNumber·PageSize reaches TotalCount
// or a page comes back short, whichever is first, so a TotalCount that moves while we
// page cannot make us loop.
func (l *RefreshList) Page(ctx context.Context, q provider.ListQuery, cursor string) ([]provider.Object, string, error) {
	seqs := l.seqs(q)
	si, page, err := parseCursor(cursor, len(seqs))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", l.Base.Name, err)
	}
	s := seqs[si]
	req := ListRequest{
		StartTime:  q.From.UTC().Truncate(time.Second).Format(timeLayout),
		EndTime:    ceilSecond(q.To).Format(timeLayout),
		DomainName: s.domain, ObjectType: s.typ,
		PageNumber: int32(page), PageSize: l.PageSize,
	}
	rows, total, err := l.Call(ctx, req)
	if err != nil {
		by := &RefreshByID{Base: l.Base, RAMAction: l.RAMAction}
		return nil, "", fmt.Errorf("%s (%s, page %d): %w", l.Action, s, page, by.hint(l.Base.Error(nil, err)))
	}
	by := &RefreshByID{Base: l.Base}
	out := make([]provider.Object, 0, len(rows))
	for _, r := range rows {
		out = append(out, by.object(ctx, r, nil))
	}
	next := ""
	switch {
	case len(rows) >= int(l.PageSize) && int64(page)*int64(l.PageSize) < total:
		next = fmt.Sprintf("%d/%d", si, page+1)
	case si+1 < len(seqs):
		next = fmt.Sprintf("%d/1", si+1)
	}
	l.Base.Log.DebugContext(ctx, "listed", "provider", l.Base.Name, "seq", s.String(), "page", page,
		"rows", len(rows), "total", total)
	return out, next, nil
}

func parseCursor(c string, seqs int) (seq, page int, err error) {
	if c == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(c, "/")
	seq, err1 := strconv.Atoi(a)
	page, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || seq < 0 || seq >= seqs || page < 1 {
		return 0, 0, fmt.Errorf("malformed list cursor %q", c)
	}
	return seq, page, nil
}

// ceilSecond rounds t up to a whole second, in UTC.
func ceilSecond(t time.Time) time.Time {
	t = t.UTC()
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}
