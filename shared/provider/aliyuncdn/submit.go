package aliyuncdn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	cdn "github.com/alibabacloud-go/cdn-20180510/v9/client"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
)

// Submit APIs of Alibaba Cloud CDN (2018-05-10), limits from the providers' pages:
//   - RefreshObjectCaches: at most 1,000 URLs, or 100 directories, or 1 regular
//     expression per call; the URLs of one call may span at most 10 domains; 50 calls/s
//     per account. Daily quota by default 10,000 URLs and 100 directories.
//     https://www.alibabacloud.com/help/en/cdn/developer-reference/api-cdn-2018-05-10-refreshobjectcaches
//     https://help.aliyun.com/document_detail/91164.html
//   - PushObjectCache: at most 100 URLs per call; 50 calls/s per account; daily quota by
//     default 1,000 URLs; the account's prefetch queue holds 50,000 URLs (PreloadQueueFull).
//     https://www.alibabacloud.com/help/en/cdn/developer-reference/api-cdn-2018-05-10-pushobjectcache
//   - DescribeRefreshQuota: UrlRemain / DirRemain / RegexRemain / PreloadRemain as strings.
//     CDN's page gives no rate; DCDN's twin documents 20 calls/s, which we keep to.
//     https://www.alibabacloud.com/help/en/cdn/developer-reference/api-cdn-2018-05-10-describerefreshquota
//
// Neither submit API is idempotent: there is no client token. A call that failed
// ambiguously (5xx, connection lost) is not retried by the SDK (aliyun.SubmitConfig);
// shared/submit asks DescribeRefreshTasks whether the URLs were taken before sending again.
const (
	actRefresh = "RefreshObjectCaches"
	actPush    = "PushObjectCache"
	actQuota   = "DescribeRefreshQuota"
)

var apiQPS = map[string]float64{actRefresh: 50, actPush: 50, actQuota: 20}

var _ provider.Submitter = (*driver)(nil)

// paced marks ctx so the client's transport paces every attempt of the call (the SDK's
// retries included) at the action's own documented rate, apart from the by-id query.
func paced(ctx context.Context, action string) context.Context {
	return provider.WithAPI(ctx, provider.API{Name: action, QPS: apiQPS[action]})
}

// submitClients are the SDK clients of the submit APIs, built on first use with their own
// pacing and retry settings (aliyun.SubmitConfig).
type submitClients struct {
	once sync.Once
	pool *aliyun.Pool[*cdn.Client]
}

func (d *driver) submitPool() *aliyun.Pool[*cdn.Client] {
	s := &d.submit
	s.once.Do(func() {
		cfg := d.query.Base.SubmitConfig()
		s.pool = aliyun.NewPool(func() (*cdn.Client, error) {
			c := *cfg // the SDK's Init writes to its Config
			return cdn.NewClient(&c)
		})
	})
	return s.pool
}

func (d *driver) SubmitLimits(kind provider.SubmitKind, typ string) (provider.SubmitLimits, error) {
	if err := provider.CheckType(kind, typ); err != nil {
		return provider.SubmitLimits{}, fmt.Errorf("%s: %w", Name, err)
	}
	l := provider.SubmitLimits{PerCall: 1000, DomainsPerCall: 10, QPS: apiQPS[actRefresh], QuotaQPS: apiQPS[actQuota]}
	switch {
	case kind == provider.Prefetch:
		l.PerCall, l.QPS = 100, apiQPS[actPush]
	case typ == provider.TypeDirectory:
		l.PerCall = 100
	case typ == provider.TypeRegex:
		l.PerCall = 1
	}
	return l, nil
}

func (d *driver) Quota(ctx context.Context, kind provider.SubmitKind, typ string) (provider.Quota, error) {
	pool := d.submitPool()
	c, err := pool.Get()
	if err != nil {
		return provider.Quota{}, err
	}
	resp, err := c.DescribeRefreshQuotaWithContext(paced(ctx, actQuota), &cdn.DescribeRefreshQuotaRequest{}, &dara.RuntimeOptions{})
	pool.Put(c)
	if err != nil {
		return provider.Quota{}, d.query.Base.SubmitError(actQuota, 0, err)
	}
	if resp == nil || resp.Body == nil {
		return provider.Quota{}, errors.New(actQuota + ": empty answer")
	}
	b := resp.Body
	return aliyun.Quota(actQuota, kind, typ, b.UrlRemain, b.UrlQuota, b.DirRemain, b.DirQuota,
		b.RegexRemain, b.RegexQuota, b.PreloadRemain, b.PreloadQuota)
}

func (d *driver) Submit(ctx context.Context, req provider.SubmitRequest) ([]string, error) {
	pool := d.submitPool()
	c, err := pool.Get()
	if err != nil {
		return nil, err
	}
	defer pool.Put(c)
	// ObjectPath: URLs separated by line feeds (both APIs).
	paths := strings.Join(req.URLs, "\n")
	var id *string
	action := actRefresh
	if req.Kind == provider.Prefetch {
		action = actPush
		resp, err := c.PushObjectCacheWithContext(paced(ctx, action), &cdn.PushObjectCacheRequest{ObjectPath: dara.String(paths)},
			&dara.RuntimeOptions{})
		if err != nil {
			return nil, d.query.Base.SubmitError(action, len(req.URLs), err)
		}
		if resp != nil && resp.Body != nil {
			id = resp.Body.PushTaskId
		}
	} else {
		resp, err := c.RefreshObjectCachesWithContext(paced(ctx, action), &cdn.RefreshObjectCachesRequest{ObjectPath: dara.String(paths),
			ObjectType: dara.String(aliyun.RefreshObjectType(req.Type))}, &dara.RuntimeOptions{})
		if err != nil {
			return nil, d.query.Base.SubmitError(action, len(req.URLs), err)
		}
		if resp != nil && resp.Body != nil {
			id = resp.Body.RefreshTaskId
		}
	}
	if strings.TrimSpace(dara.StringValue(id)) == "" {
		return nil, fmt.Errorf("%s (%d URLs): the answer carries no task id", action, len(req.URLs))
	}
	return []string{dara.StringValue(id)}, nil
}
