package cdnsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/volcengine/volc-sdk-golang/base"

	"cdnwatch/shared/cdnsim"
)

const (
	volcKey    = "AKLTvolcSimTestKey"
	volcSecret = "volc-sim-test-secret-5e1a"
)

// volcCall is one request signed by the official signer (volc-sdk-golang base.Sign4,
// the one volcengine-go-sdk uses), then optionally tampered with.
type volcCall struct {
	action, version, service, body string
	secret                         string
	tamper                         func(r *http.Request)
}

type volcAnswer struct {
	status int
	meta   struct {
		RequestID, Action, Version, Service, Region string `json:",omitempty"`
		Error                                       *struct{ Code, Message string }
	}
	result json.RawMessage
}

func (c volcCall) do(t *testing.T, srv *httptest.Server) volcAnswer {
	t.Helper()
	if c.secret == "" {
		c.secret = volcSecret
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/?Action="+c.action+"&Version="+c.version, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req = base.Credentials{AccessKeyID: volcKey, SecretAccessKey: c.secret, Service: c.service, Region: "cn-north-1"}.Sign(req)
	if c.tamper != nil {
		c.tamper(req)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		ResponseMetadata json.RawMessage
		Result           json.RawMessage
	}
	a := volcAnswer{status: resp.StatusCode}
	if err := json.Unmarshal(raw, &env); err != nil || json.Unmarshal(env.ResponseMetadata, &a.meta) != nil {
		t.Fatalf("answer %d is not a Volcengine envelope: %s", resp.StatusCode, raw)
	}
	a.result = env.Result
	return a
}

func newVolcSim(t *testing.T, provider string, opts cdnsim.Options) (*cdnsim.Sim, *httptest.Server) {
	t.Helper()
	opts.AccessKeyID, opts.AccessKeySecret = volcKey, volcSecret
	sim := cdnsim.New(opts)
	srv := httptest.NewServer(sim.Handler(provider))
	t.Cleanup(srv.Close)
	return sim, srv
}

func mcdnCall(body string) volcCall {
	return volcCall{action: "ListContentTasks", version: "2022-03-01", service: "mcdn", body: body}
}

// The verifier accepts what the official signer signs, and refuses every alteration
// with the documented code and status.
func TestVolcSignature(t *testing.T) {
	_, srv := newVolcSim(t, "volc-mcdn", cdnsim.Options{})
	if a := mcdnCall(`{}`).do(t, srv); a.status != 200 || a.meta.Error != nil || a.meta.Service != "mcdn" ||
		a.meta.Action != "ListContentTasks" || a.meta.RequestID == "" {
		t.Fatalf("signed call: %d %+v", a.status, a.meta)
	}
	for _, tt := range []struct {
		name   string
		call   volcCall
		status int
		code   string
	}{
		{"WrongSecret", volcCall{secret: "other-secret"}, 401, "SignatureDoesNotMatch"},
		{"BodyChanged", volcCall{tamper: func(r *http.Request) {
			const other = `{"TaskId":"x"}`
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(other)), int64(len(other))
		}}, 401, "SignatureDoesNotMatch"},
		{"QueryChanged", volcCall{tamper: func(r *http.Request) { r.URL.RawQuery += "&Extra=1" }}, 401, "SignatureDoesNotMatch"},
		{"WrongService", volcCall{service: "cdn"}, 401, "SignatureDoesNotMatch"},
		{"NoAuthorization", volcCall{tamper: func(r *http.Request) { r.Header.Del("Authorization") }}, 401, "MissingAuthenticationToken"},
		{"UnknownKey", volcCall{tamper: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), volcKey, "AKLTnobody", 1))
		}}, 401, "InvalidAccessKey"},
		{"Expired", volcCall{tamper: func(r *http.Request) {
			// Re-sign an hour ago: a correct signature, out of the allowed skew.
			old := time.Now().UTC().Add(-time.Hour).Format("20060102T150405Z")
			r.Header.Set("X-Date", old)
			r.Header.Del("Authorization")
			r.Body = io.NopCloser(strings.NewReader(`{}`))
			base.Credentials{AccessKeyID: volcKey, SecretAccessKey: volcSecret, Service: "mcdn", Region: "cn-north-1"}.Sign(r)
		}}, 403, "InvalidTimestamp"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := mcdnCall(`{}`)
			c.secret, c.tamper = tt.call.secret, tt.call.tamper
			if tt.call.service != "" {
				c.service = tt.call.service
			}
			a := c.do(t, srv)
			if a.status != tt.status || a.meta.Error == nil || a.meta.Error.Code != tt.code {
				t.Errorf("got %d %+v, want %d %s", a.status, a.meta.Error, tt.status, tt.code)
			}
		})
	}
}

