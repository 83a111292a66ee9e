// Package awscloudfront is the "aws-cloudfront" driver: CloudFront's GetInvalidation,
// ListInvalidations and CreateInvalidation (API 2020-05-31) through a small REST-XML
// client of our own (client.go) on the official SDK's parts: its Signature Version 4
// signer and its credential providers, with its standard retry policy written out
// (retry.go). The SDK's CloudFront client
// (github.com/aws/aws-sdk-go-v2/service/cloudfront) would cost the functions 0.7 MB of
// binary for these three calls; it stays in the tests, which run it beside ours against
// the simulator (sdk_test.go) and drive moto_server with it. Import it for its side effect:
//
//	import _ "cdnwatch/shared/provider/awscloudfront"
//
// Invalidation ids are only unique within a distribution, so a watch needs
// scope.distributionId. One id per call. CloudFront has no failed state: an invalidation
// is InProgress or Completed, so the watch's timeout is the only failure (the driver
// says so through NoFailedState, and notices word it).
package awscloudfront

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cdnwatch/shared/provider"
)

// Name is the provider id.
const Name = "aws-cloudfront"

// ScopeDistributionID is the scope key naming the distribution.
const ScopeDistributionID = "distributionId"

// DefaultQPS is our own pacing of GetInvalidation. CloudFront documents no call rate for
// it (its quotas page lists resources, not API rates; CreateInvalidation is throttled
// near 0.5/s by AWS's own account), and throttling is per account across the whole
// control plane, so we stay well below anything reported: 5 calls/s.
// CDNWATCH_AWS_CLOUDFRONT_QPS overrides it.
const DefaultQPS = 5

func init() { provider.Register(Name, Open) }

// Open opens the driver. Credentials come from cfg.Credentials or, when nil, the AWS
// default chain (environment, shared config and credentials files, SSO, web identity,
// ECS/EC2 roles) in a binary that links it (the command), else the environment's
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the functions); the endpoint from cfg.Endpoint or, when empty, AWS_ENDPOINT_URL_CLOUDFRONT
// / AWS_ENDPOINT_URL, else CloudFront's global endpoint in us-east-1.
func Open(ctx context.Context, cfg provider.Config) (provider.Driver, error) {
	return open(ctx, cfg, Options{})
}

func open(ctx context.Context, cfg provider.Config, o Options) (*driver, error) {
	dist := strings.TrimSpace(cfg.Scope[ScopeDistributionID])
	if err := checkDistribution(dist); err != nil {
		return nil, err
	}
	client, secrets, chain, err := newClient(ctx, cfg, o)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = discard
	}
	return &driver{client: client, dist: dist, secrets: secrets, chain: chain, log: log}, nil
}

type driver struct {
	client  *client
	dist    string
	secrets []string // scrubbed from every message
	chain   bool     // the SDK's whole default chain (the command), else the environment alone
	log     logger
}

var (
	_ provider.Driver    = (*driver)(nil)
	_ provider.IDChecker = (*driver)(nil)
)

func (d *driver) Name() string { return Name }

// Limits: one id per call (it is in the path); DefaultQPS; retention not documented.
func (d *driver) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 1, QPS: DefaultQPS, Retention: 0}
}

// NoFailedState tells the engine that "no failures" cannot be observed here.
func (d *driver) NoFailedState() bool { return true }

// CheckID accepts CloudFront-style ids: upper-case letters and digits (AWS hands out 14,
// moto 13).
func (d *driver) CheckID(id string) error {
	if !upperAlnum(id, 64) {
		return fmt.Errorf("invalidation id %q is malformed: CloudFront ids are upper-case letters and digits", id)
	}
	return nil
}

// Describe makes one GetInvalidation call; the retry policy retries throttling, 5xx
// and connection errors. An id CloudFront does not know yields no rows.
func (d *driver) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	if len(ids) != 1 {
		return nil, fmt.Errorf("GetInvalidation takes one id, got %d", len(ids))
	}
	start := time.Now()
	inv, err := d.client.GetInvalidation(ctx, d.dist, ids[0])
	if err != nil {
		if unknownInvalidation(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("GetInvalidation %s in distribution %s: %w", ids[0], d.dist, d.mapError(ids, err))
	}
	objs, err := d.objects(ctx, ids[0], inv)
	if err != nil {
		return nil, fmt.Errorf("GetInvalidation %s in distribution %s: %w", ids[0], d.dist, d.mapError(ids, err))
	}
	d.log.DebugContext(ctx, "described", "provider", Name, "id", ids[0], "rows", len(objs), "elapsed", time.Since(start))
	return objs, nil
}

// objects makes one row per invalidated path, each with the invalidation's status.
func (d *driver) objects(ctx context.Context, asked string, inv *Invalidation) ([]provider.Object, error) {
	created, err := parseTime("Invalidation CreateTime", inv.CreateTime)
	if err != nil {
		return nil, err
	}
	st, known := mapStatus(inv.Status)
	if !known {
		d.log.WarnContext(ctx, "undocumented invalidation status, treated as running", "provider", Name, "status", inv.Status)
	}
	id := inv.ID
	if id == "" {
		id = asked
	}
	base := provider.Object{TaskID: id, Status: st, RawStatus: inv.Status, Created: created}
	var paths []string
	if b := inv.InvalidationBatch; b != nil {
		paths = b.Paths.Items
	}
	if len(paths) == 0 {
		// Keep the task visible even if the batch came back empty.
		o := base
		o.Type = "path"
		return []provider.Object{o}, nil
	}
	out := make([]provider.Object, 0, len(paths))
	for _, p := range paths {
		o := base
		o.Path, o.Type = p, pathType(p)
		out = append(out, o)
	}
	return out, nil
}

// mapStatus maps CloudFront's two statuses. Case is ignored: moto answers "COMPLETED"
// where CloudFront says "Completed". Unknown words count as running, so polling goes
// on rather than ending on a guess.
func mapStatus(raw string) (provider.Status, bool) {
	switch strings.ToLower(raw) {
	case "inprogress":
		return provider.Running, true
	case "completed":
		return provider.Complete, true
	}
	return provider.Running, false
}

// pathType: CloudFront prices and limits wildcard paths apart from single files.
func pathType(p string) string {
	if strings.HasSuffix(p, "*") {
		return "wildcard"
	}
	return "path"
}

func checkDistribution(dist string) error {
	if dist == "" {
		return &provider.Error{Provider: Name, Kind: provider.KindBadRequest, Code: "MissingScope",
			Message: `scope.distributionId is required: CloudFront invalidation ids belong to a distribution ` +
				`(e.g. "scope": {"distributionId": "E2QWRUHAPOMQZL"}, or --scope distributionId=E2QWRUHAPOMQZL)`}
	}
	if !upperAlnum(dist, 64) {
		return &provider.Error{Provider: Name, Kind: provider.KindBadRequest, Code: "InvalidScope",
			Message: fmt.Sprintf("scope.distributionId %q is malformed: CloudFront distribution ids are upper-case letters and digits", dist)}
	}
	return nil
}

func upperAlnum(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
