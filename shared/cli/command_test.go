package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/notify/webhook"
	"cdnwatch/shared/watch"
)

// Conventional help for every sub-command, both ways of asking: on stdout, nothing on
// stderr, with a description, examples, the environment and the exit codes.
func TestHelpOfEverySubcommand(t *testing.T) {
	f := &fixture{env: map[string]string{}}
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"watch", []string{"Watch CDN refresh or prefetch tasks", "Examples:", "--interval duration",
			"(default " + shortDuration(watch.DefaultPolicy().Max) + ")",
			"--timeout duration", "(default 2h)", "--state string", "--delivery-timeout duration",
			"Environment:", "ALIBABA_CLOUD_ACCESS_KEY_ID", "CDNWATCH_SLACK_WEBHOOK_URL", "Exit codes:", "  5  every task complete"}},
		{"demo", []string{"built-in simulator", "Examples:", "Environment:", "CDNWATCH_LANG", "Exit codes:"}},
		{"sim", []string{"wire format", "Examples:", "--env-file", "Environment:", "Exit codes:"}},
		{"invoke", []string{"Lambda or FC handler", "Examples:", "--runtime", "Environment:", "Exit codes:"}},
		{"sweep", []string{"one tick of a scheduled sweep", "Examples:", "--settle duration", "Environment:", "Exit codes:"}},
		{"completion", []string{"autocompletion", "Exit codes:"}},
	} {
		for _, args := range [][]string{{tc.cmd, "--help"}, {"help", tc.cmd}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, stdout, stderr := f.run(t, args...)
				if code != 0 || stderr != "" {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
				for _, w := range append(tc.want, "Usage:\n  cdnwatch "+tc.cmd) {
					if !strings.Contains(stdout, w) {
						t.Errorf("help lacks %q:\n%s", w, stdout)
					}
				}
			})
		}
	}
}

func TestVersion(t *testing.T) {
	f := &fixture{env: map[string]string{}}
	code, stdout, _ := f.run(t, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "cdnwatch ") {
		t.Fatalf("--version: exit %d, %q", code, stdout)
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "cdnwatch", Version: "v0.0.0-20261201140000-0123456789ab"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-01T14:00:00Z"},
			{Key: "vcs.modified", Value: "true"}}}
	got := versionOf(bi)
	for _, w := range []string{"v0.0.0-20261201140000-0123456789ab", "revision 0123456789ab,", "2026-12-01T14:00:00Z", "modified", "go1.26.8"} {
		if !strings.Contains(got, w) {
			t.Errorf("version %q lacks %q", got, w)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	f := &fixture{env: map[string]string{}}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, stdout, _ := f.run(t, "completion", sh)
		if code != 0 || !strings.Contains(stdout, "cdnwatch") || len(stdout) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes", sh, code, len(stdout))
		}
	}
}

// The shell asks the command itself what to complete (cobra's __complete).
func TestCompletionOfFlagValues(t *testing.T) {
	f := &fixture{env: map[string]string{}}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "watch", "--provider", ""}, "aliyun-cdn"},
		{[]string{"__complete", "watch", "--notify", ""}, "webhook"},
		{[]string{"__complete", "invoke", "--runtime", ""}, "lambda"},
		{[]string{"__complete", "wa"}, "watch"},
		{[]string{"__complete", "help", "sw"}, "sweep"},
	} {
		code, stdout, _ := f.run(t, tc.args...)
		if code != 0 || !strings.Contains(stdout, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, stdout, tc.want)
		}
	}
}

// repeatedPrefix finds a ": "-separated segment repeated at once ("open x: open x: ").
func repeatedPrefix(s string) string {
	for _, line := range strings.Split(s, "\n") {
		parts := strings.Split(line, ": ")
		for i := 1; i < len(parts); i++ {
			if len(parts[i]) > 3 && parts[i] == parts[i-1] {
				return parts[i]
			}
		}
	}
	return ""
}

