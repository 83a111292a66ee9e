package cdnsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Tencent Cloud CDN submit and quota APIs (2018-06-06), per the SDK's documentation of
// each action (cdn/v20180606 client.go; https://cloud.tencent.com/document/api/228):
//   - PurgeUrlsCache {Urls}: at most 1,000 URLs per call (LimitExceeded.CdnPurgeUrlExceedBatchLimit),
//     10,000 a day (LimitExceeded.CdnPurgeUrlExceedDayLimit); URLs need http:// or https://.
//   - PurgePathCache {Paths, FlushType flush|delete}: at most 500 per call
//     (LimitExceeded.CdnPurgeExceedBatchLimit), 100 a day (LimitExceeded.CdnPurgeExceedDayLimit).
//   - PushUrlsCache {Urls}: at most 500 per call (LimitExceeded.CdnPushExceedBatchLimit),
//     1,000 a day (LimitExceeded.CdnPushExceedDayLimit).
//   - DescribePurgeQuota → UrlPurge, PathPurge; DescribePushQuota → UrlPush: lists of
//     {Batch, Total, Available, Area} (one "mainland" area here).
//   - 20 calls/s per API per account, RequestLimitExceeded beyond.
//
// Every error answers HTTP 200 with Response.Error, as Tencent does. One task per call.

var tencentSubmitActions = map[string]bool{
	"PurgeUrlsCache": true, "PurgePathCache": true, "PushUrlsCache": true,
	"DescribePurgeQuota": true, "DescribePushQuota": true,
}

var tencentDefaultQuota = map[string]int{KindRefresh: 10000, KindDirectory: 100, KindPrefetch: 1000}

const tencentSubmitQPS = 20

func init() {
	for action := range tencentSubmitActions {
		registerAPI("tencent-cdn", action, tencentSubmitQPS)
	}
}

func tencentSubmit(b *backend, action, keyID string, body []byte, reqID string, w http.ResponseWriter, fail func(*tencentError)) {
	b.submitCalled(action)
	if !b.allowSubmit(action, keyID) {
		fail(&tencentError{200, "RequestLimitExceeded", fmt.Sprintf("Your current request times exceeds the frequency limit `%d` for a second.", tencentSubmitQPS)})
		return
	}
	quota := func(kind string, batch int) map[string]any {
		return map[string]any{"Batch": batch, "Total": tencentDefaultQuota[kind], "Available": b.quotaLeft(kind, tencentDefaultQuota[kind]), "Area": "mainland"}
	}
	ok := func(res map[string]any) {
		res["RequestId"] = reqID
		b.stats.answered(http.StatusOK)
		writeTencentJSON(w, reqID, map[string]any{"Response": res})
	}
	switch action {
	case "DescribePurgeQuota":
		ok(map[string]any{"UrlPurge": []any{quota(KindRefresh, 1000)}, "PathPurge": []any{quota(KindDirectory, 500)}})
		return
	case "DescribePushQuota":
		ok(map[string]any{"UrlPush": []any{quota(KindPrefetch, 500)}})
		return
	}
	var req struct {
		Urls, Paths []string
		FlushType   *string
	}
	if err := json.Unmarshal(body, &req); err != nil {
		fail(&tencentError{200, "InvalidParameter", "The request body is not valid JSON."})
		return
	}
	kind, urls, max, batchCode, dayCode := KindRefresh, req.Urls, 1000, "LimitExceeded.CdnPurgeUrlExceedBatchLimit", "LimitExceeded.CdnPurgeUrlExceedDayLimit"
	switch action {
	case "PurgePathCache":
		kind, urls, max, batchCode, dayCode = KindDirectory, req.Paths, 500, "LimitExceeded.CdnPurgeExceedBatchLimit", "LimitExceeded.CdnPurgeExceedDayLimit"
		if req.FlushType == nil || (*req.FlushType != "flush" && *req.FlushType != "delete") {
			fail(&tencentError{200, "InvalidParameter.CdnParamError", "FlushType must be flush or delete."})
			return
		}
	case "PushUrlsCache":
		kind, max, batchCode, dayCode = KindPrefetch, 500, "LimitExceeded.CdnPushExceedBatchLimit", "LimitExceeded.CdnPushExceedDayLimit"
	}
	if len(urls) == 0 {
		fail(&tencentError{200, "MissingParameter", "The request is missing a required parameter `Urls`."})
		return
	}
	if len(urls) > max {
		fail(&tencentError{200, batchCode, fmt.Sprintf("The number of URLs submitted at once exceeds the limit of %d.", max)})
		return
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || hostOf(u) == "" {
			fail(&tencentError{200, "InvalidParameter.CdnParamError", "URLs must start with http:// or https://."})
			return
		}
		if len(u) > 1024 {
			fail(&tencentError{200, "InvalidParameter.CdnUrlExceedLength", "A URL is too long."})
			return
		}
	}
	if _, okq := b.takeQuota(kind, tencentDefaultQuota[kind], len(urls)); !okq {
		fail(&tencentError{200, dayCode, "The daily quota is used up."})
		return
	}
	ids := b.createTasks([][]string{urls}, kind, nil)
	if b.loseAnswer() {
		b.stats.answered(http.StatusBadGateway)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
		return
	}
	ok(map[string]any{"TaskId": ids[0]})
}
