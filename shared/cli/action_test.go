package cli

import (
	"bufio"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"cdnwatch/shared/cdnsim"
)

// actionFile is the composite action at the repository root, as GitHub reads it.
type actionFile struct {
	Inputs map[string]struct {
		Required bool   `yaml:"required"`
		Default  string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Uses  string            `yaml:"uses"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var exprRE = regexp.MustCompile(`\$\{\{\s*([a-z_]+)\.([a-zA-Z0-9_.-]+)\s*\}\}`)

// actionRun is one run of the action: its steps' exit codes, outputs and job summary.
type actionRun struct {
	exit    int // of the last step run
	outputs map[string]string
	summary string
	log     string
}

// runAction runs the action's run steps with bash as a GitHub runner would: the
// expressions it uses evaluated (inputs with their defaults, github.action_path,
// runner.temp, steps.<id>.outputs), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY set. The
// `uses: actions/setup-go` step is the runner's business: Go is already on PATH here.
func runAction(t *testing.T, a *actionFile, tmp string, inputs, env map[string]string) actionRun {
	t.Helper()
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	ctx := map[string]map[string]string{
		"inputs": {}, "github": {"action_path": root}, "runner": {"temp": tmp},
	}
	for k, in := range a.Inputs {
		ctx["inputs"][k] = in.Default
		if v, ok := inputs[k]; ok {
			ctx["inputs"][k] = v
		} else if in.Required {
			t.Fatalf("required input %s not given", k)
		}
	}
	eval := func(s string) string {
		return exprRE.ReplaceAllStringFunc(s, func(m string) string {
			p := exprRE.FindStringSubmatch(m)
			if p[1] == "steps" {
				parts := strings.SplitN(p[2], ".", 3) // <id>.outputs.<name>
				return ctx["steps."+parts[0]][parts[2]]
			}
			v, ok := ctx[p[1]][p[2]]
			if !ok {
				t.Fatalf("action.yml uses %s, which this runner does not know", m)
			}
			return v
		})
	}
	var res actionRun
	summary := filepath.Join(tmp, "step_summary.md")
	for i, st := range a.Runs.Steps {
		if st.Uses != "" {
			continue
		}
		if st.Shell != "bash" {
			t.Fatalf("step %d: shell %q; the action's steps run in bash", i, st.Shell)
		}
		out := filepath.Join(tmp, fmt.Sprintf("output_%d", i))
		_ = os.WriteFile(out, nil, 0o600)
		// As GitHub runs a bash step: bash --noprofile --norc -eo pipefail {0}.
		script := filepath.Join(tmp, fmt.Sprintf("step_%d.sh", i))
		if err := os.WriteFile(script, []byte(eval(st.Run)), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GOCACHE=" + os.Getenv("GOCACHE"),
			"GOPATH=" + os.Getenv("GOPATH"), "GOFLAGS=" + os.Getenv("GOFLAGS"), "GOTOOLCHAIN=local",
			"GITHUB_ACTIONS=true", "GITHUB_OUTPUT=" + out, "GITHUB_STEP_SUMMARY=" + summary, "RUNNER_TEMP=" + tmp}
		if cmd.Env[2] == "GOCACHE=" {
			cmd.Env[2] = "GOCACHE=" + filepath.Join(os.Getenv("HOME"), ".cache", "go-build")
		}
		for k, v := range st.Env {
			cmd.Env = append(cmd.Env, k+"="+eval(v))
		}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		b, err := cmd.CombinedOutput()
		res.log += string(b)
		res.exit = 0
		if ee, ok := err.(*exec.ExitError); ok {
			res.exit = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if st.ID != "" {
			ctx["steps."+st.ID] = readOutputs(t, out)
		}
		if res.exit != 0 {
			break // a failed step ends the job
		}
	}
	res.outputs = map[string]string{}
	for k, o := range a.Outputs {
		res.outputs[k] = eval(o.Value)
	}
	s, _ := os.ReadFile(summary)
	res.summary = string(s)
	return res
}

// readOutputs reads a GITHUB_OUTPUT file of name=value lines.
func readOutputs(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			out[k] = v
		}
	}
	return out
}

// TestGitHubAction runs action.yml's steps against cdnsim: a refresh cut short by the
// quota fails the step with the counts in the outputs and all 800 URLs in the job
// summary; a watch of task ids passes; a timeout passes with fail-on-timeout false.
func TestGitHubAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command; skipped with -short")
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using %q, want composite", a.Runs.Using)
	}
	for _, in := range []string{"provider", "urls", "urls-file", "task-ids", "type", "timeout", "notify", "label"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("input %s missing", in)
		}
	}
	for _, o := range []string{"task-ids", "submitted", "not-submitted", "complete", "failed", "exit-code"} {
		if _, ok := a.Outputs[o]; !ok {
			t.Errorf("output %s missing", o)
		}
	}

	sim := cdnsim.New(cdnsim.Options{AccessKeyID: testKey, AccessKeySecret: testSecret})
	sim.SetSubmitLife("aliyun-cdn", func(u, kind string) cdnsim.Object {
		return cdnsim.Object{Path: u, Type: cdnsim.TypeFile, Duration: 500 * time.Millisecond}
	})
	sim.SetQuota("aliyun-cdn", cdnsim.KindRefresh, 1200)
	api := httptest.NewServer(sim.Handler("aliyun-cdn"))
	defer api.Close()
	env := map[string]string{"CDNWATCH_ALIYUN_CDN_ENDPOINT": api.URL, "ALIBABA_CLOUD_ACCESS_KEY_ID": testKey,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}

	var urls strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&urls, "https://static.example.com/gh/%04d.js\n", i)
	}
	tmp := t.TempDir()
	r := runAction(t, &a, tmp, map[string]string{"provider": "aliyun-cdn", "urls": urls.String(), "interval": "1s",
		"label": "gh deploy"}, env)
	if r.exit != 1 || r.outputs["exit-code"] != "1" || r.outputs["submitted"] != "1200" || r.outputs["not-submitted"] != "800" {
		t.Fatalf("quota run: exit %d, outputs %v\n%s", r.exit, r.outputs, r.log)
	}
	if n := strings.Count(r.summary, "| not-submitted | https://static.example.com/gh/"); n != 800 ||
		!strings.Contains(r.summary, "| URLs submitted | 1200 |") {
		t.Errorf("job summary lists %d not-submitted URLs, want 800:\n%.1200s", n, r.summary)
	}
	if st := sim.SubmitStats("aliyun-cdn"); st.URLs != 1200 {
		t.Errorf("the simulator took %d URLs, want 1200", st.URLs)
	}
	ids := r.outputs["task-ids"]
	if ids == "" {
		t.Fatal("no task-ids output")
	}

	// Watch the ids the first run submitted: all complete by now.
	r = runAction(t, &a, t.TempDir(), map[string]string{"provider": "aliyun-cdn", "task-ids": strings.ReplaceAll(ids, ",", "\n"),
		"interval": "1s"}, env)
	if r.exit != 0 || r.outputs["exit-code"] != "0" || r.outputs["failed"] != "0" || r.outputs["pending"] != "0" {
		t.Fatalf("watch run: exit %d, outputs %v\n%s", r.exit, r.outputs, r.log)
	}

	// A task that outlives the timeout: reported (exit code 3), the step passes.
	slow := sim.AddTask("aliyun-cdn", cdnsim.Task{Objects: []cdnsim.Object{{Path: "https://static.example.com/big.bin",
		Type: cdnsim.TypePreload, Duration: time.Hour}}})
	r = runAction(t, &a, t.TempDir(), map[string]string{"provider": "aliyun-cdn", "task-ids": slow, "timeout": "3s",
		"interval": "1s", "fail-on-timeout": "false"}, env)
	if r.exit != 0 || r.outputs["exit-code"] != "3" || r.outputs["pending"] != "1" {
		t.Fatalf("timeout run: exit %d, outputs %v\n%s", r.exit, r.outputs, r.log)
	}
}
