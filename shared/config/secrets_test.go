package config

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func envOf(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestWithSecretFillsOnlyUnset(t *testing.T) {
	env := envOf(map[string]string{EnvSecretID: "cdnwatch", "CDNWATCH_LANG": "zh"})
	var asked string
	src := func(_ context.Context, id string) (string, error) {
		asked = id
		return `{"CDNWATCH_LANG":"en","ALIBABA_CLOUD_ACCESS_KEY_SECRET":"s3cr3t-value-1","CDNWATCH_SLACK_WEBHOOK_URL":"https://hooks.slack.com/services/T/B/x"}`, nil
	}
	s, err := WithSecret(context.Background(), env, src)
	if err != nil {
		t.Fatal(err)
	}
	if asked != "cdnwatch" {
		t.Errorf("asked for %q", asked)
	}
	if s.Get("CDNWATCH_LANG") != "zh" {
		t.Errorf("the environment must win over the secret: %q", s.Get("CDNWATCH_LANG"))
	}
	if s.Get("ALIBABA_CLOUD_ACCESS_KEY_SECRET") != "s3cr3t-value-1" || s.Get("NOT_THERE") != "" {
		t.Errorf("overlay: %q %q", s.Get("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), s.Get("NOT_THERE"))
	}
	if strings.Join(s.Applied, ",") != "ALIBABA_CLOUD_ACCESS_KEY_SECRET,CDNWATCH_SLACK_WEBHOOK_URL" || len(s.Values) != 3 {
		t.Errorf("applied %v, values %d", s.Applied, len(s.Values))
	}
}

func TestWithSecretWithoutID(t *testing.T) {
	called := false
	s, err := WithSecret(context.Background(), envOf(nil), func(context.Context, string) (string, error) { called = true; return "", nil })
	if err != nil || called || s.Get == nil || len(s.Values) != 0 {
		t.Errorf("no id: err %v, called %v", err, called)
	}
	// An id without a store is a configuration error, not silently ignored.
	if _, err := WithSecret(context.Background(), envOf(map[string]string{EnvSecretID: "x"}), nil); err == nil {
		t.Error("an id with no secret store was accepted")
	}
}

func TestSecretErrorsNeverShowValues(t *testing.T) {
	const value = "do-not-print-this-value"
	for name, raw := range map[string]string{
		"not json":       value,
		"not an object":  `["` + value + `"]`,
		"number value":   `{"CDNWATCH_STATE_KEY": 12345, "X": "` + value + `"}`,
		"bad key":        `{"not a name": "` + value + `"}`,
		"nested secret":  `{"CDNWATCH_SECRET_ID": "` + value + `"}`,
		"truncated json": `{"CDNWATCH_STATE_KEY": "` + value,
	} {
		_, err := WithSecret(context.Background(), envOf(map[string]string{EnvSecretID: "cdnwatch"}),
			func(context.Context, string) (string, error) { return raw, nil })
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), value) {
			t.Errorf("%s: error shows the value: %v", name, err)
		}
		if !strings.Contains(err.Error(), `"cdnwatch"`) {
			t.Errorf("%s: error does not name the secret: %v", name, err)
		}
	}
	boom := errors.New("AccessDeniedException")
	_, err := WithSecret(context.Background(), envOf(map[string]string{EnvSecretID: "cdnwatch"}),
		func(context.Context, string) (string, error) { return "", boom })
	if !errors.Is(err, boom) {
		t.Errorf("the store's error is not wrapped: %v", err)
	}
}

// The engine's and the function's loggers hide the secret's values.
func TestRedactCoversSecretValues(t *testing.T) {
	var buf strings.Builder
	e := &Env{Get: envOf(nil), Redact: []string{"s3cr3t-value-1"}}
	e.Logger(&buf, true).Info("oops", "err", "auth failed for s3cr3t-value-1")
	if strings.Contains(buf.String(), "s3cr3t-value-1") || buf.Len() == 0 {
		t.Errorf("log: %s", buf.String())
	}
}