// Every refusal: exit 2, one or two lines (plus the pointer to --help) that name the
// problem and what to do, and never the same prefix twice in a row.
func TestUsageAndConfigurationErrors(t *testing.T) {
	f := newFixture(t)
	id := f.task(quick("http://static.example.com/a.js"))
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name string
		env  map[string]string
		in   string
		args []string
		want []string
	}{
		{"unknown command", nil, "", []string{"wacth"}, []string{`unknown command "wacth"`, "Did you mean this?", "watch"}},
		{"help of an unknown command", nil, "", []string{"help", "wacth"}, []string{`no command "wacth" (did you mean "watch"?)`}},
		{"unknown flag", nil, "", []string{"watch", "--task-ids", "1"}, []string{"unknown flag: --task-ids (did you mean --task-id?)"}},
		{"single dash", nil, "", []string{"watch", "-provider", "x"}, []string{"flags are long"}},
		{"duration without unit", nil, "", []string{"watch", "--provider", "aliyun-cdn", "--task-id", id, "--timeout", "30"},
			[]string{`invalid argument "30" for "--timeout" flag: want a duration with a unit, e.g. 30s, 10m, 2h`}},
		{"stray argument", nil, "", []string{"watch", "--provider", "aliyun-cdn", id}, []string{"unexpected argument"}},
		{"state in a missing directory", nil, "", []string{"watch", "--provider", "aliyun-cdn", "--task-id", id, "--state", "/nonexistent-dir/w.json"},
			[]string{"--state /nonexistent-dir/w.json: cannot write there"}},
		{"nothing to watch", nil, "", []string{"watch"}, []string{"nothing to watch"}},
		{"doc and ids", nil, "", []string{"watch", "--doc", "x.json", "--task-id", id}, []string{"exclude each other"}},
		{"unknown channel", nil, "", []string{"watch", "--provider", "aliyun-cdn", "--task-id", id, "--notify", "teams"},
			[]string{`--notify names channel "teams", which does not exist (channels: slack, webhook, dingtalk, feishu, wecom)`}},
		{"unconfigured channel", nil, "", []string{"watch", "--provider", "aliyun-cdn", "--task-id", id, "--notify", "slack,webhook"},
			[]string{`--notify names channel "webhook", which is not configured`, "set CDNWATCH_WEBHOOK_URL"}},
		{"document's channel", nil, `{"v":1,"provider":"aliyun-cdn","taskIds":["` + id + `"],"notify":["dingtalk"]}`,
			[]string{"watch", "--doc", "-"}, []string{`--doc -'s notify names channel "dingtalk", which is not configured`, "CDNWATCH_DINGTALK_WEBHOOK_URL"}},
		{"blank state key", map[string]string{"CDNWATCH_STATE_KEY": "  "}, "", []string{"watch", "--provider", "aliyun-cdn", "--task-id", id},
			[]string{"CDNWATCH_STATE_KEY is blank"}},
		{"missing credentials", map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""}, "",
			[]string{"watch", "--provider", "aliyun-cdn", "--task-id", id}, []string{"no credentials for aliyun-cdn", "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"}},
		{"sweep settle 0", nil, "", []string{"sweep", "--provider", "aliyun-cdn", "--settle", "0s"}, []string{"--settle 0s: want a positive duration"}},
		{"sweep window 0", nil, "", []string{"sweep", "--provider", "aliyun-cdn", "--window", "0s"}, []string{"--window 0s: want a positive duration"}},
		{"sweep future at", nil, "", []string{"sweep", "--provider", "aliyun-cdn", "--at", future}, []string{"is in the future"}},
		{"sweep unknown provider", nil, "", []string{"sweep", "--provider", "akamai"}, []string{`unknown provider "akamai"`}},
		{"sim range without unit", nil, "", []string{"sim", "--refresh", "30"}, []string{`range "30": want durations with a unit`}},
		{"not a number", nil, "", []string{"demo", "--tasks", "five"}, []string{`invalid argument "five" for "--tasks" flag: want a whole number`}},
		{"demo no tasks", nil, "", []string{"demo", "--tasks", "0"}, []string{"--tasks 0: want at least 1"}},
		{"invoke no runtime", nil, "", []string{"invoke", "--event", "x.json"}, []string{"--runtime"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				if strings.HasPrefix(k, "ALIBABA_") {
					t.Setenv(k, v)
					continue
				}
				old, had := f.env[k]
				f.env[k] = v
				t.Cleanup(func() {
					if had {
						f.env[k] = old
					} else {
						delete(f.env, k)
					}
				})
			}
			var out, errb bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code := Main(ctx, tc.args, Stdio{In: strings.NewReader(tc.in), Out: &out, Err: &errb}, func(k string) string { return f.env[k] })
			stderr := errb.String()
			if code != ExitUsage {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) > 4 || len(stderr) > 400 {
				t.Errorf("a refusal of %d lines, %d bytes:\n%s", len(lines), len(stderr), stderr)
			}
			if m := repeatedPrefix(stderr); m != "" {
				t.Errorf("repeated prefix %q:\n%s", m, stderr)
			}
		})
	}
}

