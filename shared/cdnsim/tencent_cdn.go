package cdnsim

// Tencent Cloud CDN (cdn.tencentcloudapi.com, API 2018-06-06): DescribePurgeTasks for
// refreshes and DescribePushTasks for prefetches, POSTed as JSON to "/" with the action
// in X-TC-Action and a TC3-HMAC-SHA256 signature. Both take one TaskId (or a time range),
// 20 calls/s per account, and know tasks of about the last 30 days (legacy docs).
//
// A task whose objects are TypePreload is a prefetch (push) task; any other is a purge
// task, and each API knows only its own kind. Statuses: process (pending or running),
// done, fail; a prefetch whose scripted failure names an origin 4xx/5xx answer is
// "invalid". Neither API gives a failure reason, and only prefetch rows carry Percent.
//
// Without a TaskId they list by time (tencent_list.go): StartTime and EndTime as
// "2006-01-02 15:04:05" in Beijing time (UTC+8), both ends inclusive, Offset/Limit
// paging rows (Limit 1 to 1000), Keyword a domain or a full URL. Listing and query by id
// are the same actions, so they share the one 20 calls/s bucket.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const tencentVersion = "2018-06-06"

// tencentZone is Beijing time, in which Tencent writes CreateTime ("2018-12-28 17:30:31").
var tencentZone = time.FixedZone("CST", 8*3600)

type tencentPurgeTask struct {
	TaskID     string `json:"TaskId"`
	URL        string `json:"Url"`
	Status     string `json:"Status"`
	PurgeType  string `json:"PurgeType"`
	FlushType  string `json:"FlushType"`
	CreateTime string `json:"CreateTime"`
}

type tencentPushTask struct {
	TaskID     string `json:"TaskId"`
	URL        string `json:"Url"`
	Status     string `json:"Status"`
	Percent    int64  `json:"Percent"`
	CreateTime string `json:"CreateTime"`
	Area       string `json:"Area"`
	UpdateTime string `json:"UpdateTime"`
}

// tencentQuery is the part of both requests the simulator reads.
type tencentQuery struct {
	TaskID    *string `json:"TaskId"`
	StartTime *string `json:"StartTime"`
	EndTime   *string `json:"EndTime"`
	Keyword   *string `json:"Keyword"`
	Offset    *int64  `json:"Offset"`
	Limit     *int64  `json:"Limit"`
}

func tencentHandler(b *backend) http.Handler {
	v := &tc3Verifier{service: "cdn", lookup: b.credentials, maxSkew: 5 * time.Minute}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveTencent(b, v, w, r) })
}

