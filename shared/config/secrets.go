package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// EnvSecretID names a secret whose value is a JSON object of cdnwatch's variables
// ({"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "…", "CDNWATCH_SLACK_WEBHOOK_URL": "…"}), read once at
// start. On Lambda it is an AWS Secrets Manager secret id or ARN (see awssecrets), so the
// deployment descriptor carries only the id and rotating a value needs no redeploy.
const EnvSecretID = "CDNWATCH_SECRET_ID"

// SecretSource reads the SecretString of secret id.
type SecretSource func(ctx context.Context, id string) (string, error)

// varName is what a secret's keys must look like: an environment variable name.
var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Secret is the outcome of WithSecret: the environment to read, and the secret's values
// (for the redaction list).
type Secret struct {
	Get    Getenv
	Values []string
	// Applied are the names the secret supplied (the others were already set).
	Applied []string
}

// WithSecret reads the secret named by CDNWATCH_SECRET_ID through src and returns get with
// the secret's values under it: a variable already set in the environment wins, so an
// operator can override one value without editing the secret. Without CDNWATCH_SECRET_ID
// it returns get unchanged. Errors name the secret and the problem, never a value.
func WithSecret(ctx context.Context, get Getenv, src SecretSource) (Secret, error) {
	id := strings.TrimSpace(get(EnvSecretID))
	if id == "" {
		return Secret{Get: get}, nil
	}
	if src == nil {
		return Secret{}, fmt.Errorf("%s=%q is set, but this runtime has no secret store to read it from", EnvSecretID, id)
	}
	raw, err := src(ctx, id)
	if err != nil {
		return Secret{}, fmt.Errorf("read secret %s=%q: %w", EnvSecretID, id, err)
	}
	vals, err := ParseSecret(raw)
	if err != nil {
		return Secret{}, fmt.Errorf("secret %s=%q: %w", EnvSecretID, id, err)
	}
	s := Secret{}
	for k, v := range vals {
		s.Values = append(s.Values, v)
		if get(k) == "" {
			s.Applied = append(s.Applied, k)
		}
	}
	sort.Strings(s.Applied)
	s.Get = func(name string) string {
		if v := get(name); v != "" {
			return v
		}
		return vals[name]
	}
	return s, nil
}

// ParseSecret reads a SecretString: a JSON object whose keys are variable names and whose
// values are strings. The error names keys, never values.
func ParseSecret(raw string) (map[string]string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
		// json's message may quote the text, which is the secret: keep only its kind.
		return nil, errors.New("SecretString is not a JSON object of variable names and values")
	}
	out := make(map[string]string, len(obj))
	var bad []string
	for k, v := range obj {
		var s string
		if !varName.MatchString(k) {
			bad = append(bad, fmt.Sprintf("key %.60q is not a variable name", k))
			continue
		}
		if k == EnvSecretID {
			bad = append(bad, fmt.Sprintf("key %s cannot name another secret", k))
			continue
		}
		if err := json.Unmarshal(v, &s); err != nil {
			bad = append(bad, fmt.Sprintf("%s is not a string", k))
			continue
		}
		out[k] = s
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("SecretString: %s", strings.Join(bad, "; "))
	}
	return out, nil
}
