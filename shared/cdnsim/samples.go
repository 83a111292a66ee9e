package cdnsim

import "time"

// The tasks the sample events (events/ in the repository) name, so every sample runs
// against `cdnwatch sim` as it is written. AddSamples stores them relative to now:
//
//   - "quick" ids were created two minutes ago and finished ten seconds later;
//   - 15920000103 (the second object of lambda-direct.json) failed with "Origin Timeout";
//   - "slow" ids (the queue samples) run for ten more minutes, so one hop leaves them
//     pending and the function continues them through the queue;
//   - every ten-minute window from an hour before now to SampleSweepHorizon after holds
//     one finished and one failed refresh on static.example.com, so a sweep sample
//     (window 10m, settle 30m) reports one of each at any trigger time in that span;
//   - the CloudFront samples' invalidations live in distribution SampleDistributionID.
//
// The ids keep the format each provider uses, outside the ranges Populate draws from.

// SampleDistributionID is the CloudFront distribution of the sample events.
const SampleDistributionID = "E2QWRUHAPOMQZL"

// SampleSweepHorizon is how long after AddSamples a sweep sample still finds its window.
const SampleSweepHorizon = 24 * time.Hour

// SampleDomain is the domain of the sweep samples.
const SampleDomain = "static.example.com"

// SampleIDs are the sample task ids per provider and how each behaves.
var SampleIDs = map[string]struct{ Quick, Failing, Slow []string }{
	"aliyun-cdn": {
		Quick: []string{"15920000101", "15920000102", "15920000201", "15920000202", "15920000401", "15920000501",
			"15920000502", "15920000601", "15920000602", "15920000701", "15920000901", "15920001001",
			"15920001101", "15920001102"}, // the last two: fc-actiontrail-refresh.json
		Failing: []string{"15920000103"},
		Slow:    []string{"15920000301", "15920000302", "15920000303", "15920000801", "15920000802"},
	},
	"aliyun-dcdn":    {Quick: []string{"18000000101", "18000000102", "18000000103"}},
	"aws-cloudfront": {Quick: []string{"I2J0I21PCUYOIK", "I3K1J32QDVZPJL"}},
	"tencent-cdn":    {Quick: []string{"153303185323131331", "153303185323131332"}},
	"volc-cdn": {Quick: []string{"refresh_url_bbd36e1cb5154f52b648b07ee119223e2971399f5a1075c0",
		"prefetch_url_89c25a1aa3044b39921387190fc9b0e438f3d071f278f031"}},
	"volc-mcdn": {Quick: []string{"65d2c9b64fb1452d12d4df91", "660294f4e4e644f6114dea83"}},
}

// AddSamples stores the sample tasks of provider (see above) relative to now and returns
// the ids the samples name (not the sweep windows' tasks); a provider without samples
// gets none.
func (s *Sim) AddSamples(provider string, now time.Time) []string {
	ids, ok := SampleIDs[provider]
	if !ok {
		return nil
	}
	var out []string
	add := func(t Task) { out = append(out, s.AddTask(provider, t)) }
	kind := TypeFile
	if provider == "tencent-cdn" {
		kind = TypePreload // the Tencent sample watches push (prefetch) tasks
	}
	for _, id := range ids.Quick {
		typ := kind
		if len(id) > 9 && id[:9] == "prefetch_" {
			typ = TypePreload
		}
		t := Task{ID: id, Created: now.Add(-2 * time.Minute), Objects: []Object{
			{Path: samplePath(provider, "/app/v1.4.2/"+id+".js"), Type: typ, Duration: 10 * time.Second}}}
		if provider == "aws-cloudfront" {
			t.Scope = map[string]string{"distributionId": SampleDistributionID}
			t.Objects = []Object{{Path: "/index.html", Type: TypeFile, Duration: 30 * time.Second},
				{Path: "/assets/*", Type: TypeDirectory, Duration: 30 * time.Second}}
		}
		add(t)
	}
	for _, id := range ids.Failing {
		add(Task{ID: id, Created: now.Add(-2 * time.Minute), Objects: []Object{
			{Path: samplePath(provider, "/vendor.js"), Type: TypeFile, Duration: 10 * time.Second, FailReason: "Origin Timeout"}}})
	}
	for _, id := range ids.Slow {
		add(Task{ID: id, Created: now, Objects: []Object{
			{Path: "http://video.example.com/" + id + ".mp4", Type: TypePreload, Duration: 10 * time.Minute}}})
	}
	named := out
	if provider == "aliyun-cdn" || provider == "aliyun-dcdn" {
		const window = 10 * time.Minute
		for w := now.Truncate(window).Add(-time.Hour); w.Before(now.Add(SampleSweepHorizon)); w = w.Add(window) {
			mid := w.Add(window / 2)
			add(Task{Created: mid, Objects: []Object{
				{Path: "http://" + SampleDomain + "/swept.css", Type: TypeFile, Duration: 10 * time.Second}}})
			add(Task{Created: mid, Objects: []Object{
				{Path: "http://" + SampleDomain + "/swept-broken/", Type: TypeDirectory, Duration: 10 * time.Second,
					FailReason: "Origin Return StatusCode 5XX"}}})
		}
	}
	return named
}

// samplePath is an object path in the provider's form: CloudFront paths have no host.
func samplePath(provider, path string) string {
	if provider == "aws-cloudfront" {
		return path
	}
	return "http://" + SampleDomain + path
}
