package aliyundcdn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
)

// Submit APIs of Alibaba Cloud DCDN (2018-01-15), through the same core client as the
// by-id query, limits from the providers' pages:
//   - RefreshDcdnObjectCaches: at most 1,000 URLs or 100 directories per call, 30 calls/s
//     per account; daily quota by default 10,000 URLs and 100 directories.
//     https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-refreshdcdnobjectcaches
//   - PreloadDcdnObjectCaches: at most 100 URLs per call; daily quota by default 1,000.
//     https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-preloaddcdnobjectcaches
//   - DescribeDcdnRefreshQuota: 20 calls/s per account.
//     https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-describedcdnrefreshquota
//
// We send one domain per call ("the URLs in a request must belong to the same domain
// name"), and keep both submit APIs at 30 calls/s. Neither is idempotent (see
// aliyuncdn/submit.go: the listing is asked before a lost call is sent again).
const (
	actRefresh = "RefreshDcdnObjectCaches"
	actPreload = "PreloadDcdnObjectCaches"
	actQuota   = "DescribeDcdnRefreshQuota"
)

var apiQPS = map[string]float64{actRefresh: 30, actPreload: 30, actQuota: 20}

var _ provider.Submitter = (*driver)(nil)

type submitClients struct {
	once sync.Once
	pool *aliyun.Pool[*openapi.Client]
}

func (d *driver) submitPool() *aliyun.Pool[*openapi.Client] {
	s := &d.submit
	s.once.Do(func() {
		cfg := d.query.Base.SubmitConfig()
		s.pool = aliyun.NewPool(func() (*openapi.Client, error) {
			c := *cfg
			return openapi.NewClient(&c)
		})
	})
	return s.pool
}

func (d *driver) SubmitLimits(kind provider.SubmitKind, typ string) (provider.SubmitLimits, error) {
	if err := provider.CheckType(kind, typ); err != nil {
		return provider.SubmitLimits{}, fmt.Errorf("%s: %w", Name, err)
	}
	l := provider.SubmitLimits{PerCall: 1000, OneDomainPerCall: true, QPS: apiQPS[actRefresh], QuotaQPS: apiQPS[actQuota]}
	switch {
	case kind == provider.Prefetch:
		l.PerCall, l.QPS = 100, apiQPS[actPreload]
	case typ == provider.TypeDirectory:
		l.PerCall = 100
	case typ == provider.TypeRegex:
		l.PerCall = 1
	}
	return l, nil
}

func rpc(action string) *openapiutil.Params {
	p := *params
	p.Action = dara.String(action)
	return &p
}

func (d *driver) callSubmit(ctx context.Context, action string, query map[string]*string) (map[string]any, error) {
	pool := d.submitPool()
	c, err := pool.Get()
	if err != nil {
		return nil, err
	}
	defer pool.Put(c)
	// The transport paces every attempt at the action's own documented rate.
	ctx = provider.WithAPI(ctx, provider.API{Name: action, QPS: apiQPS[action]})
	resp, err := c.CallApiWithCtx(ctx, rpc(action), &openapiutil.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, _ := resp["body"].(map[string]any)
	if body == nil {
		return nil, errors.New(action + ": empty answer")
	}
	return body, nil
}

func (d *driver) Quota(ctx context.Context, kind provider.SubmitKind, typ string) (provider.Quota, error) {
	body, err := d.callSubmit(ctx, actQuota, nil)
	if err != nil {
		return provider.Quota{}, d.query.Base.SubmitError(actQuota, 0, err)
	}
	f := func(k string) *string {
		if s, ok := body[k].(string); ok {
			return &s
		}
		return nil
	}
	return aliyun.Quota(actQuota, kind, typ, f("UrlRemain"), f("UrlQuota"), f("DirRemain"), f("DirQuota"),
		f("RegexRemain"), f("RegexQuota"), f("PreloadRemain"), f("PreloadQuota"))
}

func (d *driver) Submit(ctx context.Context, req provider.SubmitRequest) ([]string, error) {
	action, field := actRefresh, "RefreshTaskId"
	q := map[string]*string{"ObjectPath": dara.String(strings.Join(req.URLs, "\n"))}
	if req.Kind == provider.Prefetch {
		action, field = actPreload, "PreloadTaskId"
	} else {
		q["ObjectType"] = dara.String(aliyun.RefreshObjectType(req.Type))
	}
	body, err := d.callSubmit(ctx, action, q)
	if err != nil {
		return nil, d.query.Base.SubmitError(action, len(req.URLs), err)
	}
	id, _ := body[field].(string)
	if strings.TrimSpace(id) == "" {
		return nil, fmt.Errorf("%s (%d URLs): the answer carries no %s", action, len(req.URLs), field)
	}
	return []string{id}, nil
}
