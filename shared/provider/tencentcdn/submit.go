package tencentcdn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	cdn "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cdn/v20180606"

	"cdnwatch/shared/provider"
)

// Submit APIs of Tencent Cloud CDN (2018-06-06), limits from the SDK's documentation of
// each action (tencentcloud-sdk-go cdn/v20180606 client.go, which mirrors
// https://cloud.tencent.com/document/api/228/37870, /37871, /37869, /41956, /41954):
//   - PurgeUrlsCache: at most 1,000 URLs per call; by default 10,000 URLs a day per
//     acceleration area (mainland, overseas). Quota refusals:
//     LimitExceeded.CdnPurgeUrlExceedDayLimit, LimitExceeded.CdnPurgeUrlExceedBatchLimit.
//   - PurgePathCache: at most 500 directories per call; 100 a day per area
//     (LimitExceeded.CdnPurgeExceedDayLimit). FlushType "flush" (refresh changed
//     resources) is what we send.
//   - PushUrlsCache: at most 500 URLs per call; 1,000 a day per area
//     (LimitExceeded.CdnPushExceedDayLimit, LimitExceeded.CdnPushExceedBatchLimit).
//   - DescribePurgeQuota (UrlPurge, PathPurge) / DescribePushQuota (UrlPush): per area,
//     Batch, Total, Available. We take the smallest Available of the areas, since a
//     URL's area depends on its domain's configuration.
//   - 20 calls/s per API (https://www.tencentcloud.com/document/product/228/37473 for
//     DescribePushQuota; the purge and push APIs document the same default).
//   - No regular-expression refresh.
//
// None is idempotent (no ClientToken), so the SDK retries only RequestLimitExceeded (not
// taken) and never a network failure; shared/submit asks DescribePurgeTasks /
// DescribePushTasks before sending a lost call again.
const (
	actPurgeURLs  = "PurgeUrlsCache"
	actPurgePaths = "PurgePathCache"
	actPush       = "PushUrlsCache"
	actPurgeQuota = "DescribePurgeQuota"
	actPushQuota  = "DescribePushQuota"
)

const submitQPS = 20

var _ provider.Submitter = (*driver)(nil)

// paced marks ctx so the client's transport paces every attempt of the call at the
// action's own 20 calls/s.
func paced(ctx context.Context, action string) context.Context {
	return provider.WithAPI(ctx, provider.API{Name: action, QPS: submitQPS})
}

type submitClient struct {
	once sync.Once
	api  *api
	err  error
}

// submitAPI is a second SDK client for the submit and quota APIs, on the same HTTP
// client: its transport paces every attempt as the API the call's context names
// (paced). The SDK retries RequestLimitExceeded only: these requests have no ClientToken.
func (d *driver) submitAPI() (*api, error) {
	s := &d.submit
	s.once.Do(func() { s.api, s.err = newAPI(d.cfg, d.opts) })
	if s.err != nil {
		return nil, s.err
	}
	if s.api.credErr != nil {
		return nil, s.api.credErr
	}
	return s.api, nil
}

func (d *driver) SubmitLimits(kind provider.SubmitKind, typ string) (provider.SubmitLimits, error) {
	if err := provider.CheckType(kind, typ); err != nil {
		return provider.SubmitLimits{}, fmt.Errorf("%s: %w", Name, err)
	}
	l := provider.SubmitLimits{PerCall: 1000, QPS: submitQPS, QuotaQPS: submitQPS}
	switch {
	case typ == provider.TypeRegex:
		return l, fmt.Errorf("%s: no regular-expression refresh (PurgeUrlsCache and PurgePathCache only)", Name)
	case kind == provider.Prefetch, typ == provider.TypeDirectory:
		l.PerCall = 500
	}
	return l, nil
}

