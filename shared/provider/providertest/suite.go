package providertest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// testStatuses follows one completing and one failing task through their lives on the
// simulator's clock: pending, then running with growing progress, then complete or
// failed with the reason.
func testStatuses(t *testing.T, e *env) {
	c := e.open(t, 0)
	t0 := e.clock.Now()
	okObj := cdnsim.Object{Path: "https://static.example.com/app.js", Type: cdnsim.TypeFile,
		PendingFor: time.Minute, Duration: 10 * time.Minute}
	badObj := cdnsim.Object{Path: "https://static.example.com/video.mp4", Type: cdnsim.TypePreload,
		PendingFor: time.Minute, Duration: 10 * time.Minute, FailReason: "Origin Timeout"}
	okID := e.h.AddTask(e.sim, cdnsim.Task{Created: t0, Objects: []cdnsim.Object{okObj}})
	badID := e.h.AddTask(e.sim, cdnsim.Task{Created: t0, Objects: []cdnsim.Object{badObj}})
	waiting := provider.Pending
	if e.h.NoPending != "" {
		waiting = provider.Running
	}

	steps := []struct {
		at      time.Duration
		ok, bad provider.Status
		percent float64 // expected progress of both while running; -1: not checked
	}{
		{30 * time.Second, waiting, waiting, 0},
		{time.Minute + 150*time.Second, provider.Running, provider.Running, 25},
		{time.Minute + 450*time.Second, provider.Running, provider.Running, 75},
		{11 * time.Minute, provider.Complete, provider.Failed, -1},
		{time.Hour, provider.Complete, provider.Failed, -1},
	}
	if e.h.NoFailedState != "" {
		// The failing object never finishes; the driver must say so for notices' wording.
		if nf, ok := c.Driver().(interface{ NoFailedState() bool }); !ok || !nf.NoFailedState() {
			t.Errorf("NoFailedState declared (%s), but the driver does not report NoFailedState() == true", e.h.NoFailedState)
		}
		for i := range steps {
			if steps[i].bad == provider.Failed {
				steps[i].bad = provider.Running
			}
		}
	}
	for _, s := range steps {
		e.clock.Set(t0.Add(s.at))
		res := query(t, c, []string{okID, badID})
		for _, w := range []struct {
			id, path, reason string
			want             provider.Status
		}{
			{okID, okObj.Path, "", s.ok},
			{badID, badObj.Path, e.h.WantReason(badObj), s.bad},
		} {
			task := res[w.id]
			if task.Status != w.want || len(task.Objects) != 1 {
				t.Fatalf("at +%v: task %s is %s with %d objects, want %s with 1", s.at, w.id, task.Status, len(task.Objects), w.want)
			}
			o := task.Objects[0]
			if o.TaskID != w.id || o.Path != w.path || o.Status != w.want || o.RawStatus == "" || o.Type == "" {
				t.Errorf("at +%v: object %+v, want id %s, path %s, status %s, raw status and type kept", s.at, o, w.id, w.path, w.want)
			}
			if !o.Created.Equal(t0) {
				t.Errorf("at +%v: Created %v, want %v", s.at, o.Created, t0)
			}
			wantReason := ""
			if w.want == provider.Failed {
				wantReason = w.reason
			}
			if o.Reason != wantReason {
				t.Errorf("at +%v: %s Reason %q, want %q", s.at, w.want, o.Reason, wantReason)
			}
			if e.h.NoProgress != "" {
				if o.Progress != "" {
					t.Errorf("at +%v: progress %q from a provider declared without progress (%s)", s.at, o.Progress, e.h.NoProgress)
				}
				continue
			}
			if e.h.PartialProgress != "" && o.Progress == "" {
				continue // this object is of a kind the provider reports no progress for
			}
			if s.percent >= 0 {
				if p, ok := o.Percent(); !ok || math.Abs(p-s.percent) > 1 {
					t.Errorf("at +%v: progress %q, want about %v%%", s.at, o.Progress, s.percent)
				}
			}
			if w.want == provider.Complete {
				if p, ok := o.Percent(); !ok || p != 100 {
					t.Errorf("at +%v: complete with progress %q, want 100%%", s.at, o.Progress)
				}
			}
		}
	}
}

