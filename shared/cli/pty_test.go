package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/notify/webhook"
	"cdnwatch/shared/watch"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds cmd/cdnwatch once per test run.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command; skipped with -short")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cdnwatch-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "cdnwatch")
		out, err := exec.Command("go", "build", "-o", binPath, "cdnwatch/cmd/cdnwatch").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// binEnv is the environment of the built command: loopback only, no cloud metadata.
func (f *fixture) binEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "TERM=xterm",
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true", "AWS_EC2_METADATA_DISABLED=true",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + testKey, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + testSecret}
	for k, v := range f.env {
		env = append(env, k+"="+v)
	}
	return append(env, extra...)
}

// runInPTY runs the command with stdout and stderr on a pseudo-terminal of cols×rows and
// returns everything the terminal received, and the exit code.
func runInPTY(t *testing.T, cols, rows int, env []string, args ...string) (string, int) {
	t.Helper()
	master, slave := openPTY(t, cols, rows)
	defer master.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr, cmd.Stdin = slave, slave, nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close() // the child holds it now; EOF (EIO) on the master once it exits
	var raw bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(&raw, master)
	}()
	err := cmd.Wait()
	<-done
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return raw.String(), code
}

// The live display in a real pseudo-terminal at 80 and 120 columns: it redraws in place
// (no copy of the block is left anywhere on the screen), no line of it is wider than the
// terminal, the countdown ticks, the overall progress never goes backwards, failures are
// printed above it once each, and the final screen holds the summary.
func TestLiveDisplayInPTY(t *testing.T) {
	for _, cols := range []int{80, 120} {
		t.Run(strconv.Itoa(cols), func(t *testing.T) {
			binary(t) // built before the tasks start their clocks
			f := newFixture(t)
			var ids []string
			var failing []string
			for i := range 8 {
				o := cdnsim.Object{Path: fmt.Sprintf("https://static.example.com/assets/v1.4.2/chunk-%02d.js", i),
					Type: cdnsim.TypeFile, Duration: time.Duration(2+i%4) * time.Second}
				if i%3 == 1 {
					o.FailReason = "Origin Return StatusCode 5XX"
					failing = append(failing, o.Path)
				}
				ids = append(ids, f.task(o))
			}
			label := "release 2026-12-01: web v1.4.2 deploy of the storefront, the admin console and the mobile API"
			raw, code := runInPTY(t, cols, 30, f.binEnv(), "watch", "--provider", "aliyun-cdn",
				"--task-id", strings.Join(ids, ","), "--label", label, "--interval", "3s")
			if code != ExitFailed {
				t.Fatalf("exit %d, want 1; terminal:\n%s", code, raw)
			}
			scr := newScreen(t, cols, 30)
			scr.feed(raw)
			final := scr.last()
			// A frame while it ran: after the first failure, at the end of a redraw.
			if i := strings.Index(raw, "FAILED"); i > 0 {
				if j := strings.Index(raw[i:], "elapsed"); j > 0 {
					if k := strings.Index(raw[i+j:], "\x1b[J"); k > 0 {
						mid := newScreen(t, cols, 30)
						mid.feed(raw[:i+j+k])
						t.Logf("while running, at %d columns:\n%s", cols, mid.last())
					}
				}
			}
			t.Logf("final screen at %d columns:\n%s", cols, final)
			if p := os.Getenv("CDNWATCH_SCREEN_OUT"); p != "" && cols == 80 {
				_ = os.WriteFile(p, []byte(final+"\n"), 0o644)
			}
			all := scr.text()
			for _, l := range all {
				if strings.HasPrefix(l, "cdnwatch · ") || strings.Contains(l, "next poll in") {
					t.Errorf("a copy of the live block was left on screen: %q", l)
				}
			}
			// Failures above the block, once each, with path and reason; again in the summary.
			for _, p := range failing {
				above, inSummary := 0, 0
				for _, l := range all {
					if strings.HasPrefix(l, "FAILED  task ") && strings.Contains(l, p) {
						above++
					}
					if strings.HasPrefix(l, "  FAILED  task ") && strings.Contains(l, p) {
						inSummary++
					}
				}
				if above != 1 || inSummary != 1 {
					t.Errorf("%s: printed %d times as it failed and %d times in the summary, want 1 and 1", p, above, inSummary)
				}
			}
			for _, want := range []string{fmt.Sprintf("failed: %d of 8 tasks failed or unknown", len(failing)),
				fmt.Sprintf("8 tasks: %d complete, %d failed, 0 unknown, 0 pending", 8-len(failing), len(failing)),
				"document: not kept"} {
				if !strings.Contains(final, want) {
					t.Errorf("final screen lacks %q", want)
				}
			}
			// Every frame of the block fits the width: no drawn line (the text between
			// two erase-in-line codes) is wider than cols-1.
			for _, frame := range strings.Split(raw, "\x1b[K") {
				if i := strings.LastIndexAny(frame, "\r\n"); i >= 0 {
					frame = frame[i+1:]
				}
				if strings.Contains(frame, "cdnwatch · ") || strings.Contains(frame, "%") {
					if w := len([]rune(frame)); w > cols-1 {
						t.Errorf("a block line is %d columns wide on a %d-column terminal: %q", w, cols, frame)
					}
				}
			}
			// The overall figure never goes backwards.
			pcts := regexp.MustCompile(`\] +(\d+)%\x1b\[K`).FindAllStringSubmatch(raw, -1)
			if len(pcts) < 3 {
				t.Fatalf("only %d frames of the bar; terminal:\n%q", len(pcts), raw)
			}
			prev := -1
			for _, m := range pcts {
				p, _ := strconv.Atoi(m[1])
				if p < prev {
					t.Fatalf("progress went back from %d%% to %d%%", prev, p)
				}
				prev = p
			}
			// The countdown ticks: some poll shows "next poll in 2s" then "in 1s".
			if !regexp.MustCompile(`next poll in 2s[^\n]*\n(?s:.*)next poll in 1s`).MatchString(raw) {
				t.Errorf("the countdown never ticked from 2s to 1s")
			}
		})
	}
}

