package functions_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/watch"
)

// TestSamplesRunAgainstSim runs every file in events/ through the built `cdnwatch invoke`
// against `cdnwatch sim` processes (one per provider, as a user would start them), exactly
// as the README shows: the simulator knows every id and the distribution the samples name,
// the sweep samples run at any date with --at now, and every answer is what the sample is
// for. Continuations are printed (--dry-run), notices go to a local Slack receiver.
func TestSamplesRunAgainstSim(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cdnwatch and runs six simulators; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := buildBinary(t, dir, "cdnwatch/cmd/cdnwatch", "cdnwatch")

	// The samples notify slack: the aliyun-cdn simulator receives the webhook posts too
	// (--slack) and prints them, as the README shows.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "CDNWATCH_LOG_LEVEL=warn",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"}
	var slackOut *lockedBuffer
	for _, p := range []string{"aliyun-cdn", "aliyun-dcdn", "aws-cloudfront", "tencent-cdn", "volc-cdn", "volc-mcdn"} {
		vars, out := startSim(ctx, t, bin, p, dir, p == "aliyun-cdn")
		env = append(env, vars...)
		if p == "aliyun-cdn" {
			slackOut = out
		}
	}

	files, _ := filepath.Glob(filepath.Join("..", "events", "*.json"))
	if len(files) < 18 {
		t.Fatalf("events/ has %d files", len(files))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			runtime := "lambda"
			if strings.HasPrefix(name, "fc-") {
				runtime = "fc"
			}
			args := []string{"invoke", "--runtime", runtime, "--event", f, "--dry-run", "--deadline", "60s"}
			if strings.Contains(name, "sweep") {
				args = append(args, "--at", "now")
			}
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("cdnwatch %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
			}
			checkSampleAnswer(t, name, stdout.Bytes(), stderr.String())
		})
	}
	// The receiver prints each message as it arrives; give the last one a moment.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(slackOut.String(), "video prefetch 2026-01") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	msgs := []byte(slackOut.String())
	for _, want := range []string{"web v1.4.2 deploy", "vendor.js", "Origin Timeout", "Sweep digest", "swept-broken",
		"site v2.3.0 invalidation", "multi-cloud purge web v1.4.2", "video prefetch 2026-01"} {
		if !bytes.Contains(msgs, []byte(want)) {
			t.Errorf("no Slack notice mentions %q", want)
		}
	}
}

// checkSampleAnswer knows what each sample is for.
func checkSampleAnswer(t *testing.T, name string, out []byte, stderr string) {
	t.Helper()
	switch name {
	case "sqs-batch.json":
		// The first record (a new watch) continues to its source queue; the second carries
		// the state of a watch started on 2026-01-01, long past the default two-hour
		// timeout, so it ends with a timeout notice instead. Neither record fails.
		if !bytes.Contains(out, []byte(`"batchItemFailures": []`)) || strings.Count(stderr, "would send to arn:aws:sqs:") != 1 ||
			!strings.Contains(stderr, `"label":"images prefetch"`) {
			t.Errorf("answer %s\n%s", out, stderr)
		}
		return
	case "fc-mns-queue.json":
		var r struct {
			Records []struct {
				Watch, Error string
				Done         bool
			}
		}
		if json.Unmarshal(out, &r) != nil || len(r.Records) != 1 || r.Records[0].Error != "" || r.Records[0].Watch != "w_8c1d2e3f4a5b6c7d8e9f" {
			t.Errorf("answer %s\n%s", out, stderr)
		}
		return
	case "eventbridge-scheduled-sweep.json", "fc-timer-sweep.json":
		var r struct {
			Total, Complete, Failed int
			Window                  struct{ From, To time.Time }
		}
		if err := json.Unmarshal(out, &r); err != nil || r.Total != 2 || r.Complete != 1 || r.Failed != 1 {
			t.Errorf("sweep answer %s (%v)\n%s", out, err, stderr)
		}
		// --at now: the window is the one that ended 30 minutes before this ten-minute mark.
		if want := time.Now().UTC().Truncate(10 * time.Minute).Add(-40 * time.Minute); r.Window.From.Sub(want).Abs() > 10*time.Minute {
			t.Errorf("sweep window %v, want about %v", r.Window.From, want)
		}
		return
	}
	var resp watch.Response
	if err := json.Unmarshal(out, &resp); err != nil || resp.State == nil {
		t.Fatalf("answer is not a response document: %v\n%s\n%s", err, out, stderr)
	}
	want := watch.EndComplete
	if name == "lambda-direct.json" {
		want = watch.EndFailed // 15920000103's vendor.js fails with Origin Timeout
	}
	if !resp.Done || resp.State.Finished != want {
		t.Errorf("finished %q (done %v), want %q\n%s\n%s", resp.State.Finished, resp.Done, want, out, stderr)
	}
}

var endpointLine = regexp.MustCompile(`export ((?:CDNWATCH_[A-Z_]+_ENDPOINT|CDNWATCH_SLACK_WEBHOOK_URL)=http://\S+)$`)
var credLine = regexp.MustCompile(`export (\S+=\S+) (\S+=\S+)`)

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) add(s string) { l.mu.Lock(); l.b.WriteString(s + "\n"); l.mu.Unlock() }
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startSim runs `cdnwatch sim --provider p` on a free port (with --slack, receiving the
// Slack webhook too) and returns the variables it prints for clients (endpoint, key pair,
// webhook) and its output so far, growing.
func startSim(ctx context.Context, t *testing.T, bin, p, home string, withSlack bool) ([]string, *lockedBuffer) {
	t.Helper()
	args := []string{"sim", "--provider", p, "--addr", "127.0.0.1:0"}
	if withSlack {
		args = append(args, "--slack")
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var vars []string
	all := &lockedBuffer{}
	sc := bufio.NewScanner(out)
	var once sync.Once
	lines := make(chan struct{})
	go func() {
		started := false
		for sc.Scan() {
			l := sc.Text()
			all.add(l)
			if started {
				continue // vars are read once the banner is out
			}
			if m := endpointLine.FindStringSubmatch(l); m != nil {
				vars = append(vars, m[1])
			} else if m := credLine.FindStringSubmatch(l); m != nil {
				vars = append(vars, m[1], m[2])
			}
			if strings.Contains(l, "the sample events") {
				started = true
				once.Do(func() { close(lines) })
			}
		}
		once.Do(func() { close(lines) })
	}()
	select {
	case <-lines:
	case <-time.After(20 * time.Second):
		t.Fatalf("cdnwatch sim --provider %s printed no sample line", p)
	}
	if want := map[bool]int{false: 3, true: 4}[withSlack]; len(vars) != want {
		t.Fatalf("cdnwatch sim --provider %s: variables %v", p, vars)
	}
	if p == "aws-cloudfront" && cdnsim.SampleDistributionID != "E2QWRUHAPOMQZL" {
		t.Fatalf("the samples name distribution E2QWRUHAPOMQZL, the simulator keeps them in %s", cdnsim.SampleDistributionID)
	}
	return vars, all
}
