package webhook_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/webhook"
)

var (
	secret    = webhook.SecretPrefix + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	hookToken = "tok-9f8e7d6c5b4a"
	hookPath  = "/hooks/cdnwatch/" + hookToken
)

type receiver struct{ *webhook.Receiver }

// Received reads each body as a receiving program does: every string in the JSON,
// decoded, one a line, and every number.
func (r receiver) Received() []notifytest.Message {
	var out []notifytest.Message
	for _, d := range r.Deliveries() {
		var v any
		if err := json.Unmarshal(d.Raw, &v); err != nil {
			v = "the receiver accepted a body that is not JSON: " + err.Error()
		}
		var sb strings.Builder
		jsonText(&sb, v)
		out = append(out, notifytest.Message{Text: sb.String(), NoticeID: d.ID})
	}
	return out
}

func jsonText(sb *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		sb.WriteString(v + "\n")
	case float64:
		sb.WriteString(strconv.FormatFloat(v, 'f', -1, 64) + "\n")
	case []any:
		for _, e := range v {
			jsonText(sb, e)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			jsonText(sb, v[k])
		}
	}
}

func newReceiver(t *testing.T, secret string) *webhook.Receiver {
	t.Helper()
	return notifytest.Must(webhook.NewReceiver(nil, secret))(t)
}

func newChannel(t *testing.T, url, secret string) *webhook.Channel {
	t.Helper()
	return notifytest.Must(webhook.New(webhook.Config{URL: url, Secret: secret}))(t)
}

func TestConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name:     webhook.Name,
		New:      func(t *testing.T, base string) notify.Channel { return newChannel(t, base+hookPath, secret) },
		Receiver: func(t *testing.T) notifytest.Receiver { return receiver{newReceiver(t, secret)} },
		Secrets:  []string{secret, strings.TrimPrefix(secret, webhook.SecretPrefix), hookToken},
		Verbatim: "a JSON body carries every string as it is",
	})
}

// The receiver checks the signature as the Standard Webhooks libraries do; a channel
// with another secret is refused with 401, which is permanent and an auth failure.
func TestWrongSecretIsRefused(t *testing.T) {
	srv := httptest.NewServer(newReceiver(t, secret))
	defer srv.Close()
	other := webhook.SecretPrefix + base64.StdEncoding.EncodeToString([]byte("another secret of 32 bytes......"))
	_, err := newChannel(t, srv.URL, other).Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
	var de *notify.DeliveryError
	if !errors.As(err, &de) || de.Status != 401 || !de.Permanent || !de.Auth {
		t.Fatalf("err = %v, want a permanent auth failure with 401", err)
	}
}

// Signature over id.timestamp.body, checked against a value computed independently
// of Sign, with the headers the spec names.
func TestSignatureHeaders(t *testing.T) {
	var got http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		body = make([]byte, r.ContentLength)
		_, _ = r.Body.Read(body)
		w.WriteHeader(200)
	}))
	defer srv.Close()
	now := time.Unix(1714557600, 0)
	c, err := webhook.New(webhook.Config{URL: srv.URL, Secret: secret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	n := notifytest.Notice(notify.WatchFinished)
	if _, err := c.Send(t.Context(), n, ""); err != nil {
		t.Fatal(err)
	}
	if got.Get("webhook-id") != n.ID || got.Get("webhook-timestamp") != "1714557600" {
		t.Errorf("headers id=%q ts=%q", got.Get("webhook-id"), got.Get("webhook-timestamp"))
	}
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if want := webhook.Sign(key, n.ID, "1714557600", body); got.Get("webhook-signature") != want {
		t.Errorf("signature %q, want %q", got.Get("webhook-signature"), want)
	}
	if !regexp.MustCompile(`^v1,[A-Za-z0-9+/]{43}=$`).MatchString(got.Get("webhook-signature")) {
		t.Errorf("signature %q is not v1,<base64 of 32 bytes>", got.Get("webhook-signature"))
	}
	if ct := got.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
}

// A known vector from the Standard Webhooks reference implementation's tests.
func TestSignKnownVector(t *testing.T) {
	key, err := webhook.DecodeSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := webhook.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	hit := false
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere?token="+hookToken, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	_, err := newChannel(t, srv.URL+hookPath, secret).Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
	var de *notify.DeliveryError
	if !errors.As(err, &de) || !de.Permanent || de.Status != http.StatusTemporaryRedirect || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("err = %v, want a permanent error naming the redirect", err)
	}
	if hit {
		t.Error("the redirect was followed")
	}
	notifytest.AssertNoSecrets(t, "error", err.Error(), hookToken, secret)
}

func TestStatusClassification(t *testing.T) {
	for _, c := range []struct {
		status    int
		permanent bool
	}{{500, false}, {502, false}, {408, false}, {429, false}, {400, true}, {401, true}, {403, true}, {404, true}, {410, true}, {413, true}, {422, true}, {409, false}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(c.status) }))
		_, err := newChannel(t, srv.URL, "").Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
		srv.Close()
		if notify.IsPermanent(err) != c.permanent {
			t.Errorf("HTTP %d: permanent = %v, want %v (%v)", c.status, notify.IsPermanent(err), c.permanent, err)
		}
	}
}

