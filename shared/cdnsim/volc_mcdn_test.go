package cdnsim_test

import (
	"encoding/json"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
)

// mcdnDescribe is a signed DescribeContentTaskByTaskId call.
func mcdnDescribe(body string) volcCall {
	c := mcdnCall(body)
	c.action = "DescribeContentTaskByTaskId"
	return c
}

type mcdnListAnswer struct {
	Tasks []struct {
		TaskStatus string
		EndAt      int64
		SubTasks   []struct {
			Vendor, CloudAccountId, CloudAccountName, SubmitStatus, Description, ProductType string
			Url, VendorTaskIds                                                               []string
		}
	}
}

type mcdnDescribeAnswer struct {
	SubTasks []struct {
		TaskId, Vendor, CloudAccountId, CloudAccountName, Url, Status, Description string
		VendorTaskIds                                                              []string
	}
	VendorsMetaData []struct{ Vendor, CloudAccountId, ProductType, RequestId string }
}

// The documented sequence on the wire: pending, then executing while MCDN submits to
// the vendors (SubmitStatus appears per sub-task as it is submitted, not when the
// vendor finishes), then done once all are submitted, while DescribeContentTaskByTaskId
// still shows the vendors refreshing; each URL then succeeds or fails at its vendor,
// and a vendor without a result API shows in VendorsMetaData only.
func TestVolcMCDNSubmitThenRefresh(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	clock := cdnsim.NewManualClock(start)
	sim, srv := newVolcSim(t, "volc-mcdn", cdnsim.Options{Now: clock.Now})
	ok := cdnsim.Object{Path: "https://m.example.com/ok.js", Type: cdnsim.TypeFile, PendingFor: 10 * time.Second, Duration: 5 * time.Minute}
	bad := cdnsim.Object{Path: "https://m.example.com/bad.js", Type: cdnsim.TypeFile, PendingFor: time.Minute, Duration: 2 * time.Minute, FailReason: "origin timeout"}
	dark := cdnsim.Object{Path: "https://dcdn.example.com/x.js", Type: cdnsim.TypeFile, PendingFor: 10 * time.Second, Duration: time.Minute}
	id := sim.AddTask("volc-mcdn", cdnsim.Task{Created: start, Objects: []cdnsim.Object{ok, bad, dark}})
	list := func() mcdnListAnswer {
		t.Helper()
		var res mcdnListAnswer
		a := mcdnCall(`{"TaskId":"`+id+`"}`).do(t, srv)
		if err := json.Unmarshal(a.result, &res); err != nil || len(res.Tasks) != 1 || len(res.Tasks[0].SubTasks) != 3 {
			t.Fatalf("ListContentTasks: %d %s", a.status, a.result)
		}
		return res
	}
	describe := func() mcdnDescribeAnswer {
		t.Helper()
		var res mcdnDescribeAnswer
		a := mcdnDescribe(`{"TaskId":"`+id+`"}`).do(t, srv)
		if a.status != 200 || json.Unmarshal(a.result, &res) != nil {
			t.Fatalf("DescribeContentTaskByTaskId: %d %s", a.status, a.result)
		}
		return res
	}
	submits := func(l mcdnListAnswer) (out []string) {
		for _, st := range l.Tasks[0].SubTasks {
			out = append(out, st.SubmitStatus)
		}
		return out
	}
	urlStatus := func(d mcdnDescribeAnswer) map[string]string {
		m := map[string]string{}
		for _, st := range d.SubTasks {
			m[st.Url] = st.Status + "|" + st.Description
		}
		return m
	}

	if l := list(); l.Tasks[0].TaskStatus != "pending" || submits(l)[0] != "" {
		t.Errorf("at creation: %s %q, want pending, nothing submitted", l.Tasks[0].TaskStatus, submits(l))
	}
	clock.Set(start.Add(30 * time.Second)) // ok and dark submitted, bad still waiting
	if l := list(); l.Tasks[0].TaskStatus != "executing" || submits(l)[0] != "success" || submits(l)[1] != "" {
		t.Errorf("+30s: %s %q, want executing with the first sub-task submitted", l.Tasks[0].TaskStatus, submits(l))
	}
	if d := describe(); len(d.SubTasks) != 1 || urlStatus(d)[ok.Path] != "running|" {
		t.Errorf("+30s: vendor results %+v, want ok.js running", d.SubTasks)
	}
	clock.Set(start.Add(2 * time.Minute)) // all submitted: done, yet nothing has finished at the vendors
	l := list()
	if l.Tasks[0].TaskStatus != "done" || l.Tasks[0].EndAt != start.Add(65*time.Second).Unix() {
		t.Errorf("+2m: %s EndAt %d, want done at the last submission", l.Tasks[0].TaskStatus, l.Tasks[0].EndAt)
	}
	for _, st := range l.Tasks[0].SubTasks {
		if st.SubmitStatus != "success" || st.Description != "" {
			t.Errorf("+2m: sub-task %+v, want submitted successfully (the failure is the vendor's, later)", st)
		}
	}
	d := describe()
	if got := urlStatus(d); got[ok.Path] != "running|" || got[bad.Path] != "running|" || len(got) != 2 {
		t.Errorf("+2m: vendor results %v, want ok and bad running, nothing for the DCDN URL", got)
	}
	vendor, account := cdnsim.VolcMCDNVendor(dark.Path)
	if len(d.VendorsMetaData) != 1 || d.VendorsMetaData[0].Vendor != vendor || d.VendorsMetaData[0].ProductType != "dcdn" ||
		d.VendorsMetaData[0].CloudAccountId != l.Tasks[0].SubTasks[2].CloudAccountId || account != "volc-dcdn" {
		t.Errorf("+2m: VendorsMetaData %+v, want the DCDN account", d.VendorsMetaData)
	}
	clock.Set(start.Add(10 * time.Minute))
	d = describe()
	if got := urlStatus(d); got[ok.Path] != "success|" || got[bad.Path] != "failed|origin timeout" {
		t.Errorf("+10m: vendor results %v, want ok success, bad failed with its reason", got)
	}
	for _, st := range d.SubTasks {
		v, a := cdnsim.VolcMCDNVendor(st.Url)
		if st.TaskId != id || st.Vendor != v || st.CloudAccountName != a || len(st.VendorTaskIds) != 1 {
			t.Errorf("+10m: result %+v does not name its task, vendor account and vendor task", st)
		}
	}
	if l := list(); l.Tasks[0].SubTasks[1].SubmitStatus != "success" {
		t.Errorf("+10m: a vendor-side failure changed SubmitStatus to %q", l.Tasks[0].SubTasks[1].SubmitStatus)
	}
}