// testBatching checks ids are sent in batches of at most the limit, in as few calls as
// possible, and that the driver's limits agree with the simulator's.
func testBatching(t *testing.T, e *env) {
	c := e.open(t, 0)
	lim, simLim := c.Limits(), e.sim.Limits(e.h.Provider)
	if lim.IDsPerCall != simLim.IDsPerCall || lim.QPS != simLim.QPS || lim.Retention != simLim.Retention {
		t.Errorf("driver limits %+v disagree with the documented limits in the simulator %+v", lim, simLim)
	}
	per := lim.IDsPerCall
	all := e.addTasks(3*per + 3)
	for _, n := range []int{1, per, per + 1, 3*per + 3} {
		t.Run(fmt.Sprint(n, "ids"), func(t *testing.T) {
			e.sim.ResetStats(e.h.Provider)
			res := query(t, c, all[:n])
			for id, task := range res {
				if task.Status == provider.Unknown {
					t.Errorf("task %s came back unknown", id)
				}
			}
			st := e.stats()
			wantCalls := int64((n + per - 1) / per)
			if st.Calls != wantCalls || st.MaxIDsPerCall > int64(per) || st.IDs != int64(n) {
				t.Errorf("%d ids took %d calls of up to %d ids (%d ids in all); want %d calls of at most %d",
					n, st.Calls, st.MaxIDsPerCall, st.IDs, wantCalls, per)
			}
		})
	}
}

// testRateLimit polls many ids at the documented rate: the provider never throttles, and
// the client actually uses the rate it is allowed.
func testRateLimit(t *testing.T, e *env) {
	c := e.open(t, 0)
	lim := c.Limits()
	calls := max(25, int(math.Ceil(lim.QPS)))
	ids := e.addTasks(calls * lim.IDsPerCall)
	n, elapsed, err := MeasurePollRate(context.Background(), c, ids)
	if err != nil {
		t.Fatalf("poll %d ids: %v", len(ids), err)
	}
	st := e.stats()
	rate := float64(n-1) / elapsed.Seconds() // the first call goes at once
	t.Logf("%d ids: %d calls in %v = %.1f calls/s (limit %.0f/s); simulator saw %+v", len(ids), n, elapsed, rate, lim.QPS, st)
	if st.Throttled != 0 || st.Calls != int64(calls) {
		t.Errorf("simulator saw %d calls, %d throttled; want %d calls, none throttled", st.Calls, st.Throttled, calls)
	}
	if rate > lim.QPS*1.05 {
		t.Errorf("%.1f calls/s exceeds the limit of %.0f/s", rate, lim.QPS)
	}
	if rate < lim.QPS*0.5 {
		t.Errorf("%.1f calls/s uses less than half the allowed %.0f/s", rate, lim.QPS)
	}
}

// testOverRate sets the client 3× above the provider's limit: the provider throttles, and
// the SDK's retries either carry the query through or it fails clearly as throttled.
func testOverRate(t *testing.T, e *env) {
	simQPS := e.sim.Limits(e.h.Provider).QPS
	c := e.open(t, 3*simQPS)
	burst := int(math.Ceil(simQPS))
	calls := 3*burst + burst + 10
	ids := e.addTasks(calls * c.Limits().IDsPerCall)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	res, err := c.Query(ctx, ids)
	st := e.stats()
	t.Logf("client at %.0f/s, provider at %.0f/s: %v; simulator saw %+v; err %v", 3*simQPS, simQPS, time.Since(start), st, err)
	if st.Throttled == 0 {
		t.Errorf("no call throttled with the client at 3× the limit: is the simulator enforcing it?")
	}
	switch {
	case err == nil:
		for id, task := range res {
			if task.Status == provider.Unknown {
				t.Fatalf("query succeeded but task %s is unknown", id)
			}
		}
	case provider.KindOf(err) != provider.KindThrottled:
		t.Errorf("over-rate query failed with %v (kind %s), want success or %s", err, provider.KindOf(err), provider.KindThrottled)
	}
	if err == nil && st.Calls <= int64(calls) {
		t.Errorf("query succeeded with %d calls for %d batches although %d were throttled", st.Calls, calls, st.Throttled)
	}
}

// testRetry injects a few 429s and 5xxs: the SDK's retryer carries the query through.
func testRetry(t *testing.T, e *env) {
	c := e.open(t, 0)
	ids := e.addTasks(c.Limits().IDsPerCall) // one batch
	for _, tt := range []struct {
		name   string
		faults cdnsim.Faults
		count  func(cdnsim.Stats) int64
	}{
		{"Throttled", cdnsim.Faults{Throttle: 2}, func(s cdnsim.Stats) int64 { return s.Throttled }},
		{"Unavailable", cdnsim.Faults{Fail5xx: 2}, func(s cdnsim.Stats) int64 { return s.Errors }},
		{"Both", cdnsim.Faults{Throttle: 1, Fail5xx: 1}, func(s cdnsim.Stats) int64 { return s.Throttled + s.Errors }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.sim.ResetStats(e.h.Provider)
			e.sim.SetFaults(e.h.Provider, tt.faults)
			defer e.sim.SetFaults(e.h.Provider, cdnsim.Faults{})
			res := query(t, c, ids)
			for id, task := range res {
				if task.Status == provider.Unknown {
					t.Errorf("task %s unknown after retries", id)
				}
			}
			if st := e.stats(); st.Calls != 3 || tt.count(st) != 2 || st.OK != 1 {
				t.Errorf("simulator saw %+v; want 3 calls for 1 batch: 2 refused, then 1 OK", st)
			}
		})
	}
}

