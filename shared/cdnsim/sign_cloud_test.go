package cdnsim_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go"
	tccdn "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cdn/v20180606"
	tccommon "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"cdnwatch/shared/cdnsim"
)

// tamper rewrites a request after the SDK signed it.
type tamper struct{ edit func(r *http.Request) }

func (t tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.edit != nil {
		t.edit(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// The SigV4 verifier accepts what the official AWS SDK signs, and refuses the same
// request with its path changed after signing: the signature covers it.
func TestCloudFrontSigV4(t *testing.T) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
	srv := httptest.NewServer(sim.Handler("aws-cloudfront"))
	defer srv.Close()
	a := sim.AddTask("aws-cloudfront", cdnsim.Task{Objects: []cdnsim.Object{{Path: "/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	b := sim.AddTask("aws-cloudfront", cdnsim.Task{Objects: []cdnsim.Object{{Path: "/b.js", Type: cdnsim.TypeFile}}})
	client := func(edit func(*http.Request)) *cloudfront.Client {
		return cloudfront.New(cloudfront.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
			HTTPClient:  &http.Client{Transport: tamper{edit}},
			Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""), RetryMaxAttempts: 1})
	}
	in := &cloudfront.GetInvalidationInput{DistributionId: aws.String(cdnsim.CloudFrontDistributionID), Id: aws.String(a)}
	out, err := client(nil).GetInvalidation(context.Background(), in)
	if err != nil {
		t.Fatalf("SDK call refused: %v", err)
	}
	if aws.ToString(out.Invalidation.Status) != "InProgress" || out.Invalidation.InvalidationBatch.Paths.Items[0] != "/a.js" {
		t.Errorf("answer %+v", out.Invalidation)
	}
	_, err = client(func(r *http.Request) { r.URL.Path = strings.Replace(r.URL.Path, a, b, 1) }).GetInvalidation(context.Background(), in)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Errorf("path changed after signing: %v, want SignatureDoesNotMatch", err)
	}
}

// The TC3 verifier accepts what the official Tencent SDK signs, and refuses the same
// request with its body changed after signing.
func TestTencentTC3(t *testing.T) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
	srv := httptest.NewServer(sim.Handler("tencent-cdn"))
	defer srv.Close()
	a := sim.AddTask("tencent-cdn", cdnsim.Task{Objects: []cdnsim.Object{{Path: "https://static.example.com/v.mp4", Type: cdnsim.TypePreload, Duration: time.Minute}}})
	client := func(edit func(*http.Request)) *tccdn.Client {
		cpf := profile.NewClientProfile()
		cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = strings.TrimPrefix(srv.URL, "http://"), "HTTP"
		c, err := tccdn.NewClient(tccommon.NewCredential(keyID, secret), "", cpf)
		if err != nil {
			t.Fatal(err)
		}
		c.WithHttpTransport(tamper{edit})
		return c
	}
	req := tccdn.NewDescribePushTasksRequest()
	req.TaskId = &a
	resp, err := client(nil).DescribePushTasks(req)
	if err != nil {
		t.Fatalf("SDK call refused: %v", err)
	}
	if r := resp.Response; len(r.PushLogs) != 1 || *r.PushLogs[0].TaskId != a || *r.PushLogs[0].Status != "process" || *r.TotalCount != 1 {
		t.Errorf("answer %s", resp.ToJsonString())
	}
	_, err = client(func(r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		body = bytes.Replace(body, []byte(a), []byte("153303185323131331"), 1)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}).DescribePushTasks(req)
	var se *tcerr.TencentCloudSDKError
	if !errors.As(err, &se) || se.Code != "AuthFailure.SignatureFailure" {
		t.Errorf("body changed after signing: %v, want AuthFailure.SignatureFailure", err)
	}
	if st := sim.Stats("tencent-cdn"); st.OK != 1 || st.SignatureFailures != 1 {
		t.Errorf("stats %+v", st)
	}
}
