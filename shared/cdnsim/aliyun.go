package cdnsim

// Alibaba Cloud RPC-style API plumbing shared by the Aliyun products (CDN, DCDN): request
// parsing, ACS3 signature check, rate limit, error bodies. Each product is a file that
// declares an aliyunAPI with its actions and registers a profile.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// aliyunAPI is one Alibaba Cloud product's RPC API.
type aliyunAPI struct {
	product string // for the Recommend link, e.g. "Cdn"
	host    string // HostId in error bodies, e.g. "cdn.aliyuncs.com"
	version string // API version, e.g. "2018-05-10"
	actions map[string]aliyunAction
}

// aliyunAction answers one action; the result is encoded as the JSON body.
type aliyunAction func(b *backend, c *aliyunCall) (any, *acsError)

// aliyunCall is one authenticated request.
type aliyunCall struct {
	params    url.Values // query string merged with a form body
	requestID string
	keyID     string
	now       time.Time // task clock
}

func (a *aliyunAPI) handler(b *backend) http.Handler {
	v := &acsVerifier{lookup: b.credentials, nonces: b.nonces, maxSkew: 15 * time.Minute}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.serve(b, v, w, r)
	})
}

func (a *aliyunAPI) serve(b *backend, v *acsVerifier, w http.ResponseWriter, r *http.Request) {
	b.stats.calls.Add(1)
	reqID := newRequestID()
	log := b.log.With("requestId", reqID)
	fail := func(e *acsError) {
		b.stats.answered(e.Status)
		log.Debug("refused", "status", e.Status, "code", e.Code, "message", e.Message)
		a.writeError(w, reqID, e)
	}
	if !b.pause(r.Context()) {
		return // the client went away
	}
	switch b.faults.next() {
	case faultThrottle:
		fail(&acsError{429, "TooManyRequests", "Too many requests, please try again later"})
		return
	case fault5xx:
		fail(&acsError{503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."})
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(&acsError{400, "InvalidParameter", "The request body could not be read."})
		return
	}
	keyID, aerr := v.verify(r, body, time.Now())
	if aerr != nil {
		b.stats.sigFailures.Add(1)
		fail(aerr)
		return
	}
	params := r.URL.Query()
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			fail(&acsError{400, "InvalidParameter", "The form body is malformed."})
			return
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	action := firstNonEmpty(r.Header.Get("x-acs-action"), params.Get("Action"))
	version := firstNonEmpty(r.Header.Get("x-acs-version"), params.Get("Version"))
	if version != a.version {
		fail(&acsError{400, "InvalidVersion", fmt.Sprintf("Specified parameter Version %q is not valid.", version)})
		return
	}
	act, ok := a.actions[action]
	if !ok {
		fail(&acsError{404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."})
		return
	}
	// Each API has its own flow control: listing (aliyun_list.go) is counted apart from
	// query-by-id, as Alibaba Cloud does.
	allow := b.allow
	if aliyunListActions[action] {
		allow = b.allowList
	}
	if _, ok := aliyunSubmitQPS[action]; ok { // aliyun_submit.go
		allow = func(k string) bool { b.submitCalled(action); return b.allowSubmit(action, k) }
	}
	if !allow(keyID) {
		fail(&acsError{429, "TooManyRequests", "Too many requests, please try again later"})
		return
	}
	res, aerr := act(b, &aliyunCall{params: params, requestID: reqID, keyID: keyID, now: b.sim.Now()})
	if aerr != nil {
		fail(aerr)
		return
	}
	b.stats.answered(http.StatusOK)
	log.Debug("answered", "action", action)
	writeJSON(w, http.StatusOK, reqID, res)
}

// aliyunErrorBody is the shape Alibaba Cloud's gateway answers errors with.
type aliyunErrorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

func (a *aliyunAPI) writeError(w http.ResponseWriter, reqID string, e *acsError) {
	if e.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, e.Status, reqID, aliyunErrorBody{
		RequestID: reqID,
		HostID:    a.host,
		Code:      e.Code,
		Message:   e.Message,
		Recommend: fmt.Sprintf("https://api.aliyun.com/troubleshoot?q=%s&product=%s&requestId=%s",
			url.QueryEscape(e.Code), a.product, reqID),
	})
}

func writeJSON(w http.ResponseWriter, status int, reqID string, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		status, buf = http.StatusInternalServerError, []byte(`{"Code":"InternalError","Message":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("x-acs-request-id", reqID)
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// newRequestID makes an id shaped like Aliyun's: 8-4-4-4-12 upper-case hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// aliyunNumericID formats Aliyun-style task ids: numeric strings of about 11 digits.
func aliyunNumericID(seq int64) string { return strconv.FormatInt(seq, 10) }

// aliyunRefreshRow is one row of DescribeRefreshTaskById / DescribeDcdnRefreshTaskById,
// with exactly the documented fields.
type aliyunRefreshRow struct {
	CreationTime string `json:"CreationTime"`
	Description  string `json:"Description"`
	ObjectPath   string `json:"ObjectPath"`
	ObjectType   string `json:"ObjectType"`
	Process      string `json:"Process"`
	Status       string `json:"Status"`
	TaskID       string `json:"TaskId"`
}

type aliyunRefreshByIDResponse struct {
	RequestID  string             `json:"RequestId"`
	Tasks      []aliyunRefreshRow `json:"Tasks"`
	TotalCount int64              `json:"TotalCount"`
}

// aliyunRefreshTaskByID answers the refresh-task-by-id query that CDN and DCDN share:
// TaskId is up to IDsPerCall comma-separated numeric ids; each id known and within
// retention yields one row per object; other ids yield nothing.
func aliyunRefreshTaskByID(b *backend, c *aliyunCall) (any, *acsError) {
	raw := c.params.Get("TaskId")
	if strings.TrimSpace(raw) == "" {
		return nil, &acsError{400, "MissingParameter",
			`The input parameter "TaskId" that is mandatory for processing this request is not supplied.`}
	}
	var ids []string
	for _, id := range strings.Split(raw, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	b.stats.observeIDs(len(ids))
	lim := b.currentLimits()
	if len(ids) > lim.IDsPerCall {
		return nil, &acsError{400, "InvalidTaskId", fmt.Sprintf("The maximum number of taskIds is %d.", lim.IDsPerCall)}
	}
	for _, id := range ids {
		if !allDigits(id) {
			return nil, &acsError{400, "InvalidTaskId.Malformed", "The specified TaskId is invalid."}
		}
	}
	resp := aliyunRefreshByIDResponse{RequestID: c.requestID, Tasks: []aliyunRefreshRow{}}
	for _, t := range b.lookup(ids, c.now) {
		for _, o := range t.Objects {
			resp.Tasks = append(resp.Tasks, aliyunRow(t, o, c.now))
		}
	}
	resp.TotalCount = int64(len(resp.Tasks))
	return resp, nil
}

func aliyunRow(t Task, o Object, now time.Time) aliyunRefreshRow {
	row := aliyunRefreshRow{
		CreationTime: t.Created.UTC().Format("2006-01-02T15:04:05Z"),
		ObjectPath:   o.Path,
		ObjectType:   o.Type,
		TaskID:       t.ID,
	}
	ph, pct := o.state(t.Created, now)
	row.Process = formatPercent(pct)
	switch ph {
	case phasePending:
		row.Status = "Pending"
	case phaseRunning:
		row.Status = "Refreshing"
	case phaseComplete:
		row.Status = "Complete"
	case phaseFailed:
		row.Status, row.Description = "Failed", o.FailReason
	}
	return row
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
