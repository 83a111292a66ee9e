package volcmcdn

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/volcengine/volcengine-go-sdk/service/mcdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/volc"
)

// Submit APIs of Volcengine multi-cloud CDN (2022-03-01), in the official SDK
// (service/mcdn SubmitRefreshTask, SubmitPreloadTask, DescribeContentQuota):
//   - SubmitRefreshTask {Type file|dir, Urls "u1\nu2"} and SubmitPreloadTask {Urls} fan
//     the URLs out to every bound vendor account and answer TaskId (and TaskIds).
//   - DescribeContentQuota takes one CloudAccountId and answers that vendor account's
//     quotas. A multi-cloud submission draws on every bound account's quota, so the quota
//     is checked only when scope.cloudAccountId names the account to check; otherwise it
//     is "unknown" and the vendors refuse what is over theirs.
//   - The multi-cloud pages give no per-call limit or rate for these actions; we send 100
//     URLs per call (the vendors' smallest common per-call limit: Volcengine CDN's default)
//     at 20 calls/s (Volcengine CDN's documented rate).
//
// Not idempotent; shared/submit asks ListContentTasks before sending a lost call again.
const (
	actRefresh = "SubmitRefreshTask"
	actPreload = "SubmitPreloadTask"
	actQuota   = "DescribeContentQuota"
	perCall    = 100
)

// ScopeCloudAccount is the scope key naming the vendor cloud account whose quota to check.
const ScopeCloudAccount = "cloudAccountId"

var _ provider.Submitter = (*driver)(nil)

type submitClient struct {
	account string
	once    sync.Once
	svc     *mcdn.MCDN
}

func (d *driver) submitSvc() *mcdn.MCDN {
	d.submit.once.Do(func() {
		d.submit.svc = mcdn.New(d.base.SubmitClients())
	})
	return d.submit.svc
}

func (d *driver) SubmitLimits(kind provider.SubmitKind, typ string) (provider.SubmitLimits, error) {
	return volc.FileDirLimits(Name, kind, typ, perCall)
}

func (d *driver) Quota(ctx context.Context, kind provider.SubmitKind, typ string) (provider.Quota, error) {
	if d.submit.account == "" {
		return provider.Quota{Remaining: -1, Name: "multi-cloud quota (per vendor account; set scope.cloudAccountId to check one)"}, nil
	}
	out, err := d.submitSvc().DescribeContentQuotaWithContext(volc.Paced(ctx, actQuota), &mcdn.DescribeContentQuotaInput{
		CloudAccountId: volcengine.String(d.submit.account)})
	if err != nil {
		return provider.Quota{}, fmt.Errorf("%s: %w", actQuota, d.base.SubmitError(ctx, err))
	}
	q := provider.Quota{Remaining: -1}
	for _, x := range out.Quotas {
		if x == nil {
			continue
		}
		rem, tot := x.RefreshUrlRemain, x.RefreshUrlQuota
		switch {
		case kind == provider.Prefetch:
			rem, tot = x.PreloadRemain, x.PreloadQuota
		case typ == provider.TypeDirectory:
			rem, tot = x.RefreshDirRemain, x.RefreshDirQuota
		}
		if rem != nil && (q.Remaining < 0 || int(*rem) < q.Remaining) {
			q.Remaining, q.Limit = int(*rem), int(volcengine.Int64Value(tot))
		}
	}
	if q.Remaining < 0 {
		return provider.Quota{}, fmt.Errorf("%s answered no quota for cloud account %s", actQuota, d.submit.account)
	}
	q.Name = fmt.Sprintf("daily %s %s quota of cloud account %s (%s)", typ, kind, d.submit.account, actQuota)
	return q, nil
}

func (d *driver) Submit(ctx context.Context, req provider.SubmitRequest) ([]string, error) {
	urls := volcengine.String(strings.Join(req.URLs, "\n"))
	var id *string
	var ids []*string
	action := actRefresh
	if req.Kind == provider.Prefetch {
		action = actPreload
		out, err := d.submitSvc().SubmitPreloadTaskWithContext(volc.Paced(ctx, actPreload), &mcdn.SubmitPreloadTaskInput{Urls: urls})
		if err != nil {
			return nil, fmt.Errorf("%s (%d URLs): %w", action, len(req.URLs), d.base.SubmitError(ctx, err))
		}
		id, ids = out.TaskId, out.TaskIds
	} else {
		typ := "file"
		if req.Type == provider.TypeDirectory {
			typ = "dir"
		}
		out, err := d.submitSvc().SubmitRefreshTaskWithContext(volc.Paced(ctx, actRefresh), &mcdn.SubmitRefreshTaskInput{Type: volcengine.String(typ), Urls: urls})
		if err != nil {
			return nil, fmt.Errorf("%s (%d URLs): %w", action, len(req.URLs), d.base.SubmitError(ctx, err))
		}
		id, ids = out.TaskId, out.TaskIds
	}
	res := volcengine.StringValueSlice(ids)
	if len(res) == 0 && strings.TrimSpace(volcengine.StringValue(id)) != "" {
		res = []string{*id}
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("%s (%d URLs): the answer carries no TaskId", action, len(req.URLs))
	}
	return res, nil
}
