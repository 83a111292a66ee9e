package chaos_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"cdnwatch/shared/watch"
)

// TestChaosCommandKillRestart runs the real command with --state against cdnsim with
// injected faults, kills it with SIGKILL at random moments and starts it again with the
// same command line, as a CI runner that lost its machine would. The run must end with
// the contract's exit code (1: some tasks failed), every failure reported once under a
// stable id, and every state file and --json document verifying.
func TestChaosCommandKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos runs take about a minute")
	}
	cli, _ := binaries(t)
	for _, run := range []chaosRun{
		{name: "faults20-key", tasks: 60, failRate: 0.3, faults: 0.2, key: true, kills: 8},
		{name: "faults50-nokey", tasks: 60, failRate: 0.3, faults: 0.5, kills: 8},
		// The reliability issue's case: 300 tasks at 50 % faults, no kills.
		{name: "300tasks-faults50-key", tasks: 300, failRate: 0.08, faults: 0.5, key: true},
	} {
		t.Run(run.name, func(t *testing.T) {
			chaosCommand(t, cli, run)
		})
	}
}

type chaosRun struct {
	name             string
	tasks            int
	failRate, faults float64
	key              bool
	kills            int // kill and restart this many times at most
}

func chaosCommand(t *testing.T, cli string, run chaosRun) {
	name, faults, key := run.name, run.faults, run.key
	start := time.Now()
	rng := rand.New(rand.NewPCG(uint64(len(name)), 23))
	w := newWorld(t, run.tasks, run.failRate, faults, int64(len(name))+100)
	w.hook.recv.FailNext(3, 500, 0)
	state := filepath.Join(t.TempDir(), "watch.json")
	args := []string{"watch", "--provider", "aliyun-cdn", "--task-id", strings.Join(w.ids, ","),
		"--label", "chaos " + name, "--notify", "webhook", "--state", state, "--json", "--timeout", "3m", "--interval", "5s"}
	f := figures{Run: "command " + name}
	var (
		code   int
		stdout bytes.Buffer
	)
	for attempt := 0; ; attempt++ {
		if time.Since(start) > 150*time.Second {
			t.Fatalf("the watch did not end within the run's bound after %d restarts", f.Restarts)
		}
		stdout.Reset()
		var stderr bytes.Buffer
		cmd := exec.Command(cli, args...)
		cmd.Env = w.env(key)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		killAfter := time.Duration(1000+rng.IntN(3000)) * time.Millisecond
		if attempt >= run.kills {
			killAfter = time.Hour // enough chaos: let it finish
		}
		select {
		case err = <-done:
		case <-time.After(killAfter):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			f.Kills++
			f.Restarts++
			checkStateFile(t, state, key)
			continue
		}
		var ee *exec.ExitError
		switch {
		case err == nil:
			code = 0
		case errors.As(err, &ee):
			code = ee.ExitCode()
		default:
			t.Fatal(err)
		}
		if code == 2 {
			t.Fatalf("exit 2 (usage/configuration) on a restart: %s", stderr.String())
		}
		break
	}
	if code != 1 {
		t.Errorf("exit %d, want 1 (some tasks failed)", code)
	}
	d, err := watch.Decode(stdout.Bytes(), keyBytes(key))
	if err != nil {
		t.Fatalf("--json document does not decode and verify: %v\n%.400s", err, stdout.String())
	}
	if d.State == nil || d.State.Finished != watch.EndFailed || len(d.TaskIDs) != 0 {
		t.Errorf("final document: %+v", d.State)
	}
	checkStateFile(t, state, key)
	f.Elapsed = time.Since(start).Round(time.Second)
	w.check(t, &f)
}

// checkStateFile: the checkpoint, when there is one, is a whole document that verifies
// (written atomically: a kill never leaves half a file).
func checkStateFile(t *testing.T, path string, key bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return // killed before the first hop ended
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Decode(b, keyBytes(key)); err != nil {
		t.Fatalf("state file does not decode and verify: %v\n%.300s", err, b)
	}
}
