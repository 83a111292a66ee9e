package awscloudfront

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"cdnwatch/shared/internal/mototest"
	"cdnwatch/shared/provider"
)

// TestMoto polls invalidations held by a real, independent CloudFront implementation
// (moto_server). moto completes an invalidation at once and checks no signature, so of
// the conformance suite only what it can show applies, and runs here:
//   - Statuses: a Completed invalidation (moto writes "COMPLETED") is complete, one row
//     per path, creation time kept;
//   - Unknown: an id moto does not know (NoSuchInvalidation) is unknown, with no rows;
//   - and the NoSuchDistribution refusal naming the distribution.
//
// Rate limits, retries, faults, pending/running and signatures are cdnsim's part
// (TestConformance).
func TestMoto(t *testing.T) {
	url := startMoto(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sdk, distID := motoDistribution(ctx, t, url, "cdnwatch-moto", "cdnwatch test")
	paths := []string{"/index.html", "/assets/*"}
	inv, err := sdk.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String(distID),
		InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String("deploy-1"),
			Paths: &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}}})
	if err != nil {
		t.Fatalf("create invalidation on moto: %v", err)
	}
	invID := aws.ToString(inv.Invalidation.Id)
	t.Logf("moto: distribution %s, invalidation %s, status %q", distID, invID, aws.ToString(inv.Invalidation.Status))

	open := func(dist string) *provider.Client {
		c, err := provider.Open(ctx, Name, provider.Config{Endpoint: url, Scope: map[string]string{ScopeDistributionID: dist},
			Credentials: &provider.Credentials{AccessKeyID: "AKIAMOTOTEST", AccessKeySecret: "moto-secret-value"}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open(distID)
	unknown := "I0000000000000"
	if err := c.Driver().(provider.IDChecker).CheckID(invID); err != nil {
		t.Fatalf("the driver calls moto's id malformed: %v", err)
	}

	t.Run("Statuses", func(t *testing.T) {
		res, err := c.Query(ctx, []string{invID})
		if err != nil {
			t.Fatal(err)
		}
		got := res[invID]
		if got.Status != provider.Complete || len(got.Objects) != len(paths) {
			t.Fatalf("invalidation %+v, want complete with %d rows", got, len(paths))
		}
		for i, o := range got.Objects {
			if o.TaskID != invID || o.RawStatus == "" || o.Created.IsZero() || o.Reason != "" {
				t.Errorf("row %d: %+v", i, o)
			}
		}
		if got.Objects[0].Path != "/assets/*" || got.Objects[0].Type != "wildcard" || got.Objects[1].Path != "/index.html" {
			t.Errorf("rows %+v, want one per path", got.Objects)
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		res, err := c.Query(ctx, []string{invID, unknown})
		if err != nil {
			t.Fatal(err)
		}
		if u := res[unknown]; u.Status != provider.Unknown || len(u.Objects) != 0 {
			t.Errorf("unknown id: %+v", u)
		}
		if res[invID].Status != provider.Complete {
			t.Errorf("known id beside an unknown one: %s", res[invID].Status)
		}
	})
	t.Run("NoSuchDistribution", func(t *testing.T) {
		_, err := open("E0NOSUCHDIST").Query(ctx, []string{invID})
		if !provider.Refused(err) || !strings.Contains(err.Error(), "NoSuchDistribution") || !strings.Contains(err.Error(), "E0NOSUCHDIST") {
			t.Errorf("err %v, want a refusal naming the distribution", err)
		}
	})
}

// startMoto runs moto_server for this test (mototest.Start); without it the test is
// skipped, and the CloudFront driver is verified against cdnsim only.
func startMoto(t *testing.T) string { return mototest.Start(t) }

// motoDistribution returns a CloudFront client for moto at url and the id of a new
// distribution on it (callerRef and comment tell it apart).
func motoDistribution(ctx context.Context, t *testing.T, url, callerRef, comment string) (*cloudfront.Client, string) {
	t.Helper()
	sdk := cloudfront.New(cloudfront.Options{Region: Region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAMOTOTEST", "moto-secret-value", "")})
	dist, err := sdk.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String(callerRef), Comment: aws.String(comment), Enabled: aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("origin"), DomainName: aws.String("origin.example.com"),
			CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
				OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly}}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("origin"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll},
	}})
	if err != nil {
		t.Fatalf("create distribution on moto: %v", err)
	}
	return sdk, aws.ToString(dist.Distribution.Id)
}
