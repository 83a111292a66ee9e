package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/sweep"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/mnsqueue"
	"cdnwatch/shared/trigger/mnsqueue/mnstest"
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
	for k := range env {
		if strings.Contains(k, "ACCESS_KEY") || strings.Contains(k, "SECRET_KEY") {
			t.Errorf("s.yaml passes %s: the function uses its role's credentials", k)
		}
	}
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
	// The role (a documented prerequisite: edition 3 has no RAM component) grants only what
	// cdnwatch calls, and s.yaml names the role the prerequisite creates.
	policy, err := os.ReadFile(filepath.Join("..", "docs", "aliyun-fc-role-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource any
		}
	}
	if err := json.Unmarshal(policy, &doc); err != nil || doc.Version != "1" {
		t.Fatalf("docs/aliyun-fc-role-policy.json: %v", err)
	}
	granted := map[string]bool{}
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			if strings.Contains(a, "*") {
				t.Errorf("the role grants a wildcard action %q", a)
			}
			granted[a] = st.Effect == "Allow"
		}
	}
	for _, a := range []string{"cdn:DescribeRefreshTaskById", "cdn:DescribeRefreshTasks", "dcdn:DescribeDcdnRefreshTaskById", "dcdn:DescribeDcdnRefreshTasks", "mns:SendMessage"} {
		if !granted[a] {
			t.Errorf("the role lacks %s", a)
		}
	}
	if role, _ := p["role"].(string); !strings.HasSuffix(role, ":role/cdnwatch-fc") ||
		!strings.Contains(string(raw), "CreateRole --RoleName cdnwatch-fc") || !strings.Contains(string(raw), "docs/aliyun-fc-role-policy.json") {
		t.Errorf("s.yaml's role %v is not the one its prerequisite creates from docs/aliyun-fc-role-policy.json", p["role"])
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
			Condition  string         `yaml:"Condition"`
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
	// No secret in the function's configuration: no dynamic reference (resolved into
	// plaintext at deploy time) and no variable but the secret's name.
	if strings.Contains(string(raw), "{{resolve:") {
		t.Errorf("template.yaml resolves a secret into the configuration at deploy time")
	}
	envBlock, _ := fn.Properties["Environment"].(map[string]any)
	vars, _ := envBlock["Variables"].(map[string]any)
	if vars["CDNWATCH_SECRET_ID"] == nil {
		t.Errorf("the function is not given CDNWATCH_SECRET_ID: %v", vars)
	}
	for k := range vars {
		if strings.Contains(k, "SECRET") && k != "CDNWATCH_SECRET_ID" || strings.Contains(k, "WEBHOOK") || strings.Contains(k, "TOKEN") ||
			strings.Contains(k, "STATE_KEY") || strings.Contains(k, "ACCESS_KEY") {
			t.Errorf("environment variable %s carries a secret", k)
		}
	}
	policies, _ := yaml.Marshal(fn.Properties["Policies"])
	if !strings.Contains(string(policies), "secretsmanager:GetSecretValue") || !strings.Contains(string(policies), "secret:${SecretName}-??????") {
		t.Errorf("the function may not read its own secret (or may read others):\n%s", policies)
	}
	// The optional trail: a trail of management events, its bucket and the bucket policy
	// CloudTrail needs, all under one condition.
	for name, typ := range map[string]string{"CdnwatchTrail": "AWS::CloudTrail::Trail", "CdnwatchTrailBucket": "AWS::S3::Bucket",
		"CdnwatchTrailBucketPolicy": "AWS::S3::BucketPolicy"} {
		r, ok := tpl.Resources[name]
		if !ok || r.Type != typ || r.Condition != "WithTrail" {
			t.Errorf("%s: want a %s under Condition WithTrail, have %+v", name, typ, r)
		}
	}
	trail := tpl.Resources["CdnwatchTrail"].Properties
	sel, _ := yaml.Marshal(trail["EventSelectors"])
	if trail["IsLogging"] != true || trail["IncludeGlobalServiceEvents"] != true || !strings.Contains(string(sel), "IncludeManagementEvents: true") {
		t.Errorf("the trail does not log CloudFront's management events: %v", trail)
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

// TestMNSContinuationRoundTrip sends a continuation the way the FC function does (our
// SendMessage to a fake MNS written from Aliyun's API documents), turns the stored message
// into the CloudEvent EventBridge delivers with the encoding s.yaml's MNS trigger sets
// (IsBase64Decode), and decodes that event as the function does: it must be the document
// that was sent, byte for byte.
func TestMNSContinuationRoundTrip(t *testing.T) {
	decode := mnsTriggerBase64Decode(t)
	fake := &mnstest.Server{AccessKeyID: "LTAI5tRoundTrip", AccessKeySecret: "round-trip-secret", SecurityToken: "sts", Queues: []string{"cdnwatch"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	q := mnsqueue.New(func(k string) string {
		return map[string]string{mnsqueue.EnvEndpoint: srv.URL, mnsqueue.EnvQueue: "cdnwatch"}[k]
	})
	// A label with every character XML or JSON treats specially, and non-ASCII text.
	doc := &watch.Document{V: 1, Provider: "aliyun-cdn", TaskIDs: []string{"15920000801", "15920000802"},
		Label: `<![CDATA[x]]> & "quotes" \ </MessageBody> 发布 ✓`, Notify: []string{"slack"}}
	ctx := trigger.WithCredentials(context.Background(), &provider.Credentials{AccessKeyID: "LTAI5tRoundTrip", AccessKeySecret: "round-trip-secret", SecurityToken: "sts"})
	n, err := trigger.Continue(ctx, q, q.Target(""), doc, 30*time.Second, nil)
	if err != nil || n != 1 {
		t.Fatalf("continue: %d parts, %v (refused: %v)", n, err, fake.Rejected())
	}
	want, _ := watch.Encode(doc)
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].DelaySeconds != 30 {
		t.Fatalf("messages %+v", msgs)
	}
	ev, err := mnstest.CloudEvent(msgs[0], decode, "cn-hangzhou", "1234567890123456")
	if err != nil {
		t.Fatalf("s.yaml's IsBase64Decode=%v and the sender disagree: %v", decode, err)
	}
	// EventBridge hands FC the document itself, not its base64 (the decoder would undo a
	// base64 body too, but then the FC console, logs and filters would all see base64).
	var delivered []struct {
		Data struct {
			MessageBody string `json:"messageBody"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ev, &delivered); err != nil || len(delivered) != 1 || delivered[0].Data.MessageBody != string(want) {
		t.Errorf("s.yaml IsBase64Decode=%v: data.messageBody is %.80q, want the document", decode, delivered)
	}
	got, err := trigger.Decode(trigger.FC, ev, nil)
	if err != nil {
		t.Fatalf("the delivered event does not decode (IsBase64Decode=%v): %v\n%s", decode, err, ev)
	}
	if len(got.Records) != 1 || got.Records[0].Err != nil || !bytes.Equal(got.Records[0].Body, want) {
		t.Fatalf("delivered %q, sent %q", got.Records[0].Body, want)
	}
	if got.Records[0].Source != "acs:mns:cn-hangzhou:1234567890123456:queues/cdnwatch" || got.Records[0].Doc.Label != doc.Label {
		t.Errorf("record %+v", got.Records[0])
	}
}

// mnsTriggerBase64Decode reads sourceMNSParameters.IsBase64Decode of s.yaml's MNS trigger.
func mnsTriggerBase64Decode(t *testing.T) bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Resources map[string]struct {
			Props struct {
				Triggers []struct {
					TriggerType   string `yaml:"triggerType"`
					TriggerConfig struct {
						EventSourceConfig struct {
							EventSourceType       string `yaml:"eventSourceType"`
							EventSourceParameters struct {
								SourceMNSParameters *struct {
									IsBase64Decode *bool `yaml:"IsBase64Decode"`
								} `yaml:"sourceMNSParameters"`
							} `yaml:"eventSourceParameters"`
						} `yaml:"eventSourceConfig"`
					} `yaml:"triggerConfig"`
				} `yaml:"triggers"`
			} `yaml:"props"`
		} `yaml:"resources"`
	}
	if err := yaml.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Resources {
		for _, tr := range r.Props.Triggers {
			src := tr.TriggerConfig.EventSourceConfig
			if tr.TriggerType == "eventbridge" && src.EventSourceType == "MNS" {
				p := src.EventSourceParameters.SourceMNSParameters
				if p == nil || p.IsBase64Decode == nil {
					t.Fatal("s.yaml's MNS trigger does not say IsBase64Decode")
				}
				return *p.IsBase64Decode
			}
		}
	}
	t.Fatal("s.yaml has no MNS trigger")
	return false
}

// TestServerlessDevsSchema validates the props of every fc3 resource in s.yaml against the
// fc3 component's own JSON schema (testdata/fc3-schema.json, from devsapp/fc3), and checks
// that the validator rejects broken props, so a pass means something.
func TestServerlessDevsSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "fc3-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := parseSchema(raw)
	if err != nil {
		t.Fatal(err)
	}
	sy, err := os.ReadFile(filepath.Join("..", "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sy = resolveServerlessDevsVars(t, sy)
	var s struct {
		Edition   string `yaml:"edition"`
		Name      string `yaml:"name"`
		Resources map[string]struct {
			Component string         `yaml:"component"`
			Props     map[string]any `yaml:"props"`
			Actions   any            `yaml:"actions"`
		} `yaml:"resources"`
	}
	if err := yaml.Unmarshal(sy, &s); err != nil {
		t.Fatal(err)
	}
	if s.Edition != "3.0.0" || s.Name == "" {
		t.Errorf("edition %q name %q", s.Edition, s.Name)
	}
	fc3 := 0
	for name, r := range s.Resources {
		// Serverless Devs 3 components are fc3, not the 2.x fc/ram components.
		if r.Component != "fc3" {
			t.Errorf("resource %s uses component %q; this s.yaml is for fc3 only (edition 3)", name, r.Component)
			continue
		}
		fc3++
		for _, e := range sc.validate(r.Props) {
			t.Errorf("s.yaml resource %s: %s", name, e)
		}
	}
	if fc3 == 0 {
		t.Fatal("no fc3 resource in s.yaml")
	}
	// The validator itself: broken props must be reported.
	broken := map[string]any{"region": "cn-hangzhou", "functionName": "x", "runtime": "go2", "code": "./dist/fc",
		"memorySize": 100, "timeout": 0, "triggers": []any{map[string]any{"triggerName": "t", "triggerType": "cron"}}}
	errs := strings.Join(sc.validate(broken), "\n")
	for _, want := range []string{"runtime", "memorySize", "timeout", "handler is required", "triggerType", "triggerConfig is required"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the validator misses a broken %s:\n%s", want, errs)
		}
	}
}

// resolveServerlessDevsVars does what `s` does before a component sees its props: it
// replaces ${env('NAME', 'default')} by the default (an unset deploying shell),
// ${config('AccountID')} by an account id and ${vars.NAME} by the vars section's value.
// Anything else in ${...} is left, and then fails the schema where a value is checked.
func resolveServerlessDevsVars(t *testing.T, raw []byte) []byte {
	t.Helper()
	envRE := regexp.MustCompile(`\$\{env\(['"]([A-Za-z0-9_]+)['"](?:,\s*['"]([^'"]*)['"])?\)\}`)
	raw = envRE.ReplaceAll(raw, []byte("$2"))
	raw = regexp.MustCompile(`\$\{config\(['"]AccountID['"]\)\}`).ReplaceAll(raw, []byte("1234567890123456"))
	var top struct {
		Vars map[string]string `yaml:"vars"`
	}
	if err := yaml.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`\$\{vars\.([A-Za-z0-9_]+)\}`).ReplaceAllFunc(raw, func(m []byte) []byte {
		name := string(m[len("${vars.") : len(m)-1])
		v, ok := top.Vars[name]
		if !ok {
			t.Errorf("s.yaml uses ${vars.%s}, which vars does not define", name)
		}
		return []byte(v)
	})
}
