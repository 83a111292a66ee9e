// Package aliyundcdn is the "aliyun-dcdn" driver: Alibaba Cloud DCDN's
// DescribeDcdnRefreshTaskById (API 2018-01-15, seed 001). Import it for its side effect:
//
//	import _ "cdnwatch/shared/provider/aliyundcdn"
//
// It shares everything with aliyun-cdn (configuration, credentials, the SDK's retryer,
// error mapping, the InvalidTime fallback, status mapping: aliyun.RefreshByID) except the
// action, the version, the endpoint and the RAM permission.
//
// The call goes through the darabonba OpenAPI core client (CallApiWithCtx), the same
// client the CDN product SDK embeds, rather than the DCDN product SDK
// (dcdn-20180115/v3 v3.5.0; /v4 does not verify here): v3.5.0 is generated for tea 1.x,
// so its calls take no context and read their retry settings from util.RuntimeOptions
// (autoretry/maxAttempts) instead of the dara.RetryOptions internal/aliyun configures,
// and it pulls in OSS and OpenPlatform modules. One action's request and row model are
// a dozen lines here.
package aliyundcdn

import (
	"context"
	"errors"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
)

// Name is the provider id.
const Name = "aliyun-dcdn"

// DefaultEndpoint is the public DCDN endpoint (the API is global).
const DefaultEndpoint = "dcdn.aliyuncs.com"

const (
	action  = "DescribeDcdnRefreshTaskById"
	version = "2018-01-15"
)

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
	// The core client, like the product clients, is not safe for concurrent calls.
	pool := aliyun.NewPool(func() (*openapi.Client, error) { return openapi.NewClient(base.Config) })
	c, err := pool.Get()
	if err != nil {
		return nil, base.Error(nil, err)
	}
	pool.Put(c)
	d := &driver{clients: pool}
	d.query = &aliyun.RefreshByID{Base: base, Action: action,
		RAMAction: "dcdn:" + action, Call: d.call}
	d.list = &aliyun.RefreshList{Base: base, Action: listAction, RAMAction: "dcdn:" + listAction,
		ObjectTypes: listObjectTypes, PageSize: listPageSize, Call: d.listCall}
	return d, nil
}

type driver struct {
	clients *aliyun.Pool[*openapi.Client]
	query   *aliyun.RefreshByID
	list    *aliyun.RefreshList // list.go
	submit  submitClients       // submit.go
}

var (
	_ provider.Driver    = (*driver)(nil)
	_ provider.IDChecker = (*driver)(nil)
)

func (d *driver) Name() string { return Name }

// Limits are from seed 001: 10 ids per call, 30 calls/s per account, the last 3 days.
func (d *driver) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 10, QPS: 30, Retention: 72 * time.Hour}
}

func (d *driver) CheckID(id string) error { return aliyun.CheckTaskID(id) }

// Describe makes one DescribeDcdnRefreshTaskById call for up to 10 ids.
func (d *driver) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	return d.query.Describe(ctx, ids)
}

// params are the action's call parameters, as the generated SDKs declare them.
var params = &openapiutil.Params{
	Action:      dara.String(action),
	Version:     dara.String(version),
	Protocol:    dara.String("HTTPS"), // the configured Protocol wins; "http" for a simulator
	Pathname:    dara.String("/"),
	Method:      dara.String("POST"),
	AuthType:    dara.String("AK"),
	Style:       dara.String("RPC"),
	ReqBodyType: dara.String("formData"),
	BodyType:    dara.String("json"),
}

// answer is the documented response body (seed 001).
type answer struct {
	Tasks []struct {
		TaskID       string `json:"TaskId"`
		ObjectPath   string `json:"ObjectPath"`
		ObjectType   string `json:"ObjectType"`
		Status       string `json:"Status"`
		Process      string `json:"Process"`
		Description  string `json:"Description"`
		CreationTime string `json:"CreationTime"`
	} `json:"Tasks"`
}

func (d *driver) call(ctx context.Context, ids []string) ([]aliyun.Row, error) {
	client, err := d.clients.Get()
	if err != nil {
		return nil, err
	}
	req := &openapiutil.OpenApiRequest{Query: map[string]*string{"TaskId": dara.String(strings.Join(ids, ","))}}
	resp, err := client.CallApiWithCtx(ctx, params, req, &dara.RuntimeOptions{})
	d.clients.Put(client)
	if err != nil {
		return nil, err
	}
	var a answer
	if body, ok := resp["body"]; !ok || body == nil {
		return nil, errors.New("empty answer")
	} else if err := dara.Convert(body, &a); err != nil {
		return nil, err
	}
	rows := make([]aliyun.Row, 0, len(a.Tasks))
	for _, t := range a.Tasks {
		rows = append(rows, aliyun.Row{TaskID: t.TaskID, ObjectPath: t.ObjectPath, ObjectType: t.ObjectType,
			Status: t.Status, Process: t.Process, Description: t.Description, CreationTime: t.CreationTime})
	}
	return rows, nil
}
