package function_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/function"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/trigger"
)

// sweepFixture is a handler of each runtime on a simulator with tasks in the window of a
// tick at `at`, and a Slack receiver.
type sweepFixture struct {
	at     time.Time
	recv   *slack.Receiver
	sim    *cdnsim.Sim
	fc, lm *function.Handler
}

func newSweepFixture(t *testing.T) *sweepFixture {
	t.Helper()
	f := &sweepFixture{at: time.Now().UTC().Truncate(10 * time.Minute)}
	f.sim = cdnsim.New(cdnsim.Options{AccessKeyID: "LTAI5tUnit", AccessKeySecret: "unit-secret"})
	in := f.at.Add(-35 * time.Minute) // window [at-40m, at-30m) with settle 30m
	f.sim.AddTask("aliyun-cdn", cdnsim.Task{Created: in, Objects: []cdnsim.Object{
		{Path: "https://static.example.com/app.js", Type: cdnsim.TypeFile, Duration: time.Second}}})
	f.sim.AddTask("aliyun-cdn", cdnsim.Task{Created: in, Objects: []cdnsim.Object{
		{Path: "https://static.example.com/broken/", Type: cdnsim.TypeDirectory, Duration: time.Second, FailReason: "Internal Error"}}})
	api := httptest.NewServer(f.sim.Handler("aliyun-cdn"))
	t.Cleanup(api.Close)
	f.recv = slack.NewReceiver(nil)
	hook := httptest.NewServer(f.recv)
	t.Cleanup(hook.Close)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tUnit")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "unit-secret")
	env := map[string]string{"CDNWATCH_ALIYUN_CDN_ENDPOINT": api.URL,
		"CDNWATCH_SLACK_WEBHOOK_URL": hook.URL + "/services/T1/B1/sweep"}
	for _, rt := range []trigger.Runtime{trigger.FC, trigger.Lambda} {
		h, err := function.New(function.Options{Runtime: rt, Getenv: func(k string) string { return env[k] }, Log: testWriter{t}})
		if err != nil {
			t.Fatal(err)
		}
		if rt == trigger.FC {
			f.fc = h
		} else {
			f.lm = h
		}
	}
	return f
}

const sweepPayload = `{"v":1,"sweep":{"provider":"aliyun-cdn","domains":["static.example.com"],"window":"10m","settle":"30m"},"notify":["slack"]}`

// Both functions run a sweep from their timer: FC's timer trigger and an EventBridge
// envelope, each giving its own trigger time. The digest reaches Slack, and a retried
// invocation (same trigger time) repeats the notice id.
func TestTimerTriggersRunSweeps(t *testing.T) {
	f := newSweepFixture(t)
	ts := f.at.Format(time.RFC3339)
	events := []struct {
		name string
		h    *function.Handler
		ev   string
	}{
		{"fc timer", f.fc, fmt.Sprintf(`{"triggerTime":%q,"triggerName":"cdnwatch-sweep","payload":%q}`, ts, sweepPayload)},
		{"eventbridge", f.lm, fmt.Sprintf(`{"version":"0","id":"e1","detail-type":"Scheduled Event","source":"aws.scheduler",`+
			`"time":%q,"detail":%s}`, ts, sweepPayload)},
	}
	var ids []string
	for _, e := range events {
		for try := range 2 {
			out, err := e.h.Invoke(context.Background(), []byte(e.ev))
			if err != nil {
				t.Fatalf("%s: %v", e.name, err)
			}
			r, ok := out.(*function.SweepResponse)
			if !ok || r.Total != 2 || r.Complete != 1 || r.Failed != 1 || r.Calls != 4 ||
				!r.Window.From.Equal(f.at.Add(-40*time.Minute)) {
				t.Fatalf("%s try %d: %+v", e.name, try, out)
			}
			ids = append(ids, r.Notice)
		}
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Errorf("notice ids %v: want one id for the one window", ids)
		}
	}
	msgs := f.recv.Messages()
	if len(msgs) != 4 || !strings.Contains(msgs[0].Text, "Sweep digest") || !strings.Contains(msgs[0].Text, "1 failed") {
		t.Errorf("slack: %d messages, first %q", len(msgs), msgs[0].Text)
	}
}

// A digest Slack does not take fails the invocation (transient), so the platform retries
// it; a sweep that can never run is poison.
func TestSweepFailures(t *testing.T) {
	f := newSweepFixture(t)
	ev := fmt.Sprintf(`{"triggerTime":%q,"triggerName":"t","payload":%q}`, f.at.Format(time.RFC3339), sweepPayload)
	f.recv.FailNext(10, 503, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := f.fc.Invoke(ctx, []byte(ev))
	var te *trigger.TransientError
	if !errors.As(err, &te) || trigger.IsPoison(err) || !strings.Contains(err.Error(), "not delivered") {
		t.Errorf("undelivered digest: %v", err)
	}
	for name, ev := range map[string]string{
		"over retention": fmt.Sprintf(`{"triggerTime":%q,"triggerName":"t","payload":%q}`, f.at.Format(time.RFC3339),
			`{"v":1,"sweep":{"provider":"aliyun-cdn","window":"24h","settle":"30h"}}`),
		"stale tick": fmt.Sprintf(`{"triggerTime":%q,"triggerName":"t","payload":%q}`, f.at.Add(-96*time.Hour).Format(time.RFC3339), sweepPayload),
	} {
		_, err := f.fc.Invoke(context.Background(), []byte(ev))
		if !trigger.IsPoison(err) {
			t.Errorf("%s: %v, want poison", name, err)
		}
	}
}