func (d *driver) Quota(ctx context.Context, kind provider.SubmitKind, typ string) (provider.Quota, error) {
	a, err := d.submitAPI()
	if err != nil {
		return provider.Quota{}, err
	}
	var qs []*cdn.Quota
	action, field := actPurgeQuota, "UrlPurge"
	if kind == provider.Prefetch {
		action, field = actPushQuota, "UrlPush"
		resp, err := a.client.DescribePushQuotaWithContext(paced(ctx, actPushQuota), cdn.NewDescribePushQuotaRequest())
		if err != nil {
			return provider.Quota{}, fmt.Errorf("%s: %w", action, a.submitError(err))
		}
		if resp.Response != nil {
			qs = resp.Response.UrlPush
		}
	} else {
		resp, err := a.client.DescribePurgeQuotaWithContext(paced(ctx, actPurgeQuota), cdn.NewDescribePurgeQuotaRequest())
		if err != nil {
			return provider.Quota{}, fmt.Errorf("%s: %w", action, a.submitError(err))
		}
		if resp.Response != nil {
			qs = resp.Response.UrlPurge
			if typ == provider.TypeDirectory {
				qs, field = resp.Response.PathPurge, "PathPurge"
			}
		}
	}
	q := provider.Quota{Remaining: -1}
	area := ""
	for _, x := range qs {
		if x == nil || x.Available == nil {
			continue
		}
		if q.Remaining < 0 || int(*x.Available) < q.Remaining {
			q.Remaining = int(*x.Available)
			if x.Total != nil {
				q.Limit = int(*x.Total)
			}
			if x.Area != nil {
				area = " " + *x.Area
			}
		}
	}
	if q.Remaining < 0 {
		return provider.Quota{}, fmt.Errorf("%s answered no %s quota", action, field)
	}
	q.Name = fmt.Sprintf("daily %s %s quota (%s %s%s)", typ, kind, action, field, area)
	return q, nil
}

func (d *driver) Submit(ctx context.Context, req provider.SubmitRequest) ([]string, error) {
	a, err := d.submitAPI()
	if err != nil {
		return nil, err
	}
	urls := make([]*string, len(req.URLs))
	for i := range req.URLs {
		urls[i] = &req.URLs[i]
	}
	var id *string
	action := actPurgeURLs
	switch {
	case req.Kind == provider.Prefetch:
		action = actPush
		r := cdn.NewPushUrlsCacheRequest()
		r.Urls = urls
		resp, err := a.client.PushUrlsCacheWithContext(paced(ctx, actPush), r)
		if err != nil {
			return nil, fmt.Errorf("%s (%d URLs): %w", action, len(urls), a.submitError(err))
		}
		if resp.Response != nil {
			id = resp.Response.TaskId
		}
	case req.Type == provider.TypeDirectory:
		action = actPurgePaths
		r := cdn.NewPurgePathCacheRequest()
		r.Paths, r.FlushType = urls, ptr("flush")
		resp, err := a.client.PurgePathCacheWithContext(paced(ctx, actPurgePaths), r)
		if err != nil {
			return nil, fmt.Errorf("%s (%d paths): %w", action, len(urls), a.submitError(err))
		}
		if resp.Response != nil {
			id = resp.Response.TaskId
		}
	default:
		r := cdn.NewPurgeUrlsCacheRequest()
		r.Urls = urls
		resp, err := a.client.PurgeUrlsCacheWithContext(paced(ctx, actPurgeURLs), r)
		if err != nil {
			return nil, fmt.Errorf("%s (%d URLs): %w", action, len(urls), a.submitError(err))
		}
		if resp.Response != nil {
			id = resp.Response.TaskId
		}
	}
	if id == nil || strings.TrimSpace(*id) == "" {
		return nil, fmt.Errorf("%s (%d URLs): the answer carries no TaskId", action, len(urls))
	}
	// Remember the kind, so the watch asks the right API first.
	kind := KindPurge
	if req.Kind == provider.Prefetch {
		kind = KindPush
	}
	d.learned.Store(*id, kind)
	return []string{*id}, nil
}

// submitError maps a submit or quota refusal; the daily-limit codes are quota refusals.
func (a *api) submitError(err error) error {
	mapped := a.mapError("", err)
	var pe *provider.Error
	if errors.As(mapped, &pe) {
		pe.IDs = nil
		if pe.Kind == provider.KindInvalidID {
			pe.Kind = provider.KindBadRequest
		}
		if strings.HasPrefix(pe.Code, "LimitExceeded.") && strings.HasSuffix(pe.Code, "DayLimit") {
			return provider.QuotaError(pe)
		}
		if pe.Code == "UnauthorizedOperation.OperationTooOften" || pe.Code == "LimitExceeded.CdnHostOpTooOften" {
			pe.Kind = provider.KindThrottled
		}
	}
	return mapped
}
