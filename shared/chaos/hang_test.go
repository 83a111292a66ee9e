package chaos_test

import (
	"bytes"
	"errors"
	"net"
	"os/exec"
	"testing"
	"time"

	"cdnwatch/shared/watch"
)

// TestTimeoutIsAWallClockBound: against an endpoint that accepts connections and never
// answers, and against a closed port, `cdnwatch watch --timeout 15s` ends with exit 3
// (timeout, tasks pending) a few seconds after 15 s, and --json still prints the document
// with every id pending.
func TestTimeoutIsAWallClockBound(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a 15 s timeout")
	}
	cli, _ := binaries(t)
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	go func() {
		var held []net.Conn // accept and keep every connection open, never answering
		for {
			c, err := hang.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	for name, endpoint := range map[string]string{"hanging": "http://" + hang.Addr().String(), "closed": "http://" + closedAddr} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(cli, "watch", "--provider", "aliyun-cdn", "--task-id", "17926841455,17926841456",
				"--timeout", "15s", "--json")
			cmd.Env = []string{"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true", "ALIBABA_CLOUD_ACCESS_KEY_ID=" + simKey,
				"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + simSecret, "CDNWATCH_ALIYUN_CDN_ENDPOINT=" + endpoint}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var werr error
			select {
			case werr = <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running after 60 s with --timeout 15s\n%s", stderr.String())
			}
			took := time.Since(start)
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.ExitCode() != 3 {
				t.Errorf("exit %v, want 3 (timeout)\n%s", werr, stderr.String())
			}
			if took > 20*time.Second || took < 14*time.Second {
				t.Errorf("took %v with --timeout 15s, want about 15 s (at most 20 s)", took.Round(time.Millisecond))
			}
			d, err := watch.Decode(stdout.Bytes(), nil)
			if err != nil {
				t.Fatalf("--json: %v\n%s", err, stdout.String())
			}
			if len(d.TaskIDs) != 2 {
				t.Errorf("document has pending %v, want both ids", d.TaskIDs)
			}
			t.Logf("%s endpoint: exit 3 after %v", name, took.Round(100*time.Millisecond))
		})
	}
}
