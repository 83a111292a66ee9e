package volccdn

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/volcengine/volcengine-go-sdk/service/cdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/volc"
)

// Submit APIs of Volcengine CDN (2021-03-01), limits from the documentation (Volcengine's
// pages and their BytePlus twins, https://docs.byteplus.com/en/docs/byteplus-cdn/reference-submitrefreshtask,
// .../reference-submitpreloadtask, .../reference-describecontentquota;
// https://www.volcengine.com/docs/6454/1251457 for the default quotas):
//   - SubmitRefreshTask {Type file|dir, Urls "u1\nu2"}: by default at most 100 URLs per
//     task (RefreshQuotaLimit; 100–1,000 on request) and 1,000 a day (RefreshQuota);
//     directories: RefreshDirLimit per task, RefreshDirQuota a day.
//   - SubmitPreloadTask {Urls}: PreloadLimit per task (default 100), PreloadQuota a day.
//   - DescribeContentQuota answers the account's own per-task limits and what remains;
//     the per-task limit it answers replaces our default (Quota.PerCall).
//   - 20 calls/s per API; no regular-expression refresh in this API version.
//
// Neither submit API is idempotent; shared/submit asks DescribeContentTasks (the listing)
// before sending a lost call again.
const (
	actRefresh = "SubmitRefreshTask"
	actPreload = "SubmitPreloadTask"
	actQuota   = "DescribeContentQuota"
)

var _ provider.Submitter = (*driver)(nil)

type submitClient struct {
	once sync.Once
	svc  *cdn.CDN
}

func (d *driver) submitSvc() *cdn.CDN {
	d.submit.once.Do(func() {
		d.submit.svc = cdn.New(d.base.SubmitClients())
	})
	return d.submit.svc
}

func (d *driver) SubmitLimits(kind provider.SubmitKind, typ string) (provider.SubmitLimits, error) {
	return volc.FileDirLimits(Name, kind, typ, 100)
}

func (d *driver) Quota(ctx context.Context, kind provider.SubmitKind, typ string) (provider.Quota, error) {
	out, err := d.submitSvc().DescribeContentQuotaWithContext(volc.Paced(ctx, actQuota), &cdn.DescribeContentQuotaInput{})
	if err != nil {
		return provider.Quota{}, fmt.Errorf("%s: %w", actQuota, d.base.SubmitError(ctx, err))
	}
	rem, tot, per, field := out.RefreshRemain, out.RefreshQuota, out.RefreshQuotaLimit, "RefreshRemain"
	switch {
	case kind == provider.Prefetch:
		rem, tot, per, field = out.PreloadRemain, out.PreloadQuota, out.PreloadLimit, "PreloadRemain"
	case typ == provider.TypeDirectory:
		rem, tot, per, field = out.RefreshDirRemain, out.RefreshDirQuota, out.RefreshDirLimit, "RefreshDirRemain"
	}
	if rem == nil {
		return provider.Quota{}, fmt.Errorf("%s answered no %s", actQuota, field)
	}
	return provider.Quota{Remaining: int(*rem), Limit: int(volcengine.Int64Value(tot)), PerCall: int(volcengine.Int64Value(per)),
		Name: fmt.Sprintf("daily %s %s quota (%s %s)", typ, kind, actQuota, field)}, nil
}

func (d *driver) Submit(ctx context.Context, req provider.SubmitRequest) ([]string, error) {
	urls := volcengine.String(strings.Join(req.URLs, "\n"))
	var id *string
	action := actRefresh
	if req.Kind == provider.Prefetch {
		action = actPreload
		out, err := d.submitSvc().SubmitPreloadTaskWithContext(volc.Paced(ctx, actPreload), &cdn.SubmitPreloadTaskInput{Urls: urls})
		if err != nil {
			return nil, fmt.Errorf("%s (%d URLs): %w", action, len(req.URLs), d.base.SubmitError(ctx, err))
		}
		id = out.TaskID
	} else {
		typ := "file"
		if req.Type == provider.TypeDirectory {
			typ = "dir"
		}
		out, err := d.submitSvc().SubmitRefreshTaskWithContext(volc.Paced(ctx, actRefresh), &cdn.SubmitRefreshTaskInput{Type: volcengine.String(typ), Urls: urls})
		if err != nil {
			return nil, fmt.Errorf("%s (%d URLs): %w", action, len(req.URLs), d.base.SubmitError(ctx, err))
		}
		id = out.TaskID
	}
	if strings.TrimSpace(volcengine.StringValue(id)) == "" {
		return nil, fmt.Errorf("%s (%d URLs): the answer carries no TaskID", action, len(req.URLs))
	}
	return []string{*id}, nil
}
