package awssecrets_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"cdnwatch/shared/config"
	"cdnwatch/shared/config/awschain"
	"cdnwatch/shared/config/awsenv"
	"cdnwatch/shared/config/awssecrets"
	"cdnwatch/shared/internal/mototest"
)

// TestSourceMoto reads secrets from moto_server through AWS_ENDPOINT_URL, as the Lambda
// function does at start: by name, by ARN (whose region is used when none is set), and
// refuses a binary secret and a missing one with clear errors.
func TestSourceMoto(t *testing.T) {
	url := mototest.Start(t)
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	// The command's chain and the Lambda function's environment-only loader read the same.
	for name, source := range map[string]config.SecretSource{
		"awschain": awssecrets.SourceWith(awschain.Load),
		"awsenv":   awssecrets.SourceWith(awsenv.Loader(os.Getenv, "SECRETS_MANAGER")),
	} {
		t.Run(name, func(t *testing.T) { readSecrets(t, url, name, source) })
	}
}

func readSecrets(t *testing.T, url, prefix string, source config.SecretSource) {
	ctx := context.Background()
	sm := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	const value = `{"CDNWATCH_SLACK_WEBHOOK_URL":"https://hooks.slack.com/services/T0/B0/moto","CDNWATCH_STATE_KEY":"moto-state-key"}`
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(prefix + "/cdnwatch"), SecretString: aws.String(value)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(prefix + "/binary"), SecretBinary: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}

	got, err := source(ctx, prefix+"/cdnwatch")
	if err != nil || got != value {
		t.Fatalf("by name: %q, %v", got, err)
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	if got, err := source(ctx, aws.ToString(created.ARN)); err != nil || got != value {
		t.Errorf("by ARN without a configured region: %q, %v", got, err)
	}
	t.Setenv("AWS_REGION", "us-east-1")
	if _, err := source(ctx, prefix+"/binary"); err == nil || !strings.Contains(err.Error(), "SecretString") {
		t.Errorf("binary secret: %v", err)
	}
	if _, err := source(ctx, "missing"); err == nil || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Errorf("missing secret: %v", err)
	}

	// Through config.WithSecret, as function.New uses it.
	s, err := config.WithSecret(ctx, func(k string) string {
		return map[string]string{config.EnvSecretID: prefix + "/cdnwatch"}[k]
	}, source)
	if err != nil || s.Get("CDNWATCH_STATE_KEY") != "moto-state-key" {
		t.Errorf("WithSecret: %v", err)
	}
}

// The request is AWS JSON 1.1 signed for secretsmanager; a 5xx answer is retried, a
// refusal is not, and its code and message make the error (never the secret key).
func TestSourceRetriesAndRefusals(t *testing.T) {
	var calls []string
	answers := []func(w http.ResponseWriter){
		func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
		func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"Name":"cdnwatch","SecretString":"{\"A\":\"b\"}"}`)
		},
		func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"com.amazonaws.secretsmanager#AccessDeniedException","Message":"not allowed"}`)
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		calls = append(calls, r.Header.Get("X-Amz-Target")+" "+r.Header.Get("Content-Type")+" "+string(b))
		if !strings.Contains(r.Header.Get("Authorization"), "/us-west-2/secretsmanager/aws4_request") {
			t.Errorf("not signed for secretsmanager in us-west-2: %q", r.Header.Get("Authorization"))
		}
		answers[min(len(calls), len(answers))-1](w)
	}))
	defer srv.Close()
	load := func(context.Context) (aws.Config, error) {
		return aws.Config{Region: "us-west-2", BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "very-secret-key", "")}, nil
	}
	source := awssecrets.SourceWith(load)
	got, err := source(context.Background(), "cdnwatch")
	if err != nil || got != `{"A":"b"}` || len(calls) != 2 {
		t.Fatalf("after a 500: %q, %v, %d calls", got, err, len(calls))
	}
	if want := `secretsmanager.GetSecretValue application/x-amz-json-1.1 {"SecretId":"cdnwatch"}`; calls[0] != want {
		t.Errorf("request %q, want %q", calls[0], want)
	}
	_, err = source(context.Background(), "cdnwatch")
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException: not allowed") || len(calls) != 3 ||
		strings.Contains(err.Error(), "very-secret-key") {
		t.Errorf("a refusal: %v after %d calls; want AccessDeniedException and no retry", err, len(calls))
	}
}
