package cdnsim

import (
	"fmt"
	"strings"
)

// Volcengine submit and quota APIs.
//
// CDN (2021-03-01; https://docs.byteplus.com/en/docs/byteplus-cdn/reference-submitrefreshtask,
// .../reference-submitpreloadtask, .../reference-describecontentquota; default quotas
// https://www.volcengine.com/docs/6454/1251457):
//   - SubmitRefreshTask {Type "file"|"dir", Urls "u1\nu2"} → {TaskID}; at most
//     RefreshQuotaLimit (100) URLs or RefreshDirLimit (100) directories per task;
//     RefreshQuota 1,000 and RefreshDirQuota 50 a day. URLs start with http:// or
//     https://; directories end with "/".
//   - SubmitPreloadTask {Urls} → {TaskID, CommitNum}; PreloadLimit 100 per task,
//     PreloadQuota 1,000 a day.
//   - DescribeContentQuota → the limits, quotas and what remains.
//   - 20 calls/s per API.
//
// Multi-cloud CDN (2022-03-01): SubmitRefreshTask {Type "file"|"dir", Urls} and
// SubmitPreloadTask {Urls} → {TaskId, TaskIds}; the task fans out to the bound vendors
// (see volc_mcdn.go). Its quota API is per bound cloud account (DescribeContentQuota
// requires CloudAccountId), so the simulator keeps one account-wide quota per kind and
// answers it for any CloudAccountId. 20 calls/s, 100 URLs per task (the simulator's
// choice: the multi-cloud pages give no per-call limit).
//
// Simulator choices where the pages say nothing: the refusals are InvalidParameter
// (400) for a malformed or over-long list and QuotaExceeded (400) for the daily quota.

var volcSubmitActions = map[string]bool{
	"cdn/SubmitRefreshTask": true, "cdn/SubmitPreloadTask": true, "cdn/DescribeContentQuota": true,
	"mcdn/SubmitRefreshTask": true, "mcdn/SubmitPreloadTask": true, "mcdn/DescribeContentQuota": true,
}

const volcSubmitQPS = 20

var volcDefaultQuota = map[string]int{KindRefresh: 1000, KindDirectory: 50, KindPrefetch: 1000}

const volcPerTask = 100

func init() {
	for k := range volcSubmitActions {
		service, action, _ := strings.Cut(k, "/")
		registerAPI("volc-"+service, action, volcSubmitQPS) // limiter.go
	}
	volcCDN.actions["SubmitRefreshTask"] = func(b *backend, c *volcCall) (any, *volcError) { return volcSubmit(b, c, false, "TaskID") }
	volcCDN.actions["SubmitPreloadTask"] = func(b *backend, c *volcCall) (any, *volcError) { return volcSubmit(b, c, true, "TaskID") }
	volcCDN.actions["DescribeContentQuota"] = volcCDNQuota
	volcMCDN.actions["SubmitRefreshTask"] = func(b *backend, c *volcCall) (any, *volcError) { return volcSubmit(b, c, false, "TaskId") }
	volcMCDN.actions["SubmitPreloadTask"] = func(b *backend, c *volcCall) (any, *volcError) { return volcSubmit(b, c, true, "TaskId") }
	volcMCDN.actions["DescribeContentQuota"] = volcMCDNQuota
}

func volcSubmit(b *backend, c *volcCall, preload bool, idField string) (any, *volcError) {
	var req struct {
		Type string `json:"Type"`
		Urls string `json:"Urls"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	kind := KindRefresh
	switch {
	case preload:
		kind = KindPrefetch
	case req.Type == "" || req.Type == "file":
	case req.Type == "dir":
		kind = KindDirectory
	default:
		return nil, &volcError{400, "InvalidParameter", fmt.Sprintf("Type %q: want file or dir.", req.Type)}
	}
	var urls []string
	for _, u := range strings.Split(req.Urls, "\n") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		return nil, &volcError{400, "MissingParameter", "Urls is required."}
	}
	if len(urls) > volcPerTask {
		return nil, &volcError{400, "InvalidParameter", fmt.Sprintf("Urls holds %d entries; at most %d per task.", len(urls), volcPerTask)}
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || hostOf(u) == "" ||
			(kind == KindDirectory && !strings.HasSuffix(u, "/")) {
			return nil, &volcError{400, "InvalidParameter", fmt.Sprintf("Urls: %.80q is not a valid URL for this task.", u)}
		}
	}
	if _, ok := b.takeQuota(kind, volcDefaultQuota[kind], len(urls)); !ok {
		return nil, &volcError{400, "QuotaExceeded", "The daily quota of this task type is used up."}
	}
	ids := b.createTasks([][]string{urls}, kind, nil)
	if b.loseAnswer() {
		return nil, volcUnavailable
	}
	res := map[string]any{idField: ids[0]}
	if idField == "TaskId" {
		res["TaskIds"] = ids
	}
	if preload && idField == "TaskID" {
		res["CommitNum"] = len(urls)
	}
	return res, nil
}

func volcCDNQuota(b *backend, _ *volcCall) (any, *volcError) {
	left := func(k string) int { return b.quotaLeft(k, volcDefaultQuota[k]) }
	return map[string]any{
		"RefreshQuotaLimit": volcPerTask, "RefreshQuota": volcDefaultQuota[KindRefresh], "RefreshRemain": left(KindRefresh),
		"RefreshDirLimit": volcPerTask, "RefreshDirQuota": volcDefaultQuota[KindDirectory], "RefreshDirRemain": left(KindDirectory),
		"PreloadLimit": volcPerTask, "PreloadQuota": volcDefaultQuota[KindPrefetch], "PreloadRemain": left(KindPrefetch),
	}, nil
}

func volcMCDNQuota(b *backend, c *volcCall) (any, *volcError) {
	var req struct {
		CloudAccountID string `json:"CloudAccountId"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if req.CloudAccountID == "" {
		return nil, &volcError{400, "MissingParameter", "CloudAccountId is required."}
	}
	left := func(k string) int { return b.quotaLeft(k, volcDefaultQuota[k]) }
	return map[string]any{"Quotas": []any{map[string]any{
		"CloudAccountId": req.CloudAccountID, "Area": "chinese_mainland",
		"RefreshUrlQuota": volcDefaultQuota[KindRefresh], "RefreshUrlRemain": left(KindRefresh),
		"RefreshDirQuota": volcDefaultQuota[KindDirectory], "RefreshDirRemain": left(KindDirectory),
		"PreloadQuota": volcDefaultQuota[KindPrefetch], "PreloadRemain": left(KindPrefetch),
	}}}, nil
}
