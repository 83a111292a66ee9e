// Package awsenv builds an AWS SDK configuration from the environment AWS Lambda gives a
// function, without the SDK's config package.
//
// Lambda puts the execution role's temporary credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN and the region in AWS_REGION
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime);
// the SDK's default chain finds exactly those there too. What the config package adds on
// top (profiles, SSO, the login and STS credential clients, container and instance
// metadata, its INI reader) is of no use in a function and costs 1.8 MB of binary, so the
// Lambda function's own clients (the SQS continuation, the Secrets Manager read) use Load
// and only the command and the CloudFront driver link the full chain.
package awsenv

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Load returns the configuration for one service: region and static credentials from the
// environment, and the endpoint override AWS_ENDPOINT_URL_<SERVICE> (serviceEnv, e.g.
// "SQS", "SECRETS_MANAGER"), else AWS_ENDPOINT_URL, as the SDK's own configuration reads
// them (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
func Load(getenv func(string) string, serviceEnv string) (aws.Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Config{}, errors.New("no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): " +
			"Lambda sets them from the execution role")
	}
	cfg := aws.Config{
		Region:      first(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))),
	}
	if !strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		if ep := first(getenv("AWS_ENDPOINT_URL_"+serviceEnv), getenv("AWS_ENDPOINT_URL")); ep != "" {
			cfg.BaseEndpoint = aws.String(ep)
		}
	}
	return cfg, nil
}

// Loader is Load as a config loader for one service, in the form the queue and the
// secret source take.
func Loader(getenv func(string) string, serviceEnv string) func(context.Context) (aws.Config, error) {
	return func(context.Context) (aws.Config, error) { return Load(getenv, serviceEnv) }
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
