package awscloudfront

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cdnwatch/shared/provider"
)

// CreateInvalidation, the one submit API of CloudFront (2020-05-31):
//   - Paths, not URLs: "https://d111.cloudfront.net/a/b.js" is sent as "/a/b.js"; a
//     directory "…/img/" as the wildcard "/img/*". No regular expressions.
//   - At most 3,000 file paths, or 15 wildcard paths, in progress per distribution at
//     once (TooManyInvalidationsInProgress beyond), so one call carries at most that.
//     https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-invalidations
//   - No quota API, and no documented daily quota (the first 1,000 paths a month are
//     free; beyond that each path is billed): Quota answers "unknown".
//   - Idempotent: "If you make a second invalidation request with the same value for
//     CallerReference, and if the rest of the request is the same, CloudFront doesn't
//     create a new invalidation request", it returns the first one.
//     https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
//     We send SubmitRequest.Ref (derived from the submission's URLs and origin) as
//     CallerReference, so the retryer's attempts and ours can never create a second
//     invalidation.
//   - Rate: not documented; AWS's own tooling is throttled near 0.5 calls/s, which we keep.
const (
	actCreate   = "CreateInvalidation"
	createQPS   = 0.5
	maxFiles    = 3000
	maxWildcard = 15
)

var _ provider.Submitter = (*driver)(nil)

func (d *driver) SubmitLimits(kind provider.SubmitKind, typ string) (provider.SubmitLimits, error) {
	if err := provider.CheckType(kind, typ); err != nil {
		return provider.SubmitLimits{}, fmt.Errorf("%s: %w", Name, err)
	}
	l := provider.SubmitLimits{PerCall: maxFiles, QPS: createQPS, Idempotent: true}
	switch {
	case kind == provider.Prefetch:
		return l, fmt.Errorf("%s: CloudFront has no prefetch API", Name)
	case typ == provider.TypeRegex:
		return l, fmt.Errorf("%s: CloudFront has no regular-expression invalidation (use a directory: /path/*)", Name)
	case typ == provider.TypeDirectory:
		l.PerCall = maxWildcard
	}
	return l, nil
}

// Quota: CloudFront has no quota API.
func (d *driver) Quota(context.Context, provider.SubmitKind, string) (provider.Quota, error) {
	return provider.Quota{Remaining: -1, Name: "CloudFront invalidation paths (no quota API)"}, nil
}

// Path turns a submitted URL or path into a CloudFront invalidation path.
func Path(u, typ string) string {
	p := u
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = "/"
		}
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if typ == provider.TypeDirectory && !strings.HasSuffix(p, "*") {
		p = strings.TrimSuffix(p, "/") + "/*"
	}
	return p
}

func (d *driver) Submit(ctx context.Context, req provider.SubmitRequest) ([]string, error) {
	if req.Ref == "" {
		return nil, errors.New("CreateInvalidation needs a CallerReference (SubmitRequest.Ref)")
	}
	paths := make([]string, len(req.URLs))
	for i, u := range req.URLs {
		paths[i] = Path(u, req.Type)
	}
	// The transport paces every attempt (the retryer's included) at the action's rate.
	ctx = provider.WithAPI(ctx, provider.API{Name: actCreate, QPS: createQPS})
	inv, err := d.client.CreateInvalidation(ctx, d.dist, req.Ref, paths)
	if err != nil {
		mapped := d.mapError(nil, err)
		var pe *provider.Error
		if errors.As(mapped, &pe) {
			pe.IDs = nil
			if pe.Kind == provider.KindInvalidID {
				pe.Kind = provider.KindBadRequest
			}
			if pe.Code == "TooManyInvalidationsInProgress" {
				mapped = provider.QuotaError(pe)
			}
		}
		return nil, fmt.Errorf("%s (%d paths) in distribution %s: %w", actCreate, len(paths), d.dist, mapped)
	}
	if inv.ID == "" {
		return nil, fmt.Errorf("%s (%d paths): the answer carries no invalidation id", actCreate, len(paths))
	}
	return []string{inv.ID}, nil
}
