package awscloudfront

import (
	"context"
	"fmt"
	"strings"

	"cdnwatch/shared/provider"
)

var _ provider.Lister = (*driver)(nil)

// listPageSize is MaxItems. CloudFront documents no maximum for ListInvalidations; 100
// is its usual list cap (and moto's default). NextMarker drives paging, so a smaller
// real cap costs calls, not invalidations.
const listPageSize = 100

// ListLimits: DefaultQPS (CloudFront documents no rate for ListInvalidations either),
// 100 invalidations a page, and no documented retention.
func (d *driver) ListLimits() provider.ListLimits {
	return provider.ListLimits{QPS: DefaultQPS, PageSize: listPageSize, Retention: 0}
}

// ListPage makes one ListInvalidations call for the distribution (q.Scope's
// distributionId, else the driver's). CloudFront lists newest first, and cannot filter
// by time, so a listing walks back from now: pages newer than the window are read and
// their rows dropped by provider.Client; paging stops at the first page that reaches
// past q.From (everything after it is older). The cursor is CloudFront's marker.
//
// Each invalidation is one row, without paths: the summary gives Id, Status and
// CreateTime only, and GetInvalidation per row would cost one call per invalidation
// (200 s per 1,000 at 5 calls/s) to add nothing a digest needs — CloudFront has no
// failed state, so there are no failures to name paths for, and an invalidation still
// InProgress is named by its id. Statuses map exactly as GetInvalidation's (mapStatus).
// q.Domains does not apply (a distribution is the scope) and is ignored.
func (d *driver) ListPage(ctx context.Context, q provider.ListQuery, cursor string) ([]provider.Object, string, error) {
	dist := d.dist
	if s := strings.TrimSpace(q.Scope[ScopeDistributionID]); s != "" {
		if err := checkDistribution(s); err != nil {
			return nil, "", err
		}
		dist = s
	}
	list, err := d.client.ListInvalidations(ctx, dist, cursor, listPageSize)
	if err != nil {
		return nil, "", fmt.Errorf("ListInvalidations of distribution %s: %w", dist, d.mapError(nil, err))
	}
	rows := make([]provider.Object, 0, len(list.Items))
	reachedFrom := false
	for _, s := range list.Items {
		st, known := mapStatus(s.Status)
		if !known {
			d.log.WarnContext(ctx, "undocumented invalidation status, treated as running", "provider", Name, "status", s.Status)
		}
		created, err := parseTime("InvalidationSummary CreateTime", s.CreateTime)
		if err != nil {
			return nil, "", fmt.Errorf("ListInvalidations of distribution %s: %w", dist, d.mapError(nil, err))
		}
		if created.Before(q.From) {
			reachedFrom = true
		}
		rows = append(rows, provider.Object{TaskID: s.ID, Type: "invalidation",
			Status: st, RawStatus: s.Status, Created: created})
	}
	next := ""
	if list.IsTruncated && !reachedFrom {
		if next = list.NextMarker; next == "" {
			// Ending here would report a window as complete with its older part unread.
			return nil, "", fmt.Errorf("ListInvalidations of distribution %s: truncated page without a NextMarker", dist)
		}
	}
	d.log.DebugContext(ctx, "listed", "provider", Name, "distribution", dist, "rows", len(rows),
		"truncated", list.IsTruncated, "reachedFrom", reachedFrom)
	return rows, next, nil
}
