// Package aliyuncdn is the "aliyun-cdn" driver: Alibaba Cloud CDN's
// DescribeRefreshTaskById (API 2018-05-10) through the official SDK
// github.com/alibabacloud-go/cdn-20180510/v9. Import it for its side effect:
//
//	import _ "cdnwatch/shared/provider/aliyuncdn"
package aliyuncdn

import (
	"context"
	"fmt"
	"strings"
	"time"

	cdn "github.com/alibabacloud-go/cdn-20180510/v9/client"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
)

// Name is the provider id.
const Name = "aliyun-cdn"

// DefaultEndpoint is the public CDN endpoint (the API is global).
const DefaultEndpoint = "cdn.aliyuncs.com"

func init() { provider.Register(Name, Open) }

// Open opens the driver. Credentials come from cfg.Credentials or, when nil, the Alibaba
// Cloud default chain (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN, profiles,
// RAM role).
func Open(ctx context.Context, cfg provider.Config) (provider.Driver, error) {
	return open(ctx, cfg, aliyun.Options{})
}

// open takes the plumbing options, which tests use to shorten retries.
func open(_ context.Context, cfg provider.Config, o aliyun.Options) (*driver, error) {
	base, err := aliyun.New(Name, cfg, DefaultEndpoint, o)
	if err != nil {
		return nil, err
	}
	pool := aliyun.NewPool(func() (*cdn.Client, error) { return cdn.NewClient(base.Config) })
	// Build one now, so a configuration the SDK refuses fails at open.
	c, err := pool.Get()
	if err != nil {
		return nil, base.Error(nil, err)
	}
	pool.Put(c)
	return &driver{base: base, clients: pool}, nil
}

type driver struct {
	base    *aliyun.Base
	clients *aliyun.Pool[*cdn.Client]
}

var (
	_ provider.Driver    = (*driver)(nil)
	_ provider.IDChecker = (*driver)(nil)
)

func (d *driver) Name() string { return Name }

// Limits are from the API documentation (seeds 000, 002).
func (d *driver) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 10, QPS: 30, Retention: 72 * time.Hour}
}

func (d *driver) CheckID(id string) error { return aliyun.CheckTaskID(id) }

// Describe makes one DescribeRefreshTaskById call for up to 10 ids; the SDK retries
// throttling and server errors itself.
func (d *driver) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	start := time.Now()
	objs, err := d.describe(ctx, ids)
	if err != nil && aliyun.PastRetention(err) {
		// The ids reach further back than Aliyun keeps tasks: they are unknown, not an error.
		// With several ids in the call we cannot tell which, so ask for each alone.
		objs, err = d.describeEach(ctx, ids)
	}
	if err != nil {
		return nil, fmt.Errorf("DescribeRefreshTaskById: %w", err)
	}
	d.base.Log.DebugContext(ctx, "described", "provider", Name, "ids", len(ids), "rows", len(objs),
		"elapsed", time.Since(start))
	return objs, nil
}

func (d *driver) describeEach(ctx context.Context, ids []string) ([]provider.Object, error) {
	if len(ids) == 1 {
		return nil, nil
	}
	var out []provider.Object
	for _, id := range ids {
		objs, err := d.describe(ctx, []string{id})
		if err != nil && !aliyun.PastRetention(err) {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

func (d *driver) describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	client, err := d.clients.Get()
	if err != nil {
		return nil, d.base.Error(ids, err)
	}
	req := &cdn.DescribeRefreshTaskByIdRequest{TaskId: dara.String(strings.Join(ids, ","))}
	resp, err := client.DescribeRefreshTaskByIdWithContext(ctx, req, &dara.RuntimeOptions{})
	d.clients.Put(client)
	if err != nil {
		if aliyun.PastRetention(err) {
			return nil, err
		}
		return nil, d.base.Error(ids, err)
	}
	if resp == nil || resp.Body == nil {
		return nil, &provider.Error{Provider: Name, Kind: provider.KindUnavailable, Message: "empty answer"}
	}
	out := make([]provider.Object, 0, len(resp.Body.Tasks))
	for _, t := range resp.Body.Tasks {
		if t == nil {
			continue
		}
		out = append(out, d.object(ctx, t, ids))
	}
	return out, nil
}

func (d *driver) object(ctx context.Context, t *cdn.DescribeRefreshTaskByIdResponseBodyTasks, ids []string) provider.Object {
	raw := dara.StringValue(t.Status)
	st, known := aliyun.MapStatus(raw)
	if !known {
		d.base.Log.WarnContext(ctx, "undocumented task status, treated as running", "provider", Name, "status", raw)
	}
	o := provider.Object{
		TaskID:    dara.StringValue(t.TaskId),
		Path:      dara.StringValue(t.ObjectPath),
		Type:      dara.StringValue(t.ObjectType),
		Status:    st,
		RawStatus: raw,
		Progress:  dara.StringValue(t.Process),
		Created:   aliyun.ParseTime(dara.StringValue(t.CreationTime)),
	}
	if o.TaskID == "" && len(ids) == 1 {
		o.TaskID = ids[0]
	}
	// Description is documented as the failure description; other rows may carry stale text.
	if st == provider.Failed {
		o.Reason = dara.StringValue(t.Description)
	}
	return o
}
