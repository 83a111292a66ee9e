package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/watch"
)

// The README's simulator walk-through, pasted as it stands into bash in an empty
// directory with the built command on PATH: each of its commands runs and does what the
// README says (a timeout with --state, the resume with more time that exits 1 with its
// document in final.json, the Lambda handler run once).
func TestReadmeSimulatorWalkthroughRuns(t *testing.T) {
	bin := binary(t)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i := strings.Index(text, "Without an account, against the simulator")
	if i < 0 {
		t.Fatal("README has no simulator walk-through")
	}
	start := strings.Index(text[i:], "```sh\n")
	end := strings.Index(text[i+start+6:], "```")
	if start < 0 || end < 0 {
		t.Fatal("walk-through block not found")
	}
	block := text[i+start+6 : i+start+6+end]
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", block)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + filepath.Dir(bin) + ":" + os.Getenv("PATH"), "HOME=" + dir,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true", "AWS_EC2_METADATA_DISABLED=true"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walk-through failed: %v\n%s", err, out)
	}
	for _, want := range []string{"cdnwatch watch: timed out after 3s with ",
		"resume with: cdnwatch watch --state watch.json --timeout 6s", "cdnwatch watch: failed: 1 of 20 tasks failed",
		"document: watch.json and stdout (--json)", `"done": true`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "no such job") || strings.Contains(string(out), "command not found") {
		t.Errorf("a command of the walk-through did not run:\n%s", out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "final.json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := watch.Decode(data, nil)
	if err != nil || d.State == nil || d.State.Finished != watch.EndFailed || d.State.Total != 20 {
		t.Fatalf("final.json (err %v): %.300s", err, data)
	}
	var st struct{ State struct{ Finished string } }
	if raw, err := os.ReadFile(filepath.Join(dir, "watch.json")); err != nil || json.Unmarshal(raw, &st) != nil || st.State.Finished != "failed" {
		t.Errorf("watch.json after the resume: %v %+v", err, st)
	}
}
