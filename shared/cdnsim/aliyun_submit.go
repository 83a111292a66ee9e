package cdnsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Alibaba Cloud submit and quota APIs, CDN (2018-05-10) and DCDN (2018-01-15), as their
// pages document them:
//   - RefreshObjectCaches / RefreshDcdnObjectCaches: ObjectPath is URLs separated by line
//     feeds (\n or \r\n), each up to 1,024 characters; ObjectType File (default),
//     Directory, Regex or IgnoreParams; at most 1,000 URLs or 100 directories (or, for
//     CDN, 1 expression) per call; CDN: the URLs of one call span at most 10 domains;
//     DCDN: one domain. Answer: RefreshTaskId. 50 calls/s (CDN), 30 calls/s (DCDN).
//   - PushObjectCache / PreloadDcdnObjectCaches: at most 100 URLs per call. PushTaskId /
//     PreloadTaskId. 50 calls/s (CDN), 30 calls/s (DCDN).
//   - DescribeRefreshQuota / DescribeDcdnRefreshQuota: numbers as strings. 20 calls/s.
//   - Errors: SingleRequest.OverLimit (400) "A maximum of 1000 URLs are supported for each
//     request.", InvalidObjectType.Malformed, InvalidObjectPath.Malformed,
//     QuotaExceeded.Refresh (400) "Your refresh attempts have exceeded the daily limit.",
//     MissingParameter, TooManyRequests (429).
//
// https://www.alibabacloud.com/help/en/cdn/developer-reference/api-cdn-2018-05-10-refreshobjectcaches,
// .../api-cdn-2018-05-10-pushobjectcache, .../api-cdn-2018-05-10-describerefreshquota,
// https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-refreshdcdnobjectcaches
//
// Simulator choices where the pages say nothing: the 10-domain refusal reuses
// SingleRequest.OverLimit; one task id per domain of a call, comma-joined as
// RefreshObjectCaches does when it splits a submission; quotas do not reset at midnight.

// Documented default daily quotas.
var aliyunDefaultQuota = map[string]int{KindRefresh: 10000, KindDirectory: 100, KindRegex: 20, KindPrefetch: 1000}

// aliyunSubmitQPS are the submit-side actions' own limits; serve counts them apart.
var aliyunSubmitQPS = map[string]float64{
	"RefreshObjectCaches": 50, "PushObjectCache": 50, "DescribeRefreshQuota": 20,
	"RefreshDcdnObjectCaches": 30, "PreloadDcdnObjectCaches": 30, "DescribeDcdnRefreshQuota": 20,
}

type aliyunSubmitProduct struct {
	oneDomain  bool
	maxDomains int
	maxRegex   int
	idField    map[bool]string // prefetch? → answer field
}

var (
	aliyunCDNSubmit  = aliyunSubmitProduct{maxDomains: 10, maxRegex: 1, idField: map[bool]string{false: "RefreshTaskId", true: "PushTaskId"}}
	aliyunDCDNSubmit = aliyunSubmitProduct{oneDomain: true, maxRegex: 1, idField: map[bool]string{false: "RefreshTaskId", true: "PreloadTaskId"}}
)

func init() {
	for action, qps := range aliyunSubmitQPS {
		provider := "aliyun-cdn"
		if strings.Contains(action, "Dcdn") {
			provider = "aliyun-dcdn"
		}
		registerAPI(provider, action, qps) // limiter.go: counted apart, per access key
	}
	aliyunCDN.actions["RefreshObjectCaches"] = aliyunCDNSubmit.refresh
	aliyunCDN.actions["PushObjectCache"] = aliyunCDNSubmit.prefetch
	aliyunCDN.actions["DescribeRefreshQuota"] = aliyunQuota
	aliyunDCDN.actions["RefreshDcdnObjectCaches"] = aliyunDCDNSubmit.refresh
	aliyunDCDN.actions["PreloadDcdnObjectCaches"] = aliyunDCDNSubmit.prefetch
	aliyunDCDN.actions["DescribeDcdnRefreshQuota"] = aliyunQuota
}

func (p aliyunSubmitProduct) refresh(b *backend, c *aliyunCall) (any, *acsError) {
	kind, max := KindRefresh, 1000
	switch t := c.params.Get("ObjectType"); t {
	case "", "File", "IgnoreParams":
	case "Directory":
		kind, max = KindDirectory, 100
	case "Regex":
		kind, max = KindRegex, p.maxRegex
	default:
		return nil, &acsError{400, "InvalidObjectType.Malformed", "The specified ObjectType is invalid."}
	}
	return p.submit(b, c, kind, max)
}

func (p aliyunSubmitProduct) prefetch(b *backend, c *aliyunCall) (any, *acsError) {
	return p.submit(b, c, KindPrefetch, 100)
}

func (p aliyunSubmitProduct) submit(b *backend, c *aliyunCall, kind string, max int) (any, *acsError) {
	raw := c.params.Get("ObjectPath")
	if strings.TrimSpace(raw) == "" {
		return nil, &acsError{400, "MissingParameter",
			`The input parameter "ObjectPath" that is mandatory for processing this request is not supplied.`}
	}
	var paths []string
	for _, l := range strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			paths = append(paths, l)
		}
	}
	if len(paths) > max {
		what := "URLs"
		if kind == KindDirectory {
			what = "directories"
		}
		return nil, &acsError{400, "SingleRequest.OverLimit", fmt.Sprintf("A maximum of %d %s are supported for each request.", max, what)}
	}
	for _, u := range paths {
		if len(u) > 1024 || hostOf(u) == "" || strings.ContainsAny(hostOf(u), " \t") ||
			(kind == KindDirectory && !strings.HasSuffix(u, "/")) {
			return nil, &acsError{400, "InvalidObjectPath.Malformed", "The specified ObjectPath is invalid."}
		}
	}
	groups := byHost(paths)
	if p.oneDomain && len(groups) > 1 {
		return nil, &acsError{400, "InvalidObjectPath.Malformed", "The URLs in a request must belong to the same domain name."}
	}
	if p.maxDomains > 0 && len(groups) > p.maxDomains {
		return nil, &acsError{400, "SingleRequest.OverLimit", fmt.Sprintf("The URLs of one request must belong to at most %d domains.", p.maxDomains)}
	}
	if _, ok := b.takeQuota(kind, aliyunDefaultQuota[kind], len(paths)); !ok {
		return nil, &acsError{400, "QuotaExceeded.Refresh", "Your refresh attempts have exceeded the daily limit."}
	}
	ids := b.createTasks(groups, kind, nil)
	if b.loseAnswer() {
		return nil, &acsError{http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."}
	}
	return map[string]string{"RequestId": c.requestID, p.idField[kind == KindPrefetch]: strings.Join(ids, ",")}, nil
}

func aliyunQuota(b *backend, c *aliyunCall) (any, *acsError) {
	s := func(kind string) string { return strconv.Itoa(b.quotaLeft(kind, aliyunDefaultQuota[kind])) }
	d := func(kind string) string { return strconv.Itoa(aliyunDefaultQuota[kind]) }
	return map[string]string{
		"RequestId": c.requestID,
		"UrlQuota":  d(KindRefresh), "UrlRemain": s(KindRefresh),
		"DirQuota": d(KindDirectory), "DirRemain": s(KindDirectory),
		"RegexQuota": d(KindRegex), "RegexRemain": s(KindRegex),
		"PreloadQuota": d(KindPrefetch), "PreloadRemain": s(KindPrefetch),
		"BlockQuota": "100", "BlockRemain": "100",
		"IgnoreParamsQuota": "100", "IgnoreParamsRemain": "100",
	}, nil
}
