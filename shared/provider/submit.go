package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// SubmitKind is what a submit asks the CDN to do.
type SubmitKind string

const (
	// Refresh (purge) invalidates cached objects.
	Refresh SubmitKind = "refresh"
	// Prefetch (preload, push) fetches objects into the cache ahead of users.
	Prefetch SubmitKind = "prefetch"
)

// Object types a refresh can name. A prefetch always names files.
const (
	TypeFile      = "file"
	TypeDirectory = "directory"
	TypeRegex     = "regex"
)

// SubmitLimits are a submit API's documented bounds, for one kind and object type.
type SubmitLimits struct {
	// PerCall is how many URLs (or directories, or expressions) one call may carry.
	PerCall int
	// OneDomainPerCall: every URL of one call must have the same host (Aliyun DCDN,
	// Volcengine, CloudFront's one distribution).
	OneDomainPerCall bool
	// DomainsPerCall, when > 0, bounds the distinct hosts of one call (Aliyun CDN: 10).
	DomainsPerCall int
	// QPS is the submit API's own rate limit, calls per second per account.
	QPS float64
	// QuotaQPS is the quota API's own rate limit.
	QuotaQPS float64
	// Idempotent: a call repeated with the same SubmitRequest.Ref creates nothing new
	// (CloudFront's CallerReference), so an ambiguous failure may simply be retried.
	Idempotent bool
}

// Quota is what remains of a daily submit quota.
type Quota struct {
	// Remaining is what may still be submitted today; negative means the provider has
	// no quota API for this kind (nothing is held back on our side).
	Remaining int
	// Limit is the daily total, 0 when unknown.
	Limit int
	// Name names the quota in messages, e.g. "URL refresh (DescribeRefreshQuota UrlRemain)".
	Name string
	// PerCall, when > 0, is the account's own per-call limit as the quota API answers it
	// (Volcengine's RefreshQuotaLimit); it replaces SubmitLimits.PerCall.
	PerCall int
}

// Known reports whether the provider told us the quota.
func (q Quota) Known() bool { return q.Remaining >= 0 }

// SubmitRequest is one submit call.
type SubmitRequest struct {
	Kind SubmitKind
	Type string // TypeFile, TypeDirectory, TypeRegex
	URLs []string
	// Ref is a deterministic reference of this call (same submission, same chunk → same
	// Ref). Idempotent APIs use it as their idempotency key (CloudFront CallerReference).
	Ref string
}

// Submitter is an optional Driver interface: drivers whose API can submit refresh and
// prefetch tasks implement it. Callers use shared/submit, which checks the quota first,
// splits by SubmitLimits and paces calls; drivers make exactly one API call per method
// call and map refusals onto *Error (quota refusals wrapped with ErrQuotaExceeded).
type Submitter interface {
	// SubmitLimits are the documented bounds for kind and typ; an error names a kind or
	// type the provider cannot submit.
	SubmitLimits(kind SubmitKind, typ string) (SubmitLimits, error)
	// Quota makes one quota API call.
	Quota(ctx context.Context, kind SubmitKind, typ string) (Quota, error)
	// Submit makes one submit call and returns the task ids it created (possibly
	// comma-joined, as Aliyun answers).
	Submit(ctx context.Context, req SubmitRequest) ([]string, error)
}

// ErrQuotaExceeded marks a provider's refusal because the daily quota is used up.
var ErrQuotaExceeded = errors.New("daily submit quota exceeded")

// QuotaError is a quota refusal with the provider's own words.
func QuotaError(pe *Error) error { return &quotaError{pe: pe} }

type quotaError struct{ pe *Error }

func (e *quotaError) Error() string   { return e.pe.Error() }
func (e *quotaError) Unwrap() []error { return []error{e.pe, ErrQuotaExceeded} }

// CheckSubmitKind reads "refresh" or "prefetch".
func CheckSubmitKind(k SubmitKind) error {
	if k != Refresh && k != Prefetch {
		return fmt.Errorf("submit kind %q: want refresh or prefetch", k)
	}
	return nil
}

// CheckType reads an object type for kind.
func CheckType(kind SubmitKind, typ string) error {
	switch {
	case kind == Prefetch && typ != TypeFile:
		return fmt.Errorf("a prefetch names files, not %q", typ)
	case typ == TypeFile || typ == TypeDirectory || typ == TypeRegex:
		return nil
	}
	return fmt.Errorf("object type %q: want file, directory or regex", typ)
}

// Host is the host of a submitted URL ("https://a.example.com/x" or "a.example.com/x").
func Host(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	return strings.ToLower(u)
}
