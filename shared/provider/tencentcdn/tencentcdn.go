// Package tencentcdn is the "tencent-cdn" driver: Tencent Cloud CDN's DescribePurgeTasks
// (refreshes) and DescribePushTasks (prefetches), API 2018-06-06, through the official
// SDK github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cdn. Import it for its
// side effect:
//
//	import _ "cdnwatch/shared/provider/tencentcdn"
//
// A task id says nothing of its kind, so scope.kind = "purge" or "push" picks the API;
// without it the driver asks DescribePurgeTasks first and DescribePushTasks for ids the
// purge API did not know, remembering each id's kind for later polls.
package tencentcdn

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	cdn "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cdn/v20180606"

	"cdnwatch/shared/provider"
)

// Name is the provider id.
const Name = "tencent-cdn"

// ScopeKind is the scope key choosing the API: KindPurge or KindPush.
const ScopeKind = "kind"

const (
	KindPurge = "purge"
	KindPush  = "push"
)

// pageSize is the documented default Limit. A larger one would save calls for tasks of
// many URLs, but the API documents no maximum, and a refused Limit would break every poll.
const pageSize = 20

func init() { provider.Register(Name, Open) }

// Open opens the driver. Credentials come from cfg.Credentials or, when nil,
// TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (checked on the first call, as the
// other providers' chains are).
func Open(ctx context.Context, cfg provider.Config) (provider.Driver, error) {
	return open(ctx, cfg, Options{})
}

func open(_ context.Context, cfg provider.Config, o Options) (*driver, error) {
	kind := strings.ToLower(strings.TrimSpace(cfg.Scope[ScopeKind]))
	if kind != "" && kind != KindPurge && kind != KindPush {
		return nil, &provider.Error{Provider: Name, Kind: provider.KindBadRequest, Code: "InvalidScope",
			Message: fmt.Sprintf("scope.kind %q: want %q (refresh tasks) or %q (prefetch tasks), or leave it out to ask both",
				cfg.Scope[ScopeKind], KindPurge, KindPush)}
	}
	api, err := newAPI(cfg, o)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &driver{api: api, kind: kind, log: log, cfg: cfg, opts: o}, nil
}

type driver struct {
	api  *api
	kind string // "", KindPurge or KindPush
	log  *slog.Logger
	// learned remembers which API knew an id, so that without scope.kind a prefetch
	// costs the second call only on its first poll (the engine keeps clients across hops).
	learned sync.Map // id → kind
	// cfg and opts open the submit API's own client (submit.go).
	cfg    provider.Config
	opts   Options
	submit submitClient
}

var (
	_ provider.Driver    = (*driver)(nil)
	_ provider.IDChecker = (*driver)(nil)
)

func (d *driver) Name() string { return Name }

// Limits are from the API documentation: one TaskId per query, 20 calls/s; retention
// about 30 days (legacy docs; current ones do not say).
func (d *driver) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 1, QPS: 20, Retention: 30 * 24 * time.Hour}
}

// CheckID refuses only what cannot be a task id (blanks, separators, control characters):
// Tencent documents no format, though the ids seen are long decimal numbers.
func (d *driver) CheckID(id string) error {
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool {
		return r <= ' ' || r == ',' || r == ';' || r == 0x7f || r > 0x7e
	}) {
		return fmt.Errorf("task id %q is malformed: Tencent CDN task ids hold no blanks, separators or control characters", id)
	}
	return nil
}

// Describe asks for one id: one call when its kind is known (scope.kind or an earlier
// poll), else DescribePurgeTasks and, if purge does not know it, DescribePushTasks. A task
// of more than 20 URLs takes one more call per 20. The SDK retries RequestLimitExceeded
// and network failures itself.
func (d *driver) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	if len(ids) != 1 {
		return nil, fmt.Errorf("DescribePurgeTasks/DescribePushTasks take one id, got %d", len(ids))
	}
	id := ids[0]
	kinds := []string{KindPurge, KindPush}
	if k := d.kindOf(id); k != "" {
		kinds = []string{k}
	}
	start := time.Now()
	for _, k := range kinds {
		objs, err := d.api.describe(ctx, k, id)
		if err != nil {
			return nil, err
		}
		if len(objs) > 0 {
			if d.kind == "" {
				d.learned.Store(id, k)
			}
			d.log.DebugContext(ctx, "described", "provider", Name, "id", id, "kind", k, "rows", len(objs),
				"elapsed", time.Since(start))
			return objs, nil
		}
	}
	return nil, nil
}

func (d *driver) kindOf(id string) string {
	if d.kind != "" {
		return d.kind
	}
	if k, ok := d.learned.Load(id); ok {
		return k.(string)
	}
	return ""
}

// object maps one row of either API.
func object(kind, taskID, url, raw, typ string, percent *int64, created string) provider.Object {
	o := provider.Object{TaskID: taskID, Path: url, Type: typ, RawStatus: raw, Created: parseTime(created)}
	switch strings.ToLower(raw) {
	case "process":
		o.Status = provider.Running
	case "done":
		o.Status = provider.Complete
	case "fail":
		o.Status = provider.Failed
		o.Reason = "purge failed (Tencent CDN reports no reason)"
		if kind == KindPush {
			o.Reason = "prefetch failed (Tencent CDN reports no reason)"
		}
	case "invalid":
		o.Status = provider.Failed
		o.Reason = "prefetch invalid: the origin answered with a 4xx or 5xx status"
	default:
		o.Status = provider.Running // undocumented word: keep polling rather than guess
	}
	if percent != nil {
		o.Progress = fmt.Sprintf("%d%%", *percent)
	}
	return o
}

// beijing is the zone Tencent writes CreateTime in ("2018-12-28 17:30:31", UTC+8).
var beijing = time.FixedZone("CST", 8*3600)

func parseTime(s string) time.Time {
	t, err := time.ParseInLocation(time.DateTime, strings.TrimSpace(s), beijing)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// rows converts both APIs' answers.
func purgeRows(logs []*cdn.PurgeTask) []provider.Object {
	out := make([]provider.Object, 0, len(logs))
	for _, l := range logs {
		if l == nil {
			continue
		}
		out = append(out, object(KindPurge, deref(l.TaskId), deref(l.Url), deref(l.Status), deref(l.PurgeType), nil, deref(l.CreateTime)))
	}
	return out
}

func pushRows(logs []*cdn.PushTask) []provider.Object {
	out := make([]provider.Object, 0, len(logs))
	for _, l := range logs {
		if l == nil {
			continue
		}
		out = append(out, object(KindPush, deref(l.TaskId), deref(l.Url), deref(l.Status), "push", l.Percent, deref(l.CreateTime)))
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