// testRetriesExhausted keeps failing every call: the query ends, retried but bounded,
// with the right Kind.
func testRetriesExhausted(t *testing.T, e *env) {
	c := e.open(t, 0)
	ids := e.addTasks(2)
	for _, tt := range []struct {
		name   string
		faults cdnsim.Faults
		kind   provider.Kind
	}{
		{"Throttled", cdnsim.Faults{Throttle: 1 << 20}, provider.KindThrottled},
		{"Unavailable", cdnsim.Faults{Fail5xx: 1 << 20}, provider.KindUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.sim.ResetStats(e.h.Provider)
			e.sim.SetFaults(e.h.Provider, tt.faults)
			defer e.sim.SetFaults(e.h.Provider, cdnsim.Faults{})
			start := time.Now()
			_, err := c.Query(context.Background(), ids)
			elapsed := time.Since(start)
			st := e.stats()
			if provider.KindOf(err) != tt.kind {
				t.Fatalf("err = %v (kind %s), want kind %s", err, provider.KindOf(err), tt.kind)
			}
			if provider.Refused(err) {
				t.Errorf("%s counted as a refusal: callers would give up instead of trying later", tt.kind)
			}
			if st.Calls < 2 || st.Calls > 10 {
				t.Errorf("%d calls for one batch: want a few retries, bounded", st.Calls)
			}
			if elapsed > 20*time.Second {
				t.Errorf("retries took %v, want them bounded", elapsed)
			}
			t.Logf("%d attempts in %v: %v", st.Calls, elapsed, err)
		})
	}
}

// testMultiObject: one id covering several objects is one task with one row per object,
// failed if any object failed, with each failed path and reason.
func testMultiObject(t *testing.T, e *env) {
	c := e.open(t, 0)
	obj := func(path string, d time.Duration, reason string) cdnsim.Object {
		return cdnsim.Object{Path: "https://static.example.com/" + path, Type: cdnsim.TypeFile, Duration: d, FailReason: reason}
	}
	failed := e.h.AddTask(e.sim, cdnsim.Task{Objects: []cdnsim.Object{
		obj("a.js", time.Minute, ""),
		obj("b.js", time.Minute, "Origin Return StatusCode 5XX"),
		obj("c.js", 2*time.Minute, "Internal Error"),
		obj("d.js", time.Minute, ""),
	}})
	complete := e.h.AddTask(e.sim, cdnsim.Task{Objects: []cdnsim.Object{obj("e.js", time.Minute, ""), obj("f.js", 2*time.Minute, "")}})
	running := e.h.AddTask(e.sim, cdnsim.Task{Objects: []cdnsim.Object{obj("g.js", time.Minute, ""), obj("h.js", time.Hour, "")}})
	// Not every object is done yet: a failed object does not finish its task early.
	e.clock.Advance(90 * time.Second)
	if got := query(t, c, []string{failed})[failed]; got.Status != provider.Running {
		t.Errorf("task with an object failed and one still running is %s, want running", got.Status)
	}
	e.clock.Advance(time.Minute)
	res := query(t, c, []string{failed, complete, running})
	failedStatus := provider.Failed
	if e.h.NoFailedState != "" {
		failedStatus = provider.Running // the failing objects never finish
	}
	for _, w := range []struct {
		id      string
		status  provider.Status
		objects int
	}{{failed, failedStatus, 4}, {complete, provider.Complete, 2}, {running, provider.Running, 2}} {
		got := res[w.id]
		if got.Status != w.status || len(got.Objects) != w.objects {
			t.Errorf("task %s: %s with %d objects, want %s with %d", w.id, got.Status, len(got.Objects), w.status, w.objects)
		}
		for _, o := range got.Objects {
			if o.TaskID != w.id {
				t.Errorf("task %s holds an object of task %s", w.id, o.TaskID)
			}
		}
	}
	reasons := map[string]string{}
	for _, o := range res[failed].Objects {
		if o.Status == provider.Failed {
			reasons[o.Path] = o.Reason
		}
	}
	want := map[string]string{}
	for _, o := range []cdnsim.Object{obj("b.js", time.Minute, "Origin Return StatusCode 5XX"), obj("c.js", 2*time.Minute, "Internal Error")} {
		if e.h.NoFailedState == "" { // else no object can be reported failed
			want[o.Path] = e.h.WantReason(o)
		}
	}
	if fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Errorf("failed objects %v, want %v", reasons, want)
	}
}

