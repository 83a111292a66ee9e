package awsenv

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestLoad(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDLAMBDA", "AWS_SECRET_ACCESS_KEY": "lambda-secret", "AWS_SESSION_TOKEN": "tok",
		"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:2"}
	get := func(k string) string { return env[k] }
	cfg, err := Load(get, "SQS")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIDLAMBDA" || creds.SessionToken != "tok" || cfg.Region != "eu-west-1" {
		t.Errorf("cfg %+v creds %+v %v", cfg, creds, err)
	}
	if aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:2" {
		t.Errorf("the service's own endpoint must win: %v", aws.ToString(cfg.BaseEndpoint))
	}
	if cfg, _ := Load(get, "SECRETS_MANAGER"); aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:1" {
		t.Errorf("the global endpoint: %v", aws.ToString(cfg.BaseEndpoint))
	}
	env["AWS_REGION"] = "ap-east-1"
	env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
	if cfg, _ := Load(get, "SQS"); cfg.BaseEndpoint != nil || cfg.Region != "ap-east-1" {
		t.Errorf("ignored endpoints / AWS_REGION first: %v %s", aws.ToString(cfg.BaseEndpoint), cfg.Region)
	}
	delete(env, "AWS_SECRET_ACCESS_KEY")
	if _, err := Load(get, "SQS"); err == nil || strings.Contains(err.Error(), "AKIDLAMBDA") {
		t.Errorf("missing secret: %v", err)
	}
}

// Credentials reads the environment when asked, with the SDK's older names as fallbacks.
func TestCredentials(t *testing.T) {
	env := map[string]string{}
	p := Credentials(func(k string) string { return env[k] })
	if _, err := p.Retrieve(context.Background()); err != ErrNoCredentials {
		t.Errorf("empty environment: %v", err)
	}
	env["AWS_ACCESS_KEY"], env["AWS_SECRET_KEY"] = "AKIDOLD", "old-secret"
	if c, err := p.Retrieve(context.Background()); err != nil || c.AccessKeyID != "AKIDOLD" || c.SecretAccessKey != "old-secret" {
		t.Errorf("older names: %+v %v", c, err)
	}
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"] = "AKIDNEW", "new-secret", "tok"
	if c, err := p.Retrieve(context.Background()); err != nil || c.AccessKeyID != "AKIDNEW" || c.SecretAccessKey != "new-secret" || c.SessionToken != "tok" {
		t.Errorf("current names first: %+v %v", c, err)
	}
}

func TestChainRegistration(t *testing.T) {
	if Chain() != nil {
		t.Fatal("a chain is registered without awschain imported")
	}
	UseChain(func(context.Context) (aws.Config, error) { return aws.Config{Region: "chain"}, nil })
	defer UseChain(nil)
	if c := Chain(); c == nil {
		t.Fatal("UseChain did not register")
	} else if cfg, _ := c(context.Background()); cfg.Region != "chain" {
		t.Errorf("the registered loader was not returned: %+v", cfg)
	}
	UseChain(nil)
	if Chain() != nil {
		t.Error("UseChain(nil) left a chain registered")
	}
}
