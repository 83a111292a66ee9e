package awssecrets_test

import (
	"context"
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
