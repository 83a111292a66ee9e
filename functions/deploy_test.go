package functions_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"cdnwatch/shared/sweep"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/watch"
)

// TestServerlessDevs checks s.yaml's structure: edition 3.0.0, an fc3 function on go1 whose
// handler is the binary the FC build makes, every timer payload a valid Watch document,
// the MNS and CDN triggers, secrets from the environment only.
func TestServerlessDevs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Edition   string `yaml:"edition"`
		Resources map[string]struct {
			Component string         `yaml:"component"`
			Props     map[string]any `yaml:"props"`
		} `yaml:"resources"`
	}
	if err := yaml.Unmarshal(raw, &s); err != nil {
		t.Fatalf("s.yaml: %v", err)
	}
	if s.Edition != "3.0.0" {
		t.Errorf("edition %q, want 3.0.0", s.Edition)
	}
	fn, ok := s.Resources["cdnwatch"]
	if !ok || fn.Component != "fc3" {
		t.Fatalf("resource cdnwatch with component fc3 missing: %+v", s.Resources)
	}
	p := fn.Props
	// The FC build (functions/fc/main.go's doc comment, the Makefile) writes dist/fc/main.
	if p["runtime"] != "go1" || p["handler"] != "main" || p["code"] != "./dist/fc" {
		t.Errorf("runtime/handler/code = %v/%v/%v, want go1/main/./dist/fc", p["runtime"], p["handler"], p["code"])
	}
	main, _ := os.ReadFile(filepath.Join("fc", "main.go"))
	if !strings.Contains(string(main), "-o main ./functions/fc") {
		t.Errorf("functions/fc/main.go's build line no longer names the binary %q", p["handler"])
	}
	env, _ := p["environmentVariables"].(map[string]any)
	for _, k := range []string{"CDNWATCH_SLACK_WEBHOOK_URL", "CDNWATCH_STATE_KEY"} {
		if v, _ := env[k].(string); !strings.HasPrefix(v, "${env(") {
			t.Errorf("%s = %q: secrets must come from ${env(...)}", k, v)
		}
	}
	triggers, _ := p["triggers"].([]any)
	kinds := map[string]int{}
	cdnEvents := map[string]bool{}
	for _, tr := range triggers {
		m := tr.(map[string]any)
		typ, _ := m["triggerType"].(string)
		kinds[typ]++
		cfg, _ := m["triggerConfig"].(map[string]any)
		switch typ {
		case "timer":
			payload, _ := cfg["payload"].(string)
			ev := `{"triggerTime":"2026-01-01T00:00:00Z","triggerName":"t","payload":` + jsonString(payload) + `}`
			if _, err := trigger.Decode(trigger.FC, []byte(ev), nil); err != nil {
				t.Errorf("timer %v: payload is not a Watch document: %v", m["triggerName"], err)
			}
			if sweep.IsDocument([]byte(payload)) {
				if _, err := sweep.Decode([]byte(payload)); err != nil {
					t.Errorf("timer %v: %v", m["triggerName"], err)
				}
			} else if _, err := watch.Decode([]byte(payload), nil); err != nil {
				t.Errorf("timer %v: %v", m["triggerName"], err)
			}
		case "eventbridge":
			src, _ := cfg["eventSourceConfig"].(map[string]any)
			switch src["eventSourceType"] {
			case "MNS":
			case "Default":
				// The default bus: only ActionTrail's submit calls (events/fc-actiontrail-refresh.json).
				pattern, _ := cfg["eventRuleFilterPattern"].(string)
				var f struct {
					Source []string `json:"source"`
					Data   struct {
						EventName []string `json:"eventName"`
					} `json:"data"`
				}
				if err := json.Unmarshal([]byte(pattern), &f); err != nil || !slices.Equal(f.Source, []string{"acs.actiontrail"}) ||
					!slices.Contains(f.Data.EventName, "RefreshObjectCaches") || !slices.Contains(f.Data.EventName, "PushObjectCache") {
					t.Errorf("eventbridge trigger %v: filter %q must select ActionTrail's RefreshObjectCaches and PushObjectCache (%v)",
						m["triggerName"], pattern, err)
				}
			default:
				t.Errorf("eventbridge trigger %v is neither an MNS source nor ActionTrail on the default bus", m["triggerName"])
			}
		case "cdn_events":
			name, _ := cfg["eventName"].(string)
			cdnEvents[name] = true
		}
	}
	if kinds["timer"] < 1 || kinds["eventbridge"] < 1 {
		t.Errorf("want a timer and an MNS (eventbridge) trigger, have %v", kinds)
	}
	if !cdnEvents["CachedObjectsRefreshed"] || !cdnEvents["CachedObjectsPushed"] {
		t.Errorf("CDN event triggers %v, want CachedObjectsRefreshed and CachedObjectsPushed", cdnEvents)
	}
	// The role grants only what cdnwatch calls.
	role := s.Resources["cdnwatch-role"]
	text, _ := yaml.Marshal(role.Props)
	for _, a := range []string{"cdn:DescribeRefreshTaskById", "cdn:DescribeRefreshTasks", "dcdn:DescribeDcdnRefreshTaskById", "mns:SendMessage"} {
		if !strings.Contains(string(text), a) {
			t.Errorf("role lacks %s", a)
		}
	}
	if strings.Contains(string(text), "*:*") || strings.Contains(string(text), "Action: '*'") {
		t.Errorf("role grants wildcards: %s", text)
	}
}

// TestTemplateLint runs cfn-lint on template.yaml (SAM transform included) and checks the
// example schedule's Input is a Watch document.
func TestTemplateLint(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string         `yaml:"Type"`
			Metadata   map[string]any `yaml:"Metadata"`
			Properties map[string]any `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	fn := tpl.Resources["CdnwatchFunction"]
	if fn.Metadata["BuildMethod"] != "makefile" || fn.Properties["Handler"] != "bootstrap" || fn.Properties["Runtime"] != "provided.al2023" {
		t.Errorf("CdnwatchFunction: metadata %v, handler %v, runtime %v", fn.Metadata, fn.Properties["Handler"], fn.Properties["Runtime"])
	}
	events, _ := fn.Properties["Events"].(map[string]any)
	sched, _ := events["Schedule"].(map[string]any)
	props, _ := sched["Properties"].(map[string]any)
	input, _ := props["Input"].(string)
	if _, err := trigger.Decode(trigger.Lambda, []byte(input), nil); err != nil {
		t.Errorf("schedule Input is not a Watch document: %v", err)
	}
	// The example sweep's Input, with the time Scheduler puts in, is a sweep envelope.
	sw, _ := events["Sweep"].(map[string]any)
	swProps, _ := sw["Properties"].(map[string]any)
	swInput, _ := swProps["Input"].(string)
	swInput = strings.ReplaceAll(swInput, "<aws.scheduler.scheduled-time>", "2026-03-01T10:40:00Z")
	if ev, err := trigger.Decode(trigger.Lambda, []byte(swInput), nil); err != nil || ev.Records[0].Sweep == nil ||
		ev.Records[0].At.IsZero() {
		t.Errorf("sweep schedule Input is not a sweep envelope with a time: %v", err)
	}
	if strings.Contains(string(raw), "hooks.slack.com") || strings.Contains(string(raw), "LTAI") {
		t.Errorf("template.yaml holds a literal secret")
	}

	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not on PATH (pip install cfn-lint); CI has it")
	}
	cmd := exec.Command(lint, "template.yaml")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