func TestBadSecrets(t *testing.T) {
	for _, s := range []string{"plain-secret-no-prefix", "whsec_!!!notbase64", "whsec_" + base64.StdEncoding.EncodeToString([]byte("short"))} {
		_, err := webhook.New(webhook.Config{URL: "https://example.com/h", Secret: s})
		if err == nil {
			t.Errorf("secret %q accepted", s)
		} else if strings.Contains(err.Error(), s) {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
}

// Every kind renders a body that validates against the published schema, and every
// field cdnwatch sends is documented there.
func TestBodiesMatchPublishedSchema(t *testing.T) {
	raw, err := os.ReadFile("../../../docs/webhook.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	notices := []notify.Notice{notifytest.ManyFailures(50, 450)}
	for _, k := range notifytest.Kinds() {
		if k != notify.Progress {
			notices = append(notices, notifytest.Notice(k))
		}
	}
	for _, n := range notices {
		b, err := webhook.Marshal(webhook.NewBody(n))
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		v := validator{root: schema}
		v.check(schema, doc, "$")
		for _, e := range v.errs {
			t.Errorf("%s (%s): %s", n.Kind, n.ID, e)
		}
	}
}

// validator checks the subset of JSON Schema 2020-12 the published schema uses (type,
// const, enum, required, properties, items, $ref into $defs, minimum, maximum,
// minLength, format date-time), and, stricter than the schema, that every property
// sent is documented.
type validator struct {
	root map[string]any
	errs []string
}

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

func (v *validator) check(s map[string]any, x any, path string) {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		def, ok := v.root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			v.fail(path, "unresolvable $ref %s", ref)
			return
		}
		s = def
	}
	if c, ok := s["const"]; ok && c != x {
		v.fail(path, "%v is not the const %v", x, c)
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, x) {
		v.fail(path, "%v is not one of %v", x, e)
	}
	switch t, _ := s["type"].(string); t {
	case "object":
		obj, ok := x.(map[string]any)
		if !ok {
			v.fail(path, "not an object")
			return
		}
		for _, r := range s["required"].([]any) {
			if _, ok := obj[r.(string)]; !ok {
				v.fail(path, "missing required %q", r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, val := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				v.fail(path, "property %q is not documented in the schema", k)
				continue
			}
			v.check(ps, val, path+"."+k)
		}
	case "array":
		arr, ok := x.([]any)
		if !ok {
			v.fail(path, "not an array")
			return
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range arr {
				v.check(items, it, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	case "string":
		str, ok := x.(string)
		if !ok {
			v.fail(path, "not a string")
			return
		}
		if m, ok := s["minLength"].(float64); ok && len([]rune(str)) < int(m) {
			v.fail(path, "shorter than %v", m)
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				v.fail(path, "%q is not an RFC 3339 date-time", str)
			}
		}
	case "integer", "number":
		f, ok := x.(float64)
		if !ok || (t == "integer" && f != float64(int64(f))) {
			v.fail(path, "not a %s", t)
			return
		}
		if m, ok := s["minimum"].(float64); ok && f < m {
			v.fail(path, "%v below minimum %v", f, m)
		}
		if m, ok := s["maximum"].(float64); ok && f > m {
			v.fail(path, "%v above maximum %v", f, m)
		}
	case "boolean":
		if _, ok := x.(bool); !ok {
			v.fail(path, "not a boolean")
		}
	}
}

// The validator itself must reject bad bodies, or the test above proves nothing.
func TestValidatorRejects(t *testing.T) {
	raw, _ := os.ReadFile("../../../docs/webhook.schema.json")
	var schema map[string]any
	_ = json.Unmarshal(raw, &schema)
	for _, bad := range []string{
		`{"version":"2","type":"task.failed","id":"x","timestamp":"2025-05-01T10:00:00Z","provider":"p","counts":{"total":1,"complete":0,"failed":1,"unknown":0,"pending":0},"tasks":[],"tasksOmitted":0}`,
		`{"version":"1","type":"task.exploded","id":"x","timestamp":"2025-05-01T10:00:00Z","provider":"p","counts":{"total":1,"complete":0,"failed":1,"unknown":0,"pending":0},"tasks":[],"tasksOmitted":0}`,
		`{"version":"1","type":"task.failed","id":"x","timestamp":"yesterday","provider":"p","counts":{"total":1,"complete":0,"failed":1,"unknown":0,"pending":0},"tasks":[],"tasksOmitted":0}`,
		`{"version":"1","type":"task.failed","id":"x","timestamp":"2025-05-01T10:00:00Z","provider":"p","counts":{"total":1},"tasks":[{"id":"1","status":"weird"}],"tasksOmitted":0}`,
		`{"version":"1","type":"task.failed","id":"x","timestamp":"2025-05-01T10:00:00Z","provider":"p","counts":{"total":1,"complete":0,"failed":1,"unknown":0,"pending":0},"tasks":[],"tasksOmitted":0,"undocumented":1}`,
	} {
		var doc any
		_ = json.Unmarshal([]byte(bad), &doc)
		v := validator{root: schema}
		v.check(schema, doc, "$")
		if len(v.errs) == 0 {
			t.Errorf("accepted: %s", bad)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if _, ok, err := webhook.FromEnv(get, nil); ok || err != nil {
		t.Fatalf("unset: ok=%v err=%v", ok, err)
	}
	env[webhook.EnvURL] = "https://hooks.example.com" + hookPath
	env[webhook.EnvSecret] = "not-whsec-" + hookToken
	if _, _, err := webhook.FromEnv(get, nil); err == nil || strings.Contains(err.Error(), hookToken) {
		t.Fatalf("bad secret: err = %v", err)
	}
	env[webhook.EnvSecret] = secret
	c, ok, err := webhook.FromEnv(get, nil)
	if !ok || err != nil || c.Name() != "webhook" {
		t.Fatalf("set: ok=%v err=%v", ok, err)
	}
}