// --doc with flags: the flags given explicitly win over the document's fields.
func TestWatchDocFieldsOverriddenByFlags(t *testing.T) {
	f := newFixture(t)
	slow := f.task(cdnsim.Object{Path: "http://static.example.com/big.bin", Type: cdnsim.TypePreload, Duration: time.Hour})
	dir := t.TempDir()
	docFile := filepath.Join(dir, "doc.json")
	doc := `{"v":1,"provider":"aliyun-cdn","taskIds":["` + slow + `"],"label":"from the document","timeout":"2h","interval":"1m"}`
	if err := os.WriteFile(docFile, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, stdout, stderr := f.run(t, "watch", "--doc", docFile, "--label", "from the flag", "--timeout", "2s", "--interval", "5s", "--json")
	if code != ExitTimeout {
		t.Fatalf("exit %d, want 3 (the flag's 2s, not the document's 2h); stderr:\n%s", code, stderr)
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("took %s for a 2s timeout", el)
	}
	var resp watch.Response
	if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Label != "from the flag" || resp.Timeout.D != 2*time.Second || resp.Interval.D != 5*time.Second {
		t.Errorf("document fields: label %q timeout %s interval %s", resp.Label, resp.Timeout.D, resp.Interval.D)
	}
	raw, _ := json.Marshal(f.slack.Messages())
	if !strings.Contains(string(raw), "from the flag") || strings.Contains(string(raw), "from the document") {
		t.Errorf("the timeout notice should carry the flag's label: %s", raw)
	}
}

// A watch that timed out, resumed from its --state file with a longer --timeout, goes on
// under the same watch id and ends complete.
func TestWatchResumeTimedOutWithMoreTime(t *testing.T) {
	f := newFixture(t)
	id := f.task(cdnsim.Object{Path: "http://static.example.com/slowish.js", Type: cdnsim.TypeFile, Duration: 4 * time.Second})
	state := filepath.Join(t.TempDir(), "watch.json")
	code, _, stderr := f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", id, "--timeout", "1s", "--state", state)
	if code != ExitTimeout {
		t.Fatalf("first run: exit %d, want 3; stderr:\n%s", code, stderr)
	}
	first := readState(t, state)
	if first.State.Finished != watch.EndTimeout {
		t.Fatalf("state.finished = %q after the timeout", first.State.Finished)
	}
	if !strings.Contains(stderr, "resume with: cdnwatch watch --state "+state+" --timeout 2s") {
		t.Errorf("no resume command:\n%s", stderr)
	}
	// The same command again resumes; without more time it stays timed out.
	code, _, stderr = f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", id, "--timeout", "1m", "--state", state)
	if code != ExitComplete {
		t.Fatalf("resumed with --timeout 1m: exit %d, want 0; stderr:\n%s", code, stderr)
	}
	second := readState(t, state)
	if second.State.ID != first.State.ID || second.State.Finished != watch.EndComplete || second.State.Complete != 1 {
		t.Errorf("resumed state: id %s (was %s), finished %q, complete %d", second.State.ID, first.State.ID,
			second.State.Finished, second.State.Complete)
	}
	// Another watch's state file is refused, not overwritten.
	other := f.task(quick("http://static.example.com/other.js"))
	code, _, stderr = f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", other, "--state", state)
	if code != ExitUsage || !strings.Contains(stderr, "holds watch "+first.State.ID) {
		t.Errorf("other watch, same --state: exit %d; stderr:\n%s", code, stderr)
	}
}

func readState(t *testing.T, path string) *watch.Document {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := watch.Decode(data, nil)
	if err != nil {
		t.Fatalf("state file does not decode: %v\n%s", err, data)
	}
	return d
}

// Exit 5: every task complete, but the only channel answers 500 to everything. Delivery
// ends after --delivery-timeout with one line naming the channel and the notice ids.
// With a failed task as well, the exit stays 1 and the line still appears.
func TestWatchUndeliveredExit5(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail bool
		want int
	}{{"complete", false, ExitDelivery}, {"failed", true, ExitFailed}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			recv, err := webhook.NewReceiver(nil, "")
			if err != nil {
				t.Fatal(err)
			}
			recv.FailNext(1<<30, 500, 0)
			srv := httptest.NewServer(recv)
			defer srv.Close()
			delete(f.env, "CDNWATCH_SLACK_WEBHOOK_URL")
			f.env["CDNWATCH_WEBHOOK_URL"] = srv.URL + "/hook"
			o := quick("http://static.example.com/a.js")
			if tc.fail {
				o.FailReason = "Origin Timeout"
			}
			id := f.task(o)
			start := time.Now()
			code, stdout, stderr := f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", id, "--delivery-timeout", "3s", "--json")
			if code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.want, stderr)
			}
			if el := time.Since(start); el > 30*time.Second {
				t.Errorf("took %s with a 3s delivery timeout", el)
			}
			var resp watch.Response
			if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
				t.Fatalf("--json: %v\n%s", err, stdout)
			}
			var ids []string
			for _, q := range resp.State.Outbox.Queue {
				ids = append(ids, q.Notice.ID)
			}
			if len(ids) == 0 {
				t.Fatal("the undelivered notices left the document")
			}
			line := "cdnwatch watch: notices not delivered (webhook: " + strings.Join(ids, ", ") + "); they stay in the document"
			if strings.Count(stderr, line) != 1 {
				t.Errorf("want the line %q once; stderr:\n%s", line, stderr)
			}
			if n := strings.Count(stderr, "cdnwatch watch: complete:") + strings.Count(stderr, "cdnwatch watch: failed:"); n != 1 {
				t.Errorf("%d outcome lines, want 1:\n%s", n, stderr)
			}
			if recv.Requests() < 2 {
				t.Errorf("the receiver saw %d requests: delivery was not retried", recv.Requests())
			}
		})
	}
}

