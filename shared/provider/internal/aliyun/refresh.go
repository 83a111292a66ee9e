package aliyun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cdnwatch/shared/provider"
)

// Row is one row of a refresh-task-by-id answer: the fields CDN's DescribeRefreshTaskById
// and DCDN's DescribeDcdnRefreshTaskById share, whatever SDK model they arrive in.
type Row struct {
	TaskID, ObjectPath, ObjectType, Status, Process, Description, CreationTime string
}

// RefreshByID is the by-id refresh/prefetch query the Aliyun products share. A driver
// supplies only what differs between products: the action (for messages and the RAM
// permission hint) and Call, the one SDK call.
type RefreshByID struct {
	Base *Base
	// Action is the API action, e.g. "DescribeRefreshTaskById".
	Action string
	// RAMAction is the permission a RAM user needs, e.g. "cdn:DescribeRefreshTaskById";
	// named in auth errors so the fix is obvious.
	RAMAction string
	// Call makes one SDK call for ids (comma-joined by the caller's SDK as TaskId) and
	// returns the raw SDK error unmapped, so InvalidTime can be told apart.
	Call func(ctx context.Context, ids []string) ([]Row, error)
}

// Describe makes one call for up to 10 ids; the SDK retries throttling and server errors
// itself. An InvalidTime answer (the batch reaches past the 3-day retention) makes the
// old ids unknown rather than failing the query.
func (q *RefreshByID) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	start := time.Now()
	objs, err := q.describe(ctx, ids)
	if err != nil && PastRetention(err) {
		// With several ids in the call we cannot tell which is too old, so ask for each alone.
		objs, err = q.describeEach(ctx, ids)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q.Action, err)
	}
	q.Base.Log.DebugContext(ctx, "described", "provider", q.Base.Name, "ids", len(ids), "rows", len(objs),
		"elapsed", time.Since(start))
	return objs, nil
}

func (q *RefreshByID) describeEach(ctx context.Context, ids []string) ([]provider.Object, error) {
	if len(ids) == 1 {
		return nil, nil
	}
	var out []provider.Object
	for _, id := range ids {
		objs, err := q.describe(ctx, []string{id})
		if err != nil && !PastRetention(err) {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

func (q *RefreshByID) describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	rows, err := q.Call(ctx, ids)
	if err != nil {
		if PastRetention(err) {
			return nil, err
		}
		return nil, q.hint(q.Base.Error(ids, err))
	}
	out := make([]provider.Object, 0, len(rows))
	for _, r := range rows {
		out = append(out, q.object(ctx, r, ids))
	}
	return out, nil
}

// hint names the RAM permission on a permission refusal (not on a wrong key or secret).
func (q *RefreshByID) hint(err error) error {
	var pe *provider.Error
	if q.RAMAction != "" && errors.As(err, &pe) && pe.Kind == provider.KindAuth &&
		(strings.HasPrefix(pe.Code, "Forbidden") || strings.HasPrefix(pe.Code, "NoPermission")) {
		pe.Message += " (the RAM policy needs " + q.RAMAction + ")"
	}
	return err
}

func (q *RefreshByID) object(ctx context.Context, r Row, ids []string) provider.Object {
	st, known := MapStatus(r.Status)
	if !known {
		q.Base.Log.WarnContext(ctx, "undocumented task status, treated as running", "provider", q.Base.Name, "status", r.Status)
	}
	o := provider.Object{
		TaskID:    r.TaskID,
		Path:      r.ObjectPath,
		Type:      r.ObjectType,
		Status:    st,
		RawStatus: r.Status,
		Progress:  r.Process,
		Created:   ParseTime(r.CreationTime),
	}
	if o.TaskID == "" && len(ids) == 1 {
		o.TaskID = ids[0]
	}
	// Description is documented as the failure description; other rows may carry stale text.
	if st == provider.Failed {
		o.Reason = r.Description
	}
	return o
}
