package submit_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	_ "cdnwatch/shared/provider/all"
	"cdnwatch/shared/submit"
)

// BenchmarkSubmitAndWatch2500 submits 2,500 URLs (over 3 hosts) to each provider's
// simulator with 20 ms per call, then polls every returned id until all are finished, at
// the documented rates. It reports the submit calls (quota check not counted), the poll
// requests the simulator answered, any throttled requests, and the wall times. Run: go test -run '^$' -bench SubmitAndWatch2500 -benchtime 1x ./shared/submit/
func BenchmarkSubmitAndWatch2500(b *testing.B) {
	scopes := map[string]map[string]string{
		"aws-cloudfront": {"distributionId": cdnsim.CloudFrontDistributionID},
		"volc-mcdn":      {"cloudAccountId": "aliyun-prod"},
	}
	for _, name := range []string{"aliyun-cdn", "aliyun-dcdn", "aws-cloudfront", "tencent-cdn", "volc-cdn", "volc-mcdn"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sim := cdnsim.New(cdnsim.Options{AccessKeyID: "bench-key", AccessKeySecret: "bench-secret", Latency: 20 * time.Millisecond})
				sim.SetSubmitLife(name, func(u, kind string) cdnsim.Object {
					return cdnsim.Object{Path: u, Type: cdnsim.TypeFile, Duration: time.Second}
				})
				sim.SetQuota(name, cdnsim.KindRefresh, 100000)
				srv := httptest.NewServer(sim.Handler(name))
				c, err := provider.Open(context.Background(), name, provider.Config{Endpoint: srv.URL, Scope: scopes[name],
					Credentials: &provider.Credentials{AccessKeyID: "bench-key", AccessKeySecret: "bench-secret"}})
				if err != nil {
					b.Fatal(err)
				}
				s, _ := submit.ForClient(c, nil)
				urls := make([]string, 2500)
				for j := range urls {
					urls[j] = fmt.Sprintf("https://h%d.example.com/assets/%05d.js", j%3, j)
				}
				start := time.Now()
				res, err := s.Submit(context.Background(), submit.Request{Kind: provider.Refresh, URLs: urls, Ref: "bench"})
				if err != nil || res.Submitted != 2500 {
					b.Fatalf("submit: %v, %+v", err, res)
				}
				submitted := time.Since(start)
				pending := res.TaskIDs
				for len(pending) > 0 {
					tasks, err := c.Query(context.Background(), pending)
					if err != nil {
						b.Fatalf("poll: %v", err)
					}
					var next []string
					for _, id := range pending {
						if !tasks[id].Status.Terminal() {
							next = append(next, id)
						}
					}
					pending = next
					if len(pending) > 0 {
						time.Sleep(time.Second)
					}
				}
				b.ReportMetric(float64(res.Calls), "submit-calls")
				b.ReportMetric(float64(len(res.TaskIDs)), "tasks")
				b.ReportMetric(submitted.Seconds(), "submit-s")
				// Calls as the provider saw them (HTTP requests, a Tencent page or a
				// Volcengine page each count), split into the submit side and the polls.
				sideCalls := int64(0)
				for _, n := range sim.SubmitStats(name).Calls {
					sideCalls += n
				}
				b.ReportMetric(float64(sim.Stats(name).Calls-sideCalls), "poll-http-calls")
				b.ReportMetric(float64(sim.Stats(name).Throttled), "throttled")
				b.ReportMetric(time.Since(start).Seconds(), "total-s")
				srv.Close()
			}
		})
	}
}
