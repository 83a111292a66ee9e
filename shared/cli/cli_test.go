package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/notify/slack"
	_ "cdnwatch/shared/provider/aliyuncdn"
	"cdnwatch/shared/watch"
)

const (
	testKey    = "LTAI-test-key"
	testSecret = "test-secret-never-printed"
)

// fixture is the simulator and a Slack receiver on loopback, as a user's pipeline sees them.
type fixture struct {
	sim   *cdnsim.Sim
	api   *httptest.Server
	slack *slack.Receiver
	hook  *httptest.Server
	env   map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{sim: cdnsim.New(cdnsim.Options{AccessKeyID: testKey, AccessKeySecret: testSecret})}
	f.api = httptest.NewServer(f.sim.Handler("aliyun-cdn"))
	t.Cleanup(f.api.Close)
	var sink bytes.Buffer
	f.slack = slack.NewReceiver(&sink)
	f.hook = httptest.NewServer(f.slack)
	t.Cleanup(f.hook.Close)
	f.env = map[string]string{
		"CDNWATCH_ALIYUN_CDN_ENDPOINT": f.api.URL,
		"CDNWATCH_SLACK_WEBHOOK_URL":   f.hook.URL + "/services/T1/B1/secretpath",
	}
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", testKey)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", testSecret)
	return f
}

func (f *fixture) task(objs ...cdnsim.Object) string {
	return f.sim.AddTask("aliyun-cdn", cdnsim.Task{Objects: objs})
}

func (f *fixture) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := Main(ctx, args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb}, func(k string) string { return f.env[k] })
	return code, out.String(), errb.String()
}

func quick(path string) cdnsim.Object {
	return cdnsim.Object{Path: path, Type: cdnsim.TypeFile, Duration: 500 * time.Millisecond}
}

func TestWatchExitCodes(t *testing.T) {
	f := newFixture(t)
	ok1, ok2 := f.task(quick("http://static.example.com/a.js")), f.task(quick("http://static.example.com/b.css"))
	bad := f.task(quick("http://static.example.com/c.js"), cdnsim.Object{Path: "http://static.example.com/d.js",
		Type: cdnsim.TypeFile, Duration: time.Second, FailReason: "Origin Timeout"})
	slow := f.task(cdnsim.Object{Path: "http://static.example.com/slow.bin", Type: cdnsim.TypePreload, Duration: time.Hour})

	tests := []struct {
		name     string
		args     []string
		want     int
		stderrOK []string
	}{
		{"all complete", []string{"watch", "--provider", "aliyun-cdn", "--task-id", ok1 + "," + ok2}, ExitComplete, []string{"complete: every task finished"}},
		{"one object fails", []string{"watch", "--provider", "aliyun-cdn", "--task-id", ok1, "--task-id", bad}, ExitFailed,
			[]string{"FAILED", "http://static.example.com/d.js", "Origin Timeout"}},
		{"unknown id", []string{"watch", "--provider", "aliyun-cdn", "--task-id", "99999999999"}, ExitFailed, []string{"UNKNOWN", "99999999999"}},
		{"timeout", []string{"watch", "--provider", "aliyun-cdn", "--task-id", slow, "--timeout", "1s"}, ExitTimeout, []string{"timed out after 1s with 1 tasks pending", "pending: "}},
		{"missing provider", []string{"watch", "--task-id", "1"}, ExitUsage, []string{"--provider is required"}},
		{"unknown provider", []string{"watch", "--provider", "nope", "--task-id", "1"}, ExitUsage, []string{`unknown provider "nope"`}},
		{"bad flag", []string{"watch", "--bogus"}, ExitUsage, []string{"unknown flag: --bogus"}},
		{"malformed id", []string{"watch", "--provider", "aliyun-cdn", "--task-id", "12ab"}, ExitRefused, []string{"12ab"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := f.run(t, tc.args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.want, stderr)
			}
			for _, s := range tc.stderrOK {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if strings.Contains(stderr, testSecret) || strings.Contains(stderr, "secretpath") {
				t.Errorf("a secret reached stderr:\n%s", stderr)
			}
		})
	}
}

func TestWatchBadCredentialsExit4(t *testing.T) {
	f := newFixture(t)
	id := f.task(quick("http://static.example.com/a.js"))
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-secret")
	// --json too: the refusal comes before any state exists, which must not crash the output.
	code, _, stderr := f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", id, "--json")
	if code != ExitRefused {
		t.Fatalf("exit %d, want 4; stderr:\n%s", code, stderr)
	}
	if strings.Contains(stderr, "wrong-secret") {
		t.Errorf("the secret reached stderr:\n%s", stderr)
	}
}

func TestWatchJSONAndSlack(t *testing.T) {
	f := newFixture(t)
	bad := f.task(cdnsim.Object{Path: "http://static.example.com/x.js", Type: cdnsim.TypeFile,
		Duration: 300 * time.Millisecond, FailReason: "Origin Return StatusCode 5XX"})
	code, stdout, stderr := f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", bad, "--label", "web v9", "--json")
	if code != ExitFailed {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var resp watch.Response
	if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
		t.Fatalf("--json output is not a response document: %v\n%s", err, stdout)
	}
	if !resp.Done || resp.State == nil || resp.State.Failed != 1 || resp.State.Failures[0].Path != "http://static.example.com/x.js" {
		t.Fatalf("final document = %s", stdout)
	}
	msgs := f.slack.Messages()
	if len(msgs) != 2 {
		t.Fatalf("slack got %d messages, want task.failed + watch.finished", len(msgs))
	}
	raw, _ := json.Marshal(msgs)
	for _, want := range []string{"web v9", "x.js", "Origin Return StatusCode 5XX"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("slack messages lack %q", want)
		}
	}
}

func TestWatchDocFromStdin(t *testing.T) {
	f := newFixture(t)
	id := f.task(quick("http://static.example.com/a.js"))
	var out, errb bytes.Buffer
	doc := `{"v":1,"provider":"aliyun-cdn","taskIds":["` + id + `"],"notify":["slack"]}`
	code := Main(context.Background(), []string{"watch", "--doc", "-"},
		Stdio{In: strings.NewReader(doc), Out: &out, Err: &errb}, func(k string) string { return f.env[k] })
	if code != ExitComplete {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	code = Main(context.Background(), []string{"watch", "--doc", "-"},
		Stdio{In: strings.NewReader(`{"v":1,"provider":"aliyun-cdn"}`), Out: &out, Err: &errb}, func(k string) string { return f.env[k] })
	if code != ExitUsage || !strings.Contains(errb.String(), "taskIds") {
		t.Fatalf("bad document: exit %d; stderr:\n%s", code, errb.String())
	}
}

func TestWatchSlackBotInvalidAuthExit4(t *testing.T) {
	f := newFixture(t)
	id := f.task(quick("http://static.example.com/a.js"))
	api := httptest.NewServer(slack.NewWebAPI(nil, "xoxb-right-token", "cdn-ops", "C0123456789"))
	defer api.Close()
	f.env["CDNWATCH_SLACK_BOT_TOKEN"] = "xoxb-wrong-token"
	f.env["CDNWATCH_SLACK_CHANNEL"] = "C0123456789"
	f.env["CDNWATCH_SLACK_API_URL"] = api.URL + "/api"
	code, _, stderr := f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", id)
	if code != ExitRefused {
		t.Fatalf("exit %d, want 4; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "invalid_auth") || strings.Contains(stderr, "xoxb-wrong-token") {
		t.Errorf("stderr should name invalid_auth and never the token:\n%s", stderr)
	}
}
