package cdnsim_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
)

const (
	provider = "aliyun-cdn"
	keyID    = "LTAI5tSimTestKey"
	secret   = "sim-test-secret-3b7f0d"
)

// rawCall is one hand-built request, signed (or not) by the test's own ACS3 signer.
type rawCall struct {
	query   url.Values
	body    string
	keyID   string
	secret  string
	unsign  bool                      // send no Authorization
	date    time.Time                 // zero: now
	nonce   string                    // empty: random
	tamper  func(r *http.Request)     // applied after signing
	headers func(h map[string]string) // extra headers before signing, lower-case names
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func newSim(t *testing.T, opts cdnsim.Options) (*cdnsim.Sim, *httptest.Server) {
	t.Helper()
	opts.AccessKeyID, opts.AccessKeySecret = keyID, secret
	sim := cdnsim.New(opts)
	srv := httptest.NewServer(sim.Handler(provider))
	t.Cleanup(srv.Close)
	return sim, srv
}

func (c rawCall) do(t *testing.T, srv *httptest.Server) answer {
	t.Helper()
	a, err := c.send(srv)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (c rawCall) send(srv *httptest.Server) (answer, error) {
	u, _ := url.Parse(srv.URL)
	u.Path = "/"
	u.RawQuery = c.query.Encode()
	req, err := http.NewRequest(http.MethodPost, u.String(), strings.NewReader(c.body))
	if err != nil {
		return answer{}, err
	}
	if c.keyID == "" {
		c.keyID = keyID
	}
	if c.secret == "" {
		c.secret = secret
	}
	if c.date.IsZero() {
		c.date = time.Now()
	}
	if c.nonce == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		c.nonce = hex.EncodeToString(b[:])
	}
	sum := sha256.Sum256([]byte(c.body))
	h := map[string]string{
		"host":                  u.Host,
		"x-acs-action":          "DescribeRefreshTaskById",
		"x-acs-version":         "2018-05-10",
		"x-acs-date":            c.date.UTC().Format("2006-01-02T15:04:05Z"),
		"x-acs-signature-nonce": c.nonce,
		"x-acs-content-sha256":  hex.EncodeToString(sum[:]),
	}
	if c.body != "" {
		h["content-type"] = "application/x-www-form-urlencoded"
	}
	if c.headers != nil {
		c.headers(h)
	}
	for k, v := range h {
		if k != "host" {
			req.Header.Set(k, v)
		}
	}
	if !c.unsign {
		req.Header.Set("Authorization", sign(req.Method, u.RawQuery, h, hex.EncodeToString(sum[:]), c.keyID, c.secret))
	}
	if c.tamper != nil {
		c.tamper(req)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		return a, fmt.Errorf("answer is not JSON: %v: %s", err, raw)
	}
	return a, nil
}

// sign is the test's own ACS3-HMAC-SHA256 signer, written from the published algorithm;
// it signs every header given except those the test adds after signing.
func sign(method, rawQuery string, headers map[string]string, payloadHash, id, key string) string {
	q, _ := url.ParseQuery(rawQuery)
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, enc(k)+"="+enc(v))
		}
	}
	sort.Strings(pairs)
	names := slices.Sorted(maps.Keys(headers))
	var ch strings.Builder
	for _, n := range names {
		ch.WriteString(n + ":" + strings.TrimSpace(headers[n]) + "\n")
	}
	canonical := strings.Join([]string{method, "/", strings.Join(pairs, "&"), ch.String(),
		strings.Join(names, ";"), payloadHash}, "\n")
	d := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(d[:])))
	return "ACS3-HMAC-SHA256 Credential=" + id + ",SignedHeaders=" + strings.Join(names, ";") +
		",Signature=" + hex.EncodeToString(mac.Sum(nil))
}

func enc(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
}

func ids(s ...string) url.Values { return url.Values{"TaskId": {strings.Join(s, ",")}} }