// Throttling answers 429 FlowLimitExceeded in the envelope, per access key, at the
// documented rate.
func TestVolcRateLimit(t *testing.T) {
	sim, srv := newVolcSim(t, "volc-cdn", cdnsim.Options{})
	body := `{"TaskType":"refresh_file"}`
	call := volcCall{action: "DescribeContentTasks", version: "2021-03-01", service: "cdn", body: body}
	throttled := 0
	for i := 0; i < 30; i++ {
		if a := call.do(t, srv); a.status == 429 {
			if a.meta.Error == nil || a.meta.Error.Code != "FlowLimitExceeded" {
				t.Fatalf("429 with %+v", a.meta.Error)
			}
			throttled++
		}
	}
	if st := sim.Stats("volc-cdn"); throttled < 5 || st.Throttled != int64(throttled) {
		t.Errorf("%d of 30 back-to-back calls throttled (stats %+v); want the 20/s bucket to refuse about 10", throttled, st)
	}
}

// volc-cdn: TaskType is required; rows are per URL, filtered by type; StartTime and
// EndTime come together.
func TestVolcCDNDescribeContentTasks(t *testing.T) {
	sim, srv := newVolcSim(t, "volc-cdn", cdnsim.Options{})
	id := sim.AddTask("volc-cdn", cdnsim.Task{Created: time.Now().Add(-time.Hour), Objects: []cdnsim.Object{
		{Path: "https://w.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Minute},
		{Path: "https://w.example.com/b.js", Type: cdnsim.TypeFile, Duration: time.Minute, FailReason: "Origin Timeout"},
	}})
	if !strings.HasPrefix(id, "refresh_url_") {
		t.Errorf("refresh task id %q", id)
	}
	call := func(body string) volcAnswer {
		return volcCall{action: "DescribeContentTasks", version: "2021-03-01", service: "cdn", body: body}.do(t, srv)
	}
	if a := call(`{"TaskID":"` + id + `"}`); a.status != 400 || a.meta.Error.Code != "MissingParameter" {
		t.Errorf("no TaskType: %d %+v", a.status, a.meta.Error)
	}
	if a := call(`{"TaskID":"` + id + `","TaskType":"refresh_file","StartTime":1}`); a.status != 400 {
		t.Errorf("StartTime alone: %d", a.status)
	}
	var res struct {
		Data  []struct{ TaskID, Url, Status, TaskType string }
		Total int
	}
	a := call(`{"TaskID":"` + id + `","TaskType":"refresh_file"}`)
	if err := json.Unmarshal(a.result, &res); err != nil || res.Total != 2 || len(res.Data) != 2 ||
		res.Data[0].Status != "complete" || res.Data[1].Status != "failed" || res.Data[1].Url != "https://w.example.com/b.js" {
		t.Errorf("rows %s", a.result)
	}
	if a := call(`{"TaskID":"` + id + `","TaskType":"preload"}`); !bytes.Contains(a.result, []byte(`"Total":0`)) {
		t.Errorf("wrong TaskType still found the task: %s", a.result)
	}
}

// volc-mcdn: one sub-task per object, on the vendor VolcMCDNVendor names; TaskStatus
// follows the objects; the default window is the last 24 hours.
func TestVolcMCDNListContentTasks(t *testing.T) {
	sim, srv := newVolcSim(t, "volc-mcdn", cdnsim.Options{})
	// Duration 0: refused at submission, the failure ListContentTasks shows.
	bad := cdnsim.Object{Path: "https://m.example.com/b.js", Type: cdnsim.TypeFile, FailReason: "quota exceeded"}
	id := sim.AddTask("volc-mcdn", cdnsim.Task{Created: time.Now().Add(-time.Hour), Objects: []cdnsim.Object{
		{Path: "https://m.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}, bad}})
	old := sim.AddTask("volc-mcdn", cdnsim.Task{Created: time.Now().Add(-30 * time.Hour), Objects: []cdnsim.Object{
		{Path: "https://m.example.com/old.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	var res struct {
		Tasks []struct {
			TaskID     string `json:"TaskId"`
			TaskStatus string
			SubTasks   []struct {
				Vendor, CloudAccountName, SubmitStatus, Description string
				Url                                                 []string
			}
		}
	}
	a := mcdnCall(`{"TaskId":"`+id+`"}`).do(t, srv)
	if err := json.Unmarshal(a.result, &res); err != nil || len(res.Tasks) != 1 || res.Tasks[0].TaskStatus != "done" ||
		len(res.Tasks[0].SubTasks) != 2 {
		t.Fatalf("answer %s", a.result)
	}
	st := res.Tasks[0].SubTasks[1]
	vendor, account := cdnsim.VolcMCDNVendor(bad.Path)
	if st.SubmitStatus != "failed" || st.Description != "quota exceeded" || st.Vendor != vendor ||
		st.CloudAccountName != account || len(st.Url) != 1 || st.Url[0] != bad.Path {
		t.Errorf("failed sub-task %+v", st)
	}
	if a := mcdnCall(`{"TaskId":"`+old+`"}`).do(t, srv); !bytes.Contains(a.result, []byte(`"Tasks":[]`)) {
		t.Errorf("a task past the 24 h retention was found: %s", a.result)
	}
}