// testUnknown: ids the provider does not know, or no longer keeps, are Unknown; they do
// not spoil the answer for the other ids in the same call.
func testUnknown(t *testing.T, e *env) {
	c := e.open(t, 0)
	retention := e.sim.Limits(e.h.Provider).Retention
	if (retention == 0) != (e.h.NoRetention != "") {
		t.Fatalf("simulator retention %v disagrees with Harness.NoRetention %q", retention, e.h.NoRetention)
	}
	known := e.addTasks(1)[0]
	expired := e.h.AddTask(e.sim, cdnsim.Task{Created: e.clock.Now().Add(-retention - time.Hour),
		Objects: []cdnsim.Object{{Path: "https://static.example.com/old.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	unknown := e.unknownID(t)
	res := query(t, c, []string{known, expired, unknown})
	type want struct {
		what, id string
		want     provider.Status
	}
	wants := []want{{"never existed", unknown, provider.Unknown}, {"known", known, provider.Running}}
	if e.h.NoRetention != "" {
		t.Logf("no past-retention case (%s): a task an hour old must still be known", e.h.NoRetention)
		wants = append(wants, want{"an hour old", expired, provider.Complete})
	} else {
		wants = append(wants, want{"past retention", expired, provider.Unknown})
	}
	for _, w := range wants {
		if got := res[w.id]; got.Status != w.want || (w.want == provider.Unknown && len(got.Objects) != 0) {
			t.Errorf("%s id %s: %s with %d objects, want %s", w.what, w.id, got.Status, len(got.Objects), w.want)
		}
	}
}

func (e *env) unknownID(t *testing.T) string {
	if e.h.UnknownID != "" {
		return e.h.UnknownID
	}
	other := cdnsim.New(cdnsim.Options{})
	for i := 0; i < 10000; i++ {
		id := e.h.AddTask(other, cdnsim.Task{Objects: []cdnsim.Object{{Path: "x", Type: cdnsim.TypeFile}}})
		if _, taken := e.sim.Task(e.h.Provider, id); !taken {
			return id
		}
	}
	t.Fatal("providertest: could not make an unknown id; set Harness.UnknownID")
	return ""
}

// testMalformedID: a malformed id is refused, named, and the refusal is for good.
func testMalformedID(t *testing.T, e *env) {
	c := e.open(t, 0)
	good := e.addTasks(1)[0]
	_, err := c.Query(context.Background(), []string{good, e.h.MalformedID})
	if provider.KindOf(err) != provider.KindInvalidID {
		t.Fatalf("err = %v (kind %s), want kind %s", err, provider.KindOf(err), provider.KindInvalidID)
	}
	if !strings.Contains(err.Error(), e.h.MalformedID) {
		t.Errorf("error %q does not name the malformed id %q", err, e.h.MalformedID)
	}
	if !provider.Refused(err) {
		t.Errorf("malformed id not counted as a refusal")
	}
}

// testBadCredentials: wrong secret or unknown key id is an auth refusal, and no form of
// the error shows a secret.
func testBadCredentials(t *testing.T, e *env) {
	for _, tt := range []struct {
		name  string
		creds provider.Credentials
	}{
		{"WrongSecret", provider.Credentials{AccessKeyID: testKeyID, AccessKeySecret: "wrong-secret-0f3a8c2d9e"}},
		{"UnknownKeyID", provider.Credentials{AccessKeyID: "LTAI5tNoSuchKey", AccessKeySecret: testSecret}},
		{"WithToken", provider.Credentials{AccessKeyID: "STS.NoSuchKey", AccessKeySecret: "sts-secret-a9c3e1f7b5", SecurityToken: "sts-token-CAIS9f8e7d6c5b"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.sim.ResetStats(e.h.Provider)
			creds := tt.creds
			c := e.openAs(t, &creds, 0)
			ids := e.addTasks(2)
			_, err := c.Query(context.Background(), ids)
			if provider.KindOf(err) != provider.KindAuth || !provider.Refused(err) {
				t.Fatalf("err = %v (kind %s), want a %s refusal", err, provider.KindOf(err), provider.KindAuth)
			}
			// Calls already on their way may be refused too, but none is retried.
			batches := int64((len(ids) + c.Limits().IDsPerCall - 1) / c.Limits().IDsPerCall)
			if st := e.stats(); st.SignatureFailures < 1 || st.Calls > batches || st.SignatureFailures != st.Calls {
				t.Errorf("simulator saw %+v: want refused calls, at most one per batch (%d), not retried", st, batches)
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				for _, secret := range []string{testSecret, creds.AccessKeySecret, creds.SecurityToken} {
					if secret != "" && strings.Contains(s, secret) {
						t.Errorf("error shows a secret: %s", s)
					}
				}
			}
			var pe *provider.Error
			if errors.As(err, &pe) && pe.Code == "" {
				t.Errorf("provider error %v does not keep the provider's code", pe)
			}
		})
	}
}
