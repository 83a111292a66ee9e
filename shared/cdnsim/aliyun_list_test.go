package cdnsim_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	cdn "github.com/alibabacloud-go/cdn-20180510/v9/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/cdnsim"
)

// listCall is a signed DescribeRefreshTasks request with the given parameters.
func listCall(params map[string]string) rawCall {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	return rawCall{query: q, headers: func(h map[string]string) { h["x-acs-action"] = "DescribeRefreshTasks" }}
}

// The answer has exactly the fields of the official SDK's DescribeRefreshTasks response
// model (cdn-20180510/v9 DescribeRefreshTasksResponseBody and ...TasksCDNTask).
func TestListWireFormat(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := cdnsim.NewManualClock(t0.Add(time.Hour))
	sim, srv := newSim(t, cdnsim.Options{Now: clock.Now})
	sim.AddTask(provider, cdnsim.Task{Created: t0, Objects: []cdnsim.Object{
		{Path: "https://static.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Minute, FailReason: "Origin Timeout"}}})
	a := listCall(map[string]string{"StartTime": "2026-03-01T09:00:00Z", "EndTime": "2026-03-01T11:00:00Z"}).do(t, srv)
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	if got, want := keysOf(a.body), []string{"PageNumber", "PageSize", "RequestId", "Tasks", "TotalCount"}; !slices.Equal(got, want) {
		t.Errorf("top-level fields %v, want %v", got, want)
	}
	tasks := a.body["Tasks"].(map[string]any)
	if got := keysOf(tasks); !slices.Equal(got, []string{"CDNTask"}) {
		t.Fatalf("Tasks fields %v, want [CDNTask]", got)
	}
	row := tasks["CDNTask"].([]any)[0].(map[string]any)
	want := []string{"CreationTime", "Description", "ObjectPath", "ObjectType", "Process", "Status", "TaskId"}
	if got := keysOf(row); !slices.Equal(got, want) {
		t.Errorf("row fields %v, want %v", got, want)
	}
	if row["Status"] != "Failed" || row["Description"] != "Origin Timeout" || row["CreationTime"] != "2026-03-01T10:00:00Z" {
		t.Errorf("row %v", row)
	}
	if a.body["PageSize"].(float64) != 20 || a.body["PageNumber"].(float64) != 1 || a.body["TotalCount"].(float64) != 1 {
		t.Errorf("default paging %v", a.body)
	}
}

// The documented refusals, with the documented codes.
func TestListRefusals(t *testing.T) {
	now := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	clock := cdnsim.NewManualClock(now)
	_, srv := newSim(t, cdnsim.Options{Now: clock.Now, Limits: map[string]cdnsim.Limits{provider: {ListQPS: 1000}}})
	rng := map[string]string{"StartTime": "2026-03-04T00:00:00Z", "EndTime": "2026-03-04T01:00:00Z"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range rng {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	for _, tt := range []struct {
		name   string
		params map[string]string
		code   string
	}{
		{"domain without type", with("DomainName", "static.example.com"), "MissingParameter.ObjectType"},
		{"status without type", with("Status", "Complete"), "MissingParameter.ObjectType"},
		{"bad type", with("ObjectType", "url"), "InvalidObjectType.ValueNotSupported"},
		{"only start", with("EndTime", ""), "MissingTimeParameter"},
		{"bad start", with("StartTime", "2026-03-04 00:00"), "InvalidStartTime.Malformed"},
		{"end before start", with("EndTime", "2026-03-03T23:00:00Z"), "InvalidEndTime.Mismatch"},
		{"past retention", with("StartTime", "2026-03-01T23:59:59Z"), "InvalidTime"},
		{"page too big", with("PageSize", "51"), "InvalidParameters"},
		{"page zero", with("PageNumber", "0"), "InvalidParameters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := listCall(tt.params).do(t, srv)
			if a.status != 400 || a.body["Code"] != tt.code {
				t.Errorf("status %d code %v, want 400 %s", a.status, a.body["Code"], tt.code)
			}
		})
	}
	if a := listCall(with("PageSize", "50", "DomainName", "static.example.com", "ObjectType", "regex")).do(t, srv); a.status != 200 {
		t.Errorf("page size 50 with domain and type refused: %s", a.raw)
	}
}

// Listing has its own 5 calls/s bucket, apart from query-by-id's 30.
func TestListRateLimitIsSeparate(t *testing.T) {
	sim, srv := newSim(t, cdnsim.Options{})
	params := map[string]string{"StartTime": time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05Z"),
		"EndTime": time.Now().UTC().Format("2006-01-02T15:04:05Z")}
	throttled := 0
	for range 8 {
		if a := listCall(params).do(t, srv); a.status == http.StatusTooManyRequests {
			throttled++
			if a.body["Code"] != "TooManyRequests" {
				t.Errorf("429 with code %v", a.body["Code"])
			}
		}
	}
	if throttled < 2 || throttled > 3 {
		t.Errorf("%d of 8 immediate listing calls throttled, want about 3 (burst 5)", throttled)
	}
	// The by-id bucket is untouched.
	if a := (rawCall{query: ids("1")}).do(t, srv); a.status != http.StatusOK {
		t.Errorf("by-id call after listing burst: %d", a.status)
	}
	if st := sim.Stats(provider); st.Throttled != int64(throttled) || st.ListCalls != int64(8-throttled) {
		t.Errorf("stats %+v", st)
	}
}

// Paging through the official SDK: every row once, newest first, TotalCount rows in all;
// the range is inclusive at both ends, tasks created after now are not listed yet, and a
// domain filter keeps only that host's objects.
func TestListPagingThroughSDK(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := cdnsim.NewManualClock(t0)
	sim, srv := newSim(t, cdnsim.Options{Now: clock.Now})
	sim.Populate(provider, cdnsim.Population{Count: 500, Seed: 7, MultiRate: 0.2, PreloadRate: 0.2,
		DirectoryRate: 0.2, Spread: 2 * time.Hour})
	sim.Populate(provider, cdnsim.Population{Count: 50, Seed: 8, Domain: "img.example.com", Spread: 2 * time.Hour})
	clock.Set(t0.Add(90 * time.Minute))
	client, err := cdn.NewClient(&openapiutil.Config{AccessKeyId: dara.String(keyID), AccessKeySecret: dara.String(secret),
		Endpoint: dara.String(srv.Listener.Addr().String()), Protocol: dara.String("http")})
	if err != nil {
		t.Fatal(err)
	}
	list := func(domain, typ string) (rows []*cdn.DescribeRefreshTasksResponseBodyTasksCDNTask) {
		total := int64(-1)
		for page := int32(1); total < 0 || int64(len(rows)) < total; page++ {
			req := &cdn.DescribeRefreshTasksRequest{StartTime: dara.String("2026-03-01T00:00:00Z"),
				EndTime: dara.String("2026-03-01T02:00:00Z"), PageNumber: dara.Int32(page), PageSize: dara.Int32(50)}
			if domain != "" {
				req.DomainName, req.ObjectType = dara.String(domain), dara.String(typ)
			}
			for {
				resp, err := client.DescribeRefreshTasks(req)
				if err != nil {
					time.Sleep(200 * time.Millisecond) // our own test client keeps no rate
					continue
				}
				total = dara.Int64Value(resp.Body.TotalCount)
				if len(resp.Body.Tasks.CDNTask) == 0 {
					return rows
				}
				rows = append(rows, resp.Body.Tasks.CDNTask...)
				break
			}
		}
		return rows
	}
	all := list("", "")
	seen := map[string]bool{}
	var prev string
	for _, r := range all {
		k := dara.StringValue(r.TaskId) + " " + dara.StringValue(r.ObjectPath)
		if seen[k] {
			t.Fatalf("row %s twice", k)
		}
		seen[k] = true
		ct := dara.StringValue(r.CreationTime)
		if prev != "" && ct > prev {
			t.Fatalf("not newest first: %s after %s", ct, prev)
		}
		prev = ct
		if ct > "2026-03-01T01:30:00Z" {
			t.Fatalf("task created %s listed at 01:30", ct)
		}
	}
	if len(all) == 0 {
		t.Fatal("nothing listed")
	}
	n := 0
	for _, typ := range []string{"file", "directory", "regex", "preload"} {
		rows := list("img.example.com", typ)
		for _, r := range rows {
			if u, _ := url.Parse(dara.StringValue(r.ObjectPath)); u.Host != "img.example.com" || dara.StringValue(r.ObjectType) != typ {
				t.Fatalf("filter img.example.com/%s returned %s (%s)", typ, dara.StringValue(r.ObjectPath), dara.StringValue(r.ObjectType))
			}
		}
		n += len(rows)
	}
	if n == 0 || n >= len(all) {
		t.Errorf("img.example.com has %d of %d rows", n, len(all))
	}
}