// DescribeContentTaskByTaskId requires TaskId, knows nothing of unknown ids, and has its
// own 30 calls/s bucket: a burst of it does not throttle ListContentTasks.
func TestVolcMCDNDescribeContentTask(t *testing.T) {
	_, srv := newVolcSim(t, "volc-mcdn", cdnsim.Options{})
	if a := mcdnDescribe(`{}`).do(t, srv); a.status != 400 || a.meta.Error == nil || a.meta.Error.Code != "MissingParameter" {
		t.Errorf("no TaskId: %d %+v", a.status, a.meta.Error)
	}
	a := mcdnDescribe(`{"TaskId":"65d2c9b6ffffffffffffffff"}`).do(t, srv)
	var res mcdnDescribeAnswer
	if a.status != 200 || json.Unmarshal(a.result, &res) != nil || len(res.SubTasks) != 0 || len(res.VendorsMetaData) != 0 {
		t.Errorf("unknown id: %d %s", a.status, a.result)
	}
	throttled := 0
	for range 40 {
		if a := mcdnDescribe(`{"TaskId":"65d2c9b6ffffffffffffffff"}`).do(t, srv); a.status == 429 {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("40 DescribeContentTaskByTaskId calls at once were not throttled")
	}
	if a := mcdnCall(`{}`).do(t, srv); a.status != 200 {
		t.Errorf("ListContentTasks after a Describe burst: %d %+v", a.status, a.meta.Error)
	}
}

// DescribeContentTaskByTaskId is counted under its own name at its documented 30 calls/s
// (Sim.APILimit, Sim.Calls), apart from the by-id query; Limits.APIs lifts it.
func TestVolcMCDNDescribeCountedApart(t *testing.T) {
	const action = "DescribeContentTaskByTaskId"
	sim, srv := newVolcSim(t, "volc-mcdn", cdnsim.Options{Record: true})
	if got := sim.APILimit("volc-mcdn", action); got != 30 {
		t.Errorf("APILimit(%s) = %v, want the documented 30", action, got)
	}
	if got := sim.APILimit("volc-mcdn", cdnsim.APIQuery); got != 30 {
		t.Errorf("APILimit(query) = %v, want 30", got)
	}
	for range 3 {
		mcdnDescribe(`{"TaskId":"65d2c9b6ffffffffffffffff"}`).do(t, srv)
	}
	mcdnCall(`{}`).do(t, srv)
	byAPI := map[string]int{}
	for _, c := range sim.Calls("volc-mcdn") {
		byAPI[c.API]++
	}
	if byAPI[action] != 3 || byAPI[cdnsim.APIQuery] != 1 || len(byAPI) != 2 {
		t.Errorf("calls counted by API: %v, want 3 under %s and 1 under %s", byAPI, action, cdnsim.APIQuery)
	}

	sim.SetLimits("volc-mcdn", cdnsim.Limits{APIs: map[string]float64{action: 100}})
	if got := sim.APILimit("volc-mcdn", action); got != 100 {
		t.Errorf("APILimit after the override = %v, want 100", got)
	}
	for i := range 60 {
		if a := mcdnDescribe(`{"TaskId":"65d2c9b6ffffffffffffffff"}`).do(t, srv); a.status != 200 {
			t.Fatalf("call %d of 60 at once under a lifted limit of 100/s: %d %+v", i, a.status, a.meta.Error)
		}
	}
}
