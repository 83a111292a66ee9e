package cdnsim

// Volcengine OpenAPI plumbing shared by the Volcengine products (multi-cloud CDN, CDN):
// Action/Version in the query, a JSON body, the HMAC-SHA256 signature (volc_sign.go),
// the rate limit, and the ResponseMetadata envelope of answers and errors:
//
//	{"ResponseMetadata":{"RequestId","Action","Version","Service","Region"},"Result":{...}}
//	{"ResponseMetadata":{...,"Error":{"CodeN":N,"Code":"...","Message":"..."}}}
//
// Error codes and statuses follow Volcengine's public error code table: 401 for
// MissingAuthenticationToken, InvalidAccessKey, SignatureDoesNotMatch, InvalidSecretToken;
// 403 InvalidTimestamp; 400 InvalidAuthorization / InvalidCredential / MissingParameter /
// InvalidParameter; 404 InvalidActionOrVersion; 429 FlowLimitExceeded; 5xx InternalError /
// ServiceUnavailableTemp.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

const volcRegion = "cn-north-1"

// volcAPI is one Volcengine service's OpenAPI.
type volcAPI struct {
	service string // the credential scope's service and ResponseMetadata.Service: "mcdn", "cdn"
	version string // e.g. "2022-03-01"
	actions map[string]volcAction
	// ownLimits are the actions with a flow limit of their own (calls/s per access key),
	// apart from the service's bucket (Limits.QPS) the other actions share. Each is
	// counted under the action's name, in a window of its own; Limits.APIs, keyed by the
	// action, overrides the documented rate.
	ownLimits map[string]float64
}

// allow counts the call against the limit action draws on: its own, or the service's.
func (a *volcAPI) allow(b *backend, action, keyID string) bool {
	qps, own := a.ownLimits[action]
	if !own {
		return b.allow(keyID)
	}
	if o := b.apiLimit(action); o > 0 {
		qps = o
	}
	return b.admitAt(keyID, action, qps)
}

// volcAction answers one action from its decoded JSON body; the result becomes "Result".
type volcAction func(b *backend, c *volcCall) (any, *volcError)

// volcCall is one authenticated request.
type volcCall struct {
	body []byte
	now  time.Time // task clock
}

// decode reads the JSON body into v; an empty body is an empty object.
func (c *volcCall) decode(v any) *volcError {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return &volcError{400, "InvalidParameter", "The request body is not valid JSON: " + err.Error()}
	}
	return nil
}

// volcError is an API refusal.
type volcError struct {
	Status  int
	Code    string
	Message string
}

var (
	volcThrottled   = &volcError{429, "FlowLimitExceeded", "Request was denied due to api flow limit exceeded."}
	volcUnavailable = &volcError{503, "ServiceUnavailableTemp", "Service is temporarily unavailable. Please try again later."}
)

type volcMetadata struct {
	RequestID string         `json:"RequestId"`
	Action    string         `json:"Action"`
	Version   string         `json:"Version"`
	Service   string         `json:"Service"`
	Region    string         `json:"Region"`
	Error     *volcErrorBody `json:"Error,omitempty"`
}

type volcErrorBody struct {
	CodeN   int    `json:"CodeN"`
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

type volcEnvelope struct {
	ResponseMetadata volcMetadata `json:"ResponseMetadata"`
	Result           any          `json:"Result,omitempty"`
}

func (a *volcAPI) handler(b *backend) http.Handler {
	v := &volcVerifier{service: a.service, lookup: b.credentials, maxSkew: 15 * time.Minute}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(b, v, w, r) })
}

func (a *volcAPI) serve(b *backend, v *volcVerifier, w http.ResponseWriter, r *http.Request) {
	b.stats.calls.Add(1)
	q := r.URL.Query()
	meta := volcMetadata{RequestID: newVolcRequestID(), Action: q.Get("Action"), Version: q.Get("Version"),
		Service: a.service, Region: volcRegion}
	log := b.log.With("requestId", meta.RequestID)
	fail := func(e *volcError) {
		b.stats.answered(e.Status)
		log.Debug("refused", "status", e.Status, "code", e.Code, "message", e.Message)
		m := meta
		m.Error = &volcErrorBody{CodeN: volcCodeN(e.Status), Code: e.Code, Message: e.Message}
		writeVolc(w, e.Status, volcEnvelope{ResponseMetadata: m})
	}
	if !b.pause(r.Context()) {
		return
	}
	switch b.faults.next() {
	case faultThrottle:
		fail(volcThrottled)
		return
	case fault5xx:
		fail(volcUnavailable)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(&volcError{400, "InvalidParameter", "The request body could not be read."})
		return
	}
	keyID, verr := v.verify(r, body, time.Now())
	if verr != nil {
		b.stats.sigFailures.Add(1)
		fail(verr)
		return
	}
	allow := func(k string) bool { return a.allow(b, meta.Action, k) }
	if volcSubmitActions[a.service+"/"+meta.Action] { // volc_submit.go
		allow = func(k string) bool { b.submitCalled(meta.Action); return b.allowSubmit(meta.Action, k) }
	}
	if !allow(keyID) {
		fail(volcThrottled)
		return
	}
	act, ok := a.actions[meta.Action]
	if !ok || meta.Version != a.version {
		fail(&volcError{404, "InvalidActionOrVersion", "Could not find operation " + meta.Action + " for version " + meta.Version})
		return
	}
	res, verr := act(b, &volcCall{body: body, now: b.sim.Now()})
	if verr != nil {
		fail(verr)
		return
	}
	b.stats.answered(http.StatusOK)
	writeVolc(w, http.StatusOK, volcEnvelope{ResponseMetadata: meta, Result: res})
}

// volcCodeN mimics the numeric codes Volcengine sends beside the text code.
func volcCodeN(status int) int { return 100000 + status }

func writeVolc(w http.ResponseWriter, status int, v volcEnvelope) {
	buf, err := json.Marshal(v)
	if err != nil {
		status, buf = http.StatusInternalServerError,
			[]byte(`{"ResponseMetadata":{"Error":{"Code":"InternalError","Message":"encoding failed"}}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Tt-Logid", v.ResponseMetadata.RequestID)
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// newVolcRequestID makes an id shaped like Volcengine's: a timestamp then hex,
// e.g. "20240219203648DAF5D97481B3BEAA59AC".
func newVolcRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102150405") + strings.ToUpper(hex.EncodeToString(b[:]))
}

// volcWindow is the creation-time window of a Volcengine query: [from, to], both as Unix
// seconds in the request. Outside retention nothing is returned.
func volcWindow(start, end int64, now time.Time, retention, fallback time.Duration) (from, to time.Time) {
	if start <= 0 || end <= 0 || start > end {
		// Documented for ListContentTasks: no or an invalid window means the last 24 hours.
		from, to = now.Add(-fallback), now
	} else {
		from, to = time.Unix(start, 0), time.Unix(end, 0)
	}
	if oldest := now.Add(-retention); from.Before(oldest) {
		from = oldest
	}
	return from, to
}
