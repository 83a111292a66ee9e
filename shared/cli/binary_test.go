package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBinaryWatchAgainstSeparateSim is the user's view: `cdnwatch sim` started as its own
// process, then `cdnwatch watch` with the exports and the command it printed. Some tasks
// fail, so watch exits 1 and names every failed object with its path and reason.
func TestBinaryWatchAgainstSeparateSim(t *testing.T) {
	bin := binary(t) // built once per run; skipped with -short
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sim := exec.CommandContext(ctx, bin, "sim", "--provider", "aliyun-cdn", "--addr", "127.0.0.1:0",
		"--tasks", "8", "--fail-rate", "0.5", "--seed", "4", "--refresh", "1s-3s", "--preload", "2s-4s", "--pending", "0s-1s")
	sim.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	stdout, err := sim.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sim.Process.Kill(); _ = sim.Wait() }()

	// The simulator prints: a banner, "export …ENDPOINT=…", "export KEY=… SECRET=…", and the command.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"}
	var args []string
	sc := bufio.NewScanner(stdout)
	for args == nil && sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "export "):
			env = append(env, strings.Fields(strings.TrimPrefix(line, "export "))...)
		case strings.HasPrefix(line, "cdnwatch watch "):
			args = strings.Fields(strings.TrimPrefix(line, "cdnwatch "))
		}
	}
	if args == nil {
		t.Fatal("cdnwatch sim printed no watch command")
	}
	watch := exec.CommandContext(ctx, bin, args...)
	watch.Env = env
	var errb bytes.Buffer
	watch.Stderr = &errb
	err = watch.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitFailed {
		t.Fatalf("watch: %v, want exit 1; stderr:\n%s", err, errb.String())
	}
	failed := regexp.MustCompile(`(?m)^FAILED  task \d+  https?://\S+  (Internal Error|Origin Timeout|Origin Return StatusCode 5XX)$`)
	if n := len(failed.FindAllString(errb.String(), -1)); n == 0 {
		t.Fatalf("no failed object named with path and reason; stderr:\n%s", errb.String())
	}
	if !strings.Contains(errb.String(), "cdnwatch watch: failed: ") {
		t.Errorf("no final line; stderr:\n%s", errb.String())
	}
}
