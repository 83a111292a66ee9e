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