func serveTencent(b *backend, v *tc3Verifier, w http.ResponseWriter, r *http.Request) {
	b.stats.calls.Add(1)
	reqID := newTencentRequestID()
	fail := func(e *tencentError) {
		throttled := strings.HasPrefix(e.Code, "RequestLimitExceeded")
		if e.Status == http.StatusOK || throttled {
			b.stats.refused(throttled)
		} else {
			b.stats.answered(e.Status)
		}
		b.log.Debug("refused", "requestId", reqID, "status", e.Status, "code", e.Code)
		writeTencentError(w, reqID, e)
	}
	if !b.pause(r.Context()) {
		return
	}
	switch b.faults.next() {
	case faultThrottle:
		fail(&tencentError{200, "RequestLimitExceeded", "Your current request times equals to `20` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls."})
		return
	case fault5xx:
		// What a client sees when the gateway in front of the API fails.
		b.stats.answered(http.StatusServiceUnavailable)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost {
		fail(&tencentError{200, "InvalidParameter", "The request must be a POST with a JSON body."})
		return
	}
	keyID, terr := v.verify(r, body, time.Now())
	if terr != nil {
		b.stats.sigFailures.Add(1)
		fail(terr)
		return
	}
	if act := r.Header.Get("X-TC-Action"); tencentSubmitActions[act] { // tencent_submit.go
		tencentSubmit(b, act, keyID, body, reqID, w, fail)
		return
	}
	if !b.allow(keyID) {
		fail(&tencentError{200, "RequestLimitExceeded", fmt.Sprintf("Your current request times exceeds the frequency limit `%.0f` for a second.", b.currentLimits().QPS)})
		return
	}
	if ver := r.Header.Get("X-TC-Version"); ver != tencentVersion {
		fail(&tencentError{200, "NoSuchVersion", fmt.Sprintf("The requested version `%s` of API is not supported.", ver)})
		return
	}
	action := r.Header.Get("X-TC-Action")
	push := action == "DescribePushTasks"
	if !push && action != "DescribePurgeTasks" {
		fail(&tencentError{200, "InvalidAction", fmt.Sprintf("The requested action `%s` does not exist.", action)})
		return
	}
	var q tencentQuery
	if err := json.Unmarshal(body, &q); err != nil {
		fail(&tencentError{200, "InvalidParameter", "The request body is not valid JSON."})
		return
	}
	res, terr := tencentDescribe(b, q, push, reqID)
	if terr != nil {
		fail(terr)
		return
	}
	b.stats.answered(http.StatusOK)
	writeTencentJSON(w, reqID, map[string]any{"Response": res})
}

// tencentDescribe answers one query for a task id: every row of the task (if it is of
// the asked kind and within retention), paged by Offset/Limit.
func tencentDescribe(b *backend, q tencentQuery, push bool, reqID string) (map[string]any, *tencentError) {
	if q.TaskID == nil && q.StartTime == nil {
		return nil, &tencentError{200, "MissingParameter", "Either TaskId or StartTime must be specified."}
	}
	offset, limit := int64(0), int64(20)
	if q.Offset != nil {
		offset = *q.Offset
	}
	if q.Limit != nil {
		limit = *q.Limit
	}
	if offset < 0 || limit < 1 || limit > 1000 {
		return nil, &tencentError{200, "InvalidParameter.CdnParamError", "Offset must be >= 0 and Limit between 1 and 1000."}
	}
	now := b.sim.Now()
	var tasks []Task
	listing := q.TaskID == nil
	if listing {
		var terr *tencentError
		if tasks, terr = tencentList(b, q, now); terr != nil {
			return nil, terr
		}
	} else {
		id := *q.TaskID
		b.stats.observeIDs(1)
		if !tencentWellFormed(id) {
			return nil, &tencentError{200, "InvalidParameter.CdnParamError", fmt.Sprintf("TaskId %q is invalid.", id)}
		}
		tasks = b.lookup([]string{id}, now)
	}
	keep := func(string) bool { return true }
	if listing && q.Keyword != nil && *q.Keyword != "" {
		keep = tencentKeyword(*q.Keyword)
	}
	var purge []tencentPurgeTask
	var pushes []tencentPushTask
	for _, t := range tasks {
		if tencentIsPush(t) != push {
			continue
		}
		for _, o := range t.Objects {
			if !keep(o.Path) {
				continue
			}
			if push {
				pushes = append(pushes, tencentPushRow(t, o, now))
			} else {
				purge = append(purge, tencentPurgeRow(t, o, now))
			}
		}
	}
	page := func(n int) (lo, hi int) {
		lo, hi = min(int(offset), n), min(int(offset+limit), n)
		return lo, hi
	}
	res := map[string]any{"RequestId": reqID}
	var lo, hi int
	if push {
		lo, hi = page(len(pushes))
		res["PushLogs"], res["TotalCount"] = append([]tencentPushTask{}, pushes[lo:hi]...), len(pushes)
	} else {
		lo, hi = page(len(purge))
		res["PurgeLogs"], res["TotalCount"] = append([]tencentPurgeTask{}, purge[lo:hi]...), len(purge)
	}
	if listing {
		b.stats.listCalls.Add(1)
		b.stats.listRows.Add(int64(hi - lo))
	}
	return res, nil
}

func tencentIsPush(t Task) bool { return len(t.Objects) > 0 && t.Objects[0].Type == TypePreload }

func tencentPurgeRow(t Task, o Object, now time.Time) tencentPurgeTask {
	row := tencentPurgeTask{TaskID: t.ID, URL: o.Path, PurgeType: "url", FlushType: "delete",
		CreateTime: t.Created.In(tencentZone).Format(time.DateTime)}
	if o.Type == TypeDirectory {
		row.PurgeType, row.FlushType = "path", "flush"
	}
	switch ph, _ := o.state(t.Created, now); ph {
	case phaseComplete:
		row.Status = "done"
	case phaseFailed:
		row.Status = "fail"
	default:
		row.Status = "process"
	}
	return row
}

func tencentPushRow(t Task, o Object, now time.Time) tencentPushTask {
	created := t.Created.In(tencentZone).Format(time.DateTime)
	row := tencentPushTask{TaskID: t.ID, URL: o.Path, Area: "mainland", CreateTime: created, UpdateTime: created}
	ph, pct := o.state(t.Created, now)
	row.Percent = int64(pct)
	switch ph {
	case phaseComplete:
		row.Status = "done"
	case phaseFailed:
		row.Status = "fail"
		if tencentOriginFailure(o.FailReason) {
			row.Status = "invalid"
		}
	default:
		row.Status = "process"
	}
	if ph == phaseComplete || ph == phaseFailed {
		row.UpdateTime = t.Created.Add(o.PendingFor + o.Duration).In(tencentZone).Format(time.DateTime)
	}
	return row
}

// tencentOriginFailure: Tencent calls a prefetch "invalid" when the origin answered
// 4xx/5xx.
func tencentOriginFailure(reason string) bool {
	r := strings.ToUpper(reason)
	return strings.Contains(r, "ORIGIN") && (strings.Contains(r, "4XX") || strings.Contains(r, "5XX") ||
		strings.Contains(r, "STATUSCODE"))
}

// tencentWellFormed: Tencent task ids are long decimal numbers (e.g. "153303185323131331").
// Tencent does not document its answer to a malformed one; the simulator assumes a
// parameter error, which the driver must then report as a malformed id.
func tencentWellFormed(id string) bool { return len(id) <= 32 && allDigits(id) }

func writeTencentError(w http.ResponseWriter, reqID string, e *tencentError) {
	body := map[string]any{"Response": map[string]any{
		"Error":     map[string]string{"Code": e.Code, "Message": e.Message},
		"RequestId": reqID,
	}}
	writeTencentJSON(w, reqID, body)
}

func writeTencentJSON(w http.ResponseWriter, reqID string, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		buf = []byte(`{"Response":{"Error":{"Code":"InternalError","Message":"encoding failed"},"RequestId":"` + reqID + `"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-TC-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
}

// newTencentRequestID is a lower-case UUID, as Tencent's RequestId.
func newTencentRequestID() string { return strings.ToLower(newRequestID()) }

// tencentID formats task ids as Tencent does: 18-digit decimal numbers.
func tencentID(seq int64) string { return fmt.Sprintf("%018d", seq) }

func init() {
	register(profile{
		name: "tencent-cdn",
		// ListQPS only records the limit: listing is the same actions as the by-id query,
		// so both draw on the one QPS bucket. Limit is 1 to 1000 (undocumented; assumed).
		limits:   Limits{IDsPerCall: 1, QPS: 20, Retention: 30 * 24 * time.Hour, ListQPS: 20, PageSize: 1000},
		firstID:  153_303_185_323_100_000,
		formatID: tencentID,
		handler:  tencentHandler,
	})
}