// `cdnwatch demo` on a terminal: the Slack boxes go above the live block, so no frozen
// copy of the bar is left above any of them.
func TestDemoInPTYLeavesNoFrozenBar(t *testing.T) {
	f := &fixture{env: map[string]string{}}
	raw, code := runInPTY(t, 100, 40, f.binEnv(), "demo", "--tasks", "4", "--seed", "3")
	if code != 0 {
		t.Fatalf("demo exit %d:\n%s", code, raw)
	}
	scr := newScreen(t, 100, 40)
	scr.feed(raw)
	text := strings.Join(scr.text(), "\n")
	if strings.Contains(text, "cdnwatch · ") || strings.Contains(text, "next poll in") {
		t.Errorf("the demo left a copy of the live block on screen:\n%s", text)
	}
	if !strings.Contains(text, "watching 4 aliyun-cdn tasks") || !strings.Contains(text, "would exit 1") {
		t.Errorf("demo output:\n%s", text)
	}
}

// recordingHook is a webhook receiver that also keeps every body it is sent by webhook-id,
// so a test can tell a re-sent notice (same id, same failures) from a new one.
type recordingHook struct {
	recv   *webhook.Receiver
	mu     sync.Mutex
	bodies map[string][]webhook.Body
}

func (h *recordingHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var b webhook.Body
	if json.Unmarshal(raw, &b) == nil {
		h.mu.Lock()
		h.bodies[r.Header.Get("webhook-id")] = append(h.bodies[r.Header.Get("webhook-id")], b)
		h.mu.Unlock()
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	h.recv.ServeHTTP(w, r)
}

// kill -9 in the middle of a watch with --state, then the same command again: the rerun
// resumes the same watch (same id, the state key verified), and no failure is lost: every
// failed object reaches the receiver with its path and reason, and a notice id that is
// sent again carries the same failures.
func TestStateResumeAfterKill(t *testing.T) {
	bin := binary(t)
	f := newFixture(t)
	recv, err := webhook.NewReceiver(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	hook := &recordingHook{recv: recv, bodies: map[string][]webhook.Body{}}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	delete(f.env, "CDNWATCH_SLACK_WEBHOOK_URL")
	f.env["CDNWATCH_WEBHOOK_URL"] = srv.URL + "/hook"
	f.env["CDNWATCH_STATE_KEY"] = "state-key-for-the-resume-test"
	var ids []string
	failing := map[string]string{} // path → task id
	for i := range 6 {
		o := cdnsim.Object{Path: fmt.Sprintf("https://static.example.com/r/%d.js", i), Type: cdnsim.TypeFile,
			Duration: time.Duration(1+i%2*6) * time.Second} // 1 s or 7 s
		if i%2 == 0 {
			o.FailReason = "Origin Timeout"
		}
		id := f.task(o)
		ids = append(ids, id)
		if o.FailReason != "" {
			failing[o.Path] = id
		}
	}
	state := filepath.Join(t.TempDir(), "watch.json")
	args := []string{"watch", "--provider", "aliyun-cdn", "--task-id", strings.Join(ids, ","), "--state", state, "--interval", "2s"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	first := exec.CommandContext(ctx, bin, args...)
	first.Env = f.binEnv()
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	var before *watch.Document
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		data, err := os.ReadFile(state)
		if err != nil {
			continue
		}
		d, err := watch.Decode(data, []byte(f.env["CDNWATCH_STATE_KEY"]))
		if err != nil {
			t.Fatalf("a checkpoint does not decode and verify: %v", err)
		}
		if d.State.Failed > 0 && len(d.TaskIDs) > 0 {
			before = d
			break
		}
	}
	_ = first.Process.Kill()
	_ = first.Wait()
	if before == nil {
		t.Fatalf("no checkpoint with a failure while tasks were pending; stderr:\n%s", firstErr.String())
	}

	again := exec.CommandContext(ctx, bin, args...)
	again.Env = f.binEnv()
	var againErr bytes.Buffer
	again.Stderr = &againErr
	err = again.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitFailed {
		t.Fatalf("rerun: %v, want exit 1; stderr:\n%s", err, againErr.String())
	}
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	after, err := watch.Decode(data, []byte(f.env["CDNWATCH_STATE_KEY"]))
	if err != nil {
		t.Fatalf("final state: %v", err)
	}
	if after.State.ID != before.State.ID {
		t.Errorf("the rerun is watch %s, the first run was %s", after.State.ID, before.State.ID)
	}
	if after.State.Failed != len(failing) || after.State.Complete != len(ids)-len(failing) || after.State.Finished != watch.EndFailed {
		t.Errorf("final state: %d failed, %d complete, finished %q", after.State.Failed, after.State.Complete, after.State.Finished)
	}
	// No failure lost: each failed object reached the receiver with path and reason.
	hook.mu.Lock()
	defer hook.mu.Unlock()
	reached := map[string]bool{}
	for id, bodies := range hook.bodies {
		for _, b := range bodies {
			for _, task := range b.Tasks {
				if task.Status == "failed" && task.Reason == "Origin Timeout" && failing[task.Path] == task.ID {
					reached[task.Path] = true
				}
			}
			if fmt.Sprint(b.Tasks) != fmt.Sprint(bodies[0].Tasks) {
				t.Errorf("notice %s sent twice with different failures: %v / %v", id, bodies[0].Tasks, b.Tasks)
			}
		}
	}
	for p := range failing {
		if !reached[p] {
			t.Errorf("the failure of %s never reached the receiver", p)
		}
	}
	t.Logf("deliveries %d, duplicates dropped by webhook-id %d", len(recv.Deliveries()), recv.Duplicates())
}

// Ctrl-C: exit 3, what is pending, and the exact command that resumes (the document was
// saved for it); that command picks up the same watch.
func TestInterruptPrintsResumeCommand(t *testing.T) {
	bin := binary(t)
	f := newFixture(t)
	a := f.task(cdnsim.Object{Path: "http://static.example.com/big1.bin", Type: cdnsim.TypePreload, Duration: time.Hour})
	b := f.task(cdnsim.Object{Path: "http://static.example.com/big2.bin", Type: cdnsim.TypePreload, Duration: time.Hour})
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "watch", "--provider", "aliyun-cdn", "--task-id", a+","+b)
	cmd.Env = f.binEnv("TMPDIR=" + tmp)
	var errb syncBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(errb.String(), "next poll in"); {
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitTimeout {
		t.Fatalf("after Ctrl-C: %v, want exit 3; stderr:\n%s", err, errb.String())
	}
	out := errb.String()
	m := regexp.MustCompile(`resume with: cdnwatch (watch --state (\S+))\n`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "interrupted with 2 tasks pending") || !strings.Contains(out, "pending: "+a+" "+b) {
		t.Fatalf("stderr after Ctrl-C:\n%s", out)
	}
	saved := readState(t, m[2])
	resume := exec.CommandContext(ctx, bin, append(strings.Fields(m[1]), "--timeout", "1s", "--json")...)
	resume.Env = f.binEnv()
	stdout, err := resume.Output()
	if !errors.As(err, &ee) || ee.ExitCode() != ExitTimeout {
		t.Fatalf("resume: %v", err)
	}
	var resp watch.Response
	if err := json.Unmarshal(stdout, &resp); err != nil || resp.State == nil || resp.State.ID != saved.State.ID || resp.State.Hops <= saved.State.Hops {
		t.Fatalf("resumed document (err %v): %s", err, stdout)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A provider that fails for a while: the block says since when and how many polls, the
// watch goes on, and it ends complete (exit 0) once the provider answers again.
func TestLiveDisplayShowsProviderTrouble(t *testing.T) {
	binary(t)
	f := newFixture(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, f.task(cdnsim.Object{Path: fmt.Sprintf("https://static.example.com/t/%d.css", i),
			Type: cdnsim.TypeFile, Duration: 2 * time.Second}))
	}
	f.sim.SetFaults("aliyun-cdn", cdnsim.Faults{Fail5xx: 12})
	raw, code := runInPTY(t, 80, 24, f.binEnv(), "watch", "--provider", "aliyun-cdn", "--task-id", strings.Join(ids, ","),
		"--interval", "4s", "--timeout", "2m")
	if code != ExitComplete {
		t.Fatalf("exit %d, want 0; terminal:\n%q", code, raw)
	}
	if !regexp.MustCompile(`provider failing since \d\d:\d\d:\d\d \(\d+ polls?\): `).MatchString(raw) {
		t.Errorf("the block never said the provider was failing:\n%q", raw)
	}
	// A frame as a person saw it while the provider failed.
	scr := newScreen(t, 80, 24)
	if i := strings.Index(raw, "provider failing since"); i > 0 {
		if j := strings.Index(raw[i:], "\x1b[J"); j > 0 {
			scr.feed(raw[:i+j])
			t.Logf("while failing:\n%s", scr.last())
		}
	}
	final := newScreen(t, 80, 24)
	final.feed(raw)
	if text := final.last(); strings.Contains(text, "provider failing") || !strings.Contains(text, "complete: every task finished") {
		t.Errorf("final screen:\n%s", text)
	}
}