func keysOf(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// The answer has exactly the documented fields (seed 002's JSON example) and the
// documented formats.
func TestWireFormatMatchesSeed(t *testing.T) {
	seedRaw, err := os.ReadFile("testdata/describe_refresh_task_by_id.seed.json")
	if err != nil {
		t.Fatal(err)
	}
	var seed map[string]any
	if err := json.Unmarshal(seedRaw, &seed); err != nil {
		t.Fatal(err)
	}
	seedRow := seed["Tasks"].([]any)[0].(map[string]any)

	t0 := time.Date(2026, 3, 1, 8, 54, 23, 0, time.UTC)
	clock := cdnsim.NewManualClock(t0)
	sim, srv := newSim(t, cdnsim.Options{Now: clock.Now})
	done := sim.AddTask(provider, cdnsim.Task{Created: t0, Objects: []cdnsim.Object{
		{Path: "http://example.com/abc.jpg", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	running := sim.AddTask(provider, cdnsim.Task{Created: t0, Objects: []cdnsim.Object{
		{Path: "http://example.com/bcd.jpg", Type: cdnsim.TypeFile, Duration: 10000 * time.Second}}})
	failed := sim.AddTask(provider, cdnsim.Task{Created: t0, Objects: []cdnsim.Object{
		{Path: "http://example.com/dir/", Type: cdnsim.TypeDirectory, Duration: time.Minute, FailReason: "Origin Timeout"}}})
	multi := sim.AddTask(provider, cdnsim.Task{Created: t0, Objects: []cdnsim.Object{
		{Path: "http://example.com/a.mp4", Type: cdnsim.TypePreload, Duration: time.Minute},
		{Path: "http://example.com/b.mp4", Type: cdnsim.TypePreload, Duration: time.Minute},
		{Path: "http://example.com/c.mp4", Type: cdnsim.TypePreload, PendingFor: 4 * time.Hour, Duration: time.Minute},
	}})
	clock.Advance(9937 * time.Second)

	a := rawCall{query: ids(done, running, failed, multi)}.do(t, srv)
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	if got, want := keysOf(a.body), keysOf(seed); !slices.Equal(got, want) {
		t.Fatalf("top-level fields %v, want the seed's %v", got, want)
	}
	rows := a.body["Tasks"].([]any)
	if len(rows) != 6 || a.body["TotalCount"] != float64(6) {
		t.Fatalf("got %d rows, TotalCount %v; want 6 (one per object)", len(rows), a.body["TotalCount"])
	}
	want := []struct{ id, status, process, desc, typ string }{
		{done, "Complete", "100%", "", "file"},
		{running, "Refreshing", "99.37%", "", "file"},
		{failed, "Failed", "0%", "Origin Timeout", "directory"},
		{multi, "Complete", "100%", "", "preload"},
		{multi, "Complete", "100%", "", "preload"},
		{multi, "Pending", "0%", "", "preload"},
	}
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	for i, r := range rows {
		row := r.(map[string]any)
		if got, want := keysOf(row), keysOf(seedRow); !slices.Equal(got, want) {
			t.Fatalf("row %d fields %v, want the seed's %v", i, got, want)
		}
		w := want[i]
		if row["TaskId"] != w.id || row["Status"] != w.status || row["Process"] != w.process ||
			row["Description"] != w.desc || row["ObjectType"] != w.typ {
			t.Errorf("row %d = %v, want %+v", i, row, w)
		}
		if s, _ := row["CreationTime"].(string); !stamp.MatchString(s) || s != "2026-03-01T08:54:23Z" {
			t.Errorf("row %d CreationTime %q, want 2026-03-01T08:54:23Z", i, s)
		}
	}
	if !regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`).MatchString(a.body["RequestId"].(string)) {
		t.Errorf("RequestId %v not shaped like Aliyun's", a.body["RequestId"])
	}
}

func TestLimitsAndErrors(t *testing.T) {
	clock := cdnsim.NewManualClock(time.Now().UTC())
	sim, srv := newSim(t, cdnsim.Options{Now: clock.Now})
	var ten []string
	for i := 0; i < 11; i++ {
		ten = append(ten, sim.AddTask(provider, cdnsim.Task{Objects: []cdnsim.Object{{Path: "p", Type: "file"}}}))
	}
	old := sim.AddTask(provider, cdnsim.Task{Created: clock.Now().Add(-72*time.Hour - time.Second),
		Objects: []cdnsim.Object{{Path: "old", Type: "file"}}})
	edge := sim.AddTask(provider, cdnsim.Task{Created: clock.Now().Add(-72 * time.Hour),
		Objects: []cdnsim.Object{{Path: "edge", Type: "file"}}})

	tests := []struct {
		name   string
		call   rawCall
		status int
		code   string
		msg    string
		rows   int
	}{
		{"ten ids", rawCall{query: ids(ten[:10]...)}, 200, "", "", 10},
		{"eleven ids", rawCall{query: ids(ten...)}, 400, "InvalidTaskId", "The maximum number of taskIds is 10.", 0},
		{"malformed id", rawCall{query: ids(ten[0], "12a4")}, 400, "InvalidTaskId.Malformed", "The specified TaskId is invalid.", 0},
		{"no TaskId", rawCall{query: url.Values{}}, 400, "MissingParameter", "", 0},
		{"unknown id yields no rows", rawCall{query: ids("99999999999")}, 200, "", "", 0},
		{"past retention yields no rows", rawCall{query: ids(old)}, 200, "", "", 0},
		{"exactly at retention is kept", rawCall{query: ids(edge)}, 200, "", "", 1},
		{"ids in a form body", rawCall{query: url.Values{}, body: "TaskId=" + ten[0] + "%2C" + ten[1]}, 200, "", "", 2},
		{"unknown action", rawCall{query: ids(ten[0]), headers: func(h map[string]string) { h["x-acs-action"] = "DescribeNothing" }},
			404, "InvalidAction.NotFound", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.call.do(t, srv)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.code == "" {
				if n := len(a.body["Tasks"].([]any)); n != tt.rows {
					t.Errorf("%d rows, want %d", n, tt.rows)
				}
				return
			}
			checkErrorBody(t, a, tt.code)
			if tt.msg != "" && a.body["Message"] != tt.msg {
				t.Errorf("Message %q, want %q", a.body["Message"], tt.msg)
			}
		})
	}
	if st := sim.Stats(provider); st.MaxIDsPerCall != 11 || st.Calls != int64(len(tests)) {
		t.Errorf("stats %+v: want MaxIDsPerCall 11 and %d calls", st, len(tests))
	}
}

func checkErrorBody(t *testing.T, a answer, code string) {
	t.Helper()
	if got := keysOf(a.body); !slices.Equal(got, []string{"Code", "HostId", "Message", "Recommend", "RequestId"}) {
		t.Errorf("error fields %v, want Aliyun's Code/HostId/Message/Recommend/RequestId", got)
	}
	if a.body["Code"] != code || a.body["HostId"] != "cdn.aliyuncs.com" {
		t.Errorf("error %v, want Code %s from cdn.aliyuncs.com", a.body, code)
	}
	if rec, _ := a.body["Recommend"].(string); !strings.HasPrefix(rec, "https://api.aliyun.com/troubleshoot?q="+code) {
		t.Errorf("Recommend %q", rec)
	}
}

func TestAuthentication(t *testing.T) {
	sim, srv := newSim(t, cdnsim.Options{})
	id := sim.AddTask(provider, cdnsim.Task{Objects: []cdnsim.Object{{Path: "p", Type: "file"}}})
	replayed := rawCall{query: ids(id), nonce: "fixed-nonce-1"}
	if a := replayed.do(t, srv); a.status != 200 {
		t.Fatalf("first use of a nonce refused: %s", a.raw)
	}
	tests := []struct {
		name   string
		call   rawCall
		status int
		code   string
	}{
		{"correctly signed", rawCall{query: ids(id)}, 200, ""},
		{"unsigned", rawCall{query: ids(id), unsign: true}, 400, "IncompleteSignature"},
		{"wrong secret", rawCall{query: ids(id), secret: "not-the-secret"}, 400, "SignatureDoesNotMatch"},
		{"unknown key id", rawCall{query: ids(id), keyID: "LTAIunknown"}, 404, "InvalidAccessKeyId.NotFound"},
		{"query changed after signing", rawCall{query: ids(id), tamper: func(r *http.Request) {
			r.URL.RawQuery = ids(id, "12345").Encode()
		}}, 400, "SignatureDoesNotMatch"},
		{"body changed after signing", rawCall{query: ids(id), body: "TaskId=1", tamper: func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader("TaskId=2"))
		}}, 400, "SignatureDoesNotMatch"},
		{"unsigned x-acs header", rawCall{query: ids(id), tamper: func(r *http.Request) {
			r.Header.Set("x-acs-extra", "1")
		}}, 400, "IncompleteSignature"},
		{"replayed nonce", replayed, 400, "SignatureNonceUsed"},
		{"stale date", rawCall{query: ids(id), date: time.Now().Add(-time.Hour)}, 400, "InvalidTimeStamp.Expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.call.do(t, srv)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.code != "" {
				checkErrorBody(t, a, tt.code)
			}
		})
	}
	// unsigned, wrong secret, unknown key, two tamperings, unsigned header, replay, stale date
	if st := sim.Stats(provider); st.SignatureFailures != 8 || st.OK != 2 {
		t.Errorf("stats %+v: want 8 signature failures and 2 OK", st)
	}
}

func TestRateLimitPerAccessKey(t *testing.T) {
	sim, srv := newSim(t, cdnsim.Options{Limits: map[string]cdnsim.Limits{provider: {QPS: 5}}})
	id := sim.AddTask(provider, cdnsim.Task{Objects: []cdnsim.Object{{Path: "p", Type: "file"}}})
	var ok, throttled int
	for i := 0; i < 12; i++ {
		a := rawCall{query: ids(id)}.do(t, srv)
		switch a.status {
		case 200:
			ok++
		case 429:
			throttled++
			checkErrorBody(t, a, "TooManyRequests")
		default:
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
	}
	// Burst 5, refilled at 5/s: a quick run of 12 calls gets 5, maybe 6 through.
	if ok < 5 || ok > 6 || throttled != 12-ok {
		t.Errorf("%d ok, %d throttled; want 5–6 ok", ok, throttled)
	}
	if st := sim.Stats(provider); st.Throttled != int64(throttled) {
		t.Errorf("Stats.Throttled %d, want %d", st.Throttled, throttled)
	}
}

func TestFaults(t *testing.T) {
	sim, srv := newSim(t, cdnsim.Options{Limits: map[string]cdnsim.Limits{provider: {QPS: 1e6}}})
	id := sim.AddTask(provider, cdnsim.Task{Objects: []cdnsim.Object{{Path: "p", Type: "file"}}})
	sim.SetFaults(provider, cdnsim.Faults{Throttle: 2, Fail5xx: 1})
	var got []int
	for i := 0; i < 4; i++ {
		got = append(got, rawCall{query: ids(id)}.do(t, srv).status)
	}
	if !slices.Equal(got, []int{429, 429, 503, 200}) {
		t.Errorf("statuses %v, want [429 429 503 200]", got)
	}

	sim.SetFaults(provider, cdnsim.Faults{ThrottleRate: 0.25, Fail5xxRate: 0.25, Seed: 7})
	sim.ResetStats(provider)
	for i := 0; i < 200; i++ {
		rawCall{query: ids(id)}.do(t, srv)
	}
	st := sim.Stats(provider)
	if st.Throttled < 30 || st.Throttled > 70 || st.Errors < 30 || st.Errors > 70 || st.Calls != 200 {
		t.Errorf("random faults: %+v; want about 50 throttled and 50 errors of 200", st)
	}

	sim.SetFaults(provider, cdnsim.Faults{Delay: 150 * time.Millisecond})
	start := time.Now()
	rawCall{query: ids(id)}.do(t, srv)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("call took %v with a 150ms delay", d)
	}
}

func TestPopulate(t *testing.T) {
	p := cdnsim.Population{Count: 400, Seed: 3, FailRate: 0.2, MultiRate: 0.25, PreloadRate: 0.3,
		Refresh: cdnsim.Range{Min: 2 * time.Second, Max: 5 * time.Second}}
	a, b := cdnsim.New(cdnsim.Options{}), cdnsim.New(cdnsim.Options{})
	idsA, idsB := a.Populate(provider, p), b.Populate(provider, p)
	if len(idsA) != 400 || !slices.Equal(idsA, idsB) {
		t.Fatalf("%d ids; same seed gave different ids: %v", len(idsA), idsA[:3])
	}
	var failed, multi, preload int
	numeric := regexp.MustCompile(`^\d{11}$`)
	for _, id := range idsA {
		if !numeric.MatchString(id) {
			t.Fatalf("id %q is not an 11-digit number", id)
		}
		ta, _ := a.Task(provider, id)
		tb, _ := b.Task(provider, id)
		if !slices.Equal(ta.Objects, tb.Objects) {
			t.Fatalf("task %s differs between runs with one seed", id)
		}
		if n := len(ta.Objects); n > 1 {
			multi++
			if n > 5 {
				t.Errorf("task %s has %d objects, want at most 5", id, n)
			}
		}
		for _, o := range ta.Objects {
			if o.FailReason != "" {
				failed++
				if !slices.Contains(cdnsim.FailReasons, o.FailReason) {
					t.Errorf("reason %q is not one Aliyun documents", o.FailReason)
				}
			}
			if o.Type == cdnsim.TypePreload {
				if o.Duration < 5*time.Minute || o.Duration > 30*time.Minute {
					t.Errorf("preload duration %v outside the default 5–30 min", o.Duration)
				}
			} else if o.Duration < 2*time.Second || o.Duration > 5*time.Second {
				t.Errorf("refresh duration %v outside 2–5 s", o.Duration)
			}
		}
		if ta.Objects[0].Type == cdnsim.TypePreload {
			preload++
		}
	}
	for name, got := range map[string]int{"failed": failed, "multi": multi, "preload": preload} {
		want := map[string]float64{"failed": 0.2, "multi": 0.25, "preload": 0.3}[name] * 400
		if float64(got) < want*0.6 || float64(got) > want*1.4 {
			t.Errorf("%d %s tasks of 400, want about %.0f", got, name, want)
		}
	}
}

// Many clients, task writers and fault changes at once: run with -race.
func TestConcurrentUse(t *testing.T) {
	sim, srv := newSim(t, cdnsim.Options{Limits: map[string]cdnsim.Limits{provider: {QPS: 1e6}}})
	ids0 := sim.Populate(provider, cdnsim.Population{Count: 50})
	done := make(chan error)
	for w := 0; w < 4; w++ {
		go func() {
			var err error
			defer func() { done <- err }()
			for i := 0; i < 10; i++ {
				if _, err = (rawCall{query: ids(ids0[i*5 : i*5+5]...)}).send(srv); err != nil {
					return
				}
				sim.AddTask(provider, cdnsim.Task{Objects: []cdnsim.Object{{Path: "x", Type: "file"}}})
				sim.SetFaults(provider, cdnsim.Faults{ThrottleRate: 0.1})
				_ = sim.Stats(provider)
			}
		}()
	}
	for w := 0; w < 4; w++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if st := sim.Stats(provider); st.Calls != 40 {
		t.Errorf("%d calls counted, want 40", st.Calls)
	}
}
