// Package aliyuncdn is the "aliyun-cdn" driver: Alibaba Cloud CDN's
// DescribeRefreshTaskById (API 2018-05-10) through the official SDK
// github.com/alibabacloud-go/cdn-20180510/v9. Import it for its side effect:
//
//	import _ "cdnwatch/shared/provider/aliyuncdn"
package aliyuncdn

import (
	"context"
	"errors"
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
	d := &driver{clients: pool}
	d.query = &aliyun.RefreshByID{Base: base, Action: "DescribeRefreshTaskById",
		RAMAction: "cdn:DescribeRefreshTaskById", Call: d.call}
	return d, nil
}

// driver holds only what is CDN's own: the SDK client; the query logic it shares with
// aliyun-dcdn lives in aliyun.RefreshByID.
type driver struct {
	clients *aliyun.Pool[*cdn.Client]
	query   *aliyun.RefreshByID
	submit  submitClients // submit.go
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

// Describe makes one DescribeRefreshTaskById call for up to 10 ids (see aliyun.RefreshByID).
func (d *driver) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	return d.query.Describe(ctx, ids)
}

// call is the one CDN-specific step: the product SDK's call and its row model.
func (d *driver) call(ctx context.Context, ids []string) ([]aliyun.Row, error) {
	client, err := d.clients.Get()
	if err != nil {
		return nil, err
	}
	req := &cdn.DescribeRefreshTaskByIdRequest{TaskId: dara.String(strings.Join(ids, ","))}
	resp, err := client.DescribeRefreshTaskByIdWithContext(ctx, req, &dara.RuntimeOptions{})
	d.clients.Put(client)
	if err != nil {
		return nil, err
	}
	if resp == nil || resp.Body == nil {
		return nil, errors.New("empty answer")
	}
	rows := make([]aliyun.Row, 0, len(resp.Body.Tasks))
	for _, t := range resp.Body.Tasks {
		if t == nil {
			continue
		}
		rows = append(rows, aliyun.Row{
			TaskID: dara.StringValue(t.TaskId), ObjectPath: dara.StringValue(t.ObjectPath),
			ObjectType: dara.StringValue(t.ObjectType), Status: dara.StringValue(t.Status),
			Process: dara.StringValue(t.Process), Description: dara.StringValue(t.Description),
			CreationTime: dara.StringValue(t.CreationTime),
		})
	}
	return rows, nil
}
