package awscloudfront

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/providertest"
)

func listHarness() providertest.Harness {
	h := harness
	h.ListPagesByTask = "one InvalidationSummary per invalidation"
	h.ListNoPaths = "ListInvalidations gives Id, Status and CreateTime only; paths are not fetched"
	h.ListNewestFirst = "ListInvalidations lists newest first and has no time filter"
	return h
}

func TestListConformance(t *testing.T) { providertest.RunList(t, listHarness()) }

// TestList5000 measures listing 5,000 invalidations of one window at 5 calls/s against
// the simulator with 40 ms per call.
func TestList5000(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 10 s")
	}
	t.Log(providertest.MeasureList(t, listHarness(), 5000, 40*time.Millisecond))
}

// TestMotoList lists invalidations held by moto_server, an independent implementation
// of the CloudFront API: three invalidations created now are listed, complete, with
// their ids and creation times; a window that ends before them lists none. moto serves
// one page, oldest first (its pagination is not implemented), so this checks the wire
// format and status mapping; paging and newest-first order are cdnsim's part.
func TestMotoList(t *testing.T) {
	url := startMoto(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sdk := cloudfront.New(cloudfront.Options{Region: Region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAMOTOTEST", "moto-secret-value", "")})
	dist, err := sdk.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("cdnwatch-moto-list"), Comment: aws.String("cdnwatch list test"), Enabled: aws.Bool(true),
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
	distID := aws.ToString(dist.Distribution.Id)
	before := time.Now().Add(-time.Minute)
	want := map[string]bool{}
	for i := range 3 {
		inv, err := sdk.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String(distID),
			InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String(fmt.Sprint("deploy-", i)),
				Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{fmt.Sprintf("/p%d/*", i)}}}})
		if err != nil {
			t.Fatalf("create invalidation on moto: %v", err)
		}
		want[aws.ToString(inv.Invalidation.Id)] = true
	}
	c, err := provider.Open(ctx, Name, provider.Config{Endpoint: url, Scope: map[string]string{ScopeDistributionID: distID},
		Credentials: &provider.Credentials{AccessKeyID: "AKIAMOTOTEST", AccessKeySecret: "moto-secret-value"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(distID)}); err != nil {
		t.Skipf("moto_server does not implement ListInvalidations here (%v); listing is verified against cdnsim only", err)
	}
	tasks, err := c.ListTasks(ctx, provider.ListQuery{From: before, To: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != len(want) {
		t.Fatalf("listed %d invalidations, want %d", len(tasks), len(want))
	}
	for _, tk := range tasks {
		o := tk.Objects[0]
		if !want[tk.ID] || tk.Status != provider.Complete || o.RawStatus == "" || o.Created.Before(before) {
			t.Errorf("listed %+v", tk)
		}
	}
	if c.ListCalls() != 1 {
		t.Errorf("%d listing calls for one page", c.ListCalls())
	}
	old, err := c.ListTasks(ctx, provider.ListQuery{From: before.Add(-time.Hour), To: before})
	if err != nil || len(old) != 0 {
		t.Errorf("earlier window: %d invalidations, %v", len(old), err)
	}
}