// --timeout holds against a provider that accepts connections and never answers: exit 3
// within a few seconds of it, the pending ids in the document.
func TestWatchTimeoutIsAHardBound(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // read nothing, answer nothing
		}
	}()
	f.env["CDNWATCH_ALIYUN_CDN_ENDPOINT"] = "http://" + ln.Addr().String()
	start := time.Now()
	code, stdout, stderr := f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", "17000000001,17000000002", "--timeout", "3s", "--json")
	el := time.Since(start)
	if code != ExitTimeout {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, stderr)
	}
	if el > 3*time.Second+2*timeoutGrace {
		t.Errorf("a 3s timeout took %s", el)
	}
	var resp watch.Response
	if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if strings.Join(resp.TaskIDs, ",") != "17000000001,17000000002" || resp.State == nil || resp.State.Finished != watch.EndTimeout {
		t.Errorf("document: ids %v state %+v", resp.TaskIDs, resp.State)
	}
	if !strings.Contains(stderr, "pending: 17000000001 17000000002") {
		t.Errorf("stderr does not name the pending ids:\n%s", stderr)
	}
}

// --json prints the input document when the provider refuses before any hop.
func TestWatchJSONWhenRefusedAtOnce(t *testing.T) {
	f := newFixture(t)
	id := f.task(quick("http://static.example.com/a.js"))
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-secret")
	code, stdout, stderr := f.run(t, "watch", "--provider", "aliyun-cdn", "--task-id", id, "--label", "L", "--json")
	if code != ExitRefused {
		t.Fatalf("exit %d, want 4; stderr:\n%s", code, stderr)
	}
	var resp watch.Response
	if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
		t.Fatalf("--json after a refusal: %v\n%q", err, stdout)
	}
	if resp.Provider != "aliyun-cdn" || len(resp.TaskIDs) != 1 || resp.TaskIDs[0] != id || resp.Label != "L" {
		t.Errorf("document %+v", resp.Document)
	}
	if n := len(strings.Split(strings.TrimSpace(stderr), "\n")); n > 3 || strings.Contains(stderr, "wrong-secret") {
		t.Errorf("refusal in %d lines (or with the secret):\n%s", n, stderr)
	}
}

// `demo --tasks 5` watches 5 tasks.
func TestDemoWatchesAsManyTasksAsAsked(t *testing.T) {
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	Main(ctx, []string{"demo", "--tasks", "5"}, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb}, func(string) string { return "" })
	if !strings.Contains(errb.String(), "watching 5 aliyun-cdn tasks") {
		t.Errorf("stderr:\n%s", errb.String())
	}
	if !strings.Contains(errb.String(), "interrupted with") {
		t.Errorf("an interrupted demo should say what was pending:\n%s", errb.String())
	}
}

// `sim --refresh 0s --pending 0s` means at once, not the simulator's defaults.
func TestSimZeroRangesAreHonoured(t *testing.T) {
	for _, s := range []string{"0s", "0s-0s", "0"} {
		r, err := parseRange(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if r == (cdnsim.Range{}) || r.Max > time.Microsecond {
			t.Errorf("%q = %+v: want a non-default range of (about) zero", s, r)
		}
	}
}
