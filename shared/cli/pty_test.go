package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
