// Package awsenv builds an AWS SDK configuration from the environment AWS Lambda gives a
// function, without the SDK's config package.
//
// Lambda puts the execution role's temporary credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN and the region in AWS_REGION
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime);
// the SDK's default chain finds exactly those there too. What the config package adds on
// top (profiles, SSO, the login and STS credential clients, container and instance
// metadata, its INI reader) is of no use in a function and costs 1.8 MB of binary, so the
// functions configure every AWS client from here (Load for their own SQS and Secrets
// Manager clients; Credentials and Endpoint in the CloudFront driver) and only the command
// links the full chain: importing shared/config/awschain registers it (UseChain), and the
// CloudFront driver asks Chain whether the binary has it.
package awsenv

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"

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
	if ep := Endpoint(getenv, serviceEnv); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	return cfg, nil
}

// Endpoint is the endpoint override of one service: AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, or "" when there is none or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
func Endpoint(getenv func(string) string, serviceEnv string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	return first(getenv("AWS_ENDPOINT_URL_"+serviceEnv), getenv("AWS_ENDPOINT_URL"))
}

// ErrNoCredentials: the environment has no AWS key pair.
var ErrNoCredentials = errors.New("no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")

// Credentials is a credentials provider that reads the environment when the first
// request is signed, as the SDK's environment provider does
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html):
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their older names AWS_ACCESS_KEY and
// AWS_SECRET_KEY), plus AWS_SESSION_TOKEN for temporary ones. Reading late lets a client
// be built before the keys are there (e.g. before the secret is applied) and makes a
// missing key an error of the call, not of start-up. Wrap it in aws.NewCredentialsCache.
func Credentials(getenv func(string) string) aws.CredentialsProvider {
	if getenv == nil {
		getenv = os.Getenv
	}
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		id := first(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_ACCESS_KEY"))
		secret := first(getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SECRET_KEY"))
		if id == "" || secret == "" {
			return aws.Credentials{}, ErrNoCredentials
		}
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN"),
			Source: "cdnwatch environment"}, nil
	})
}

// A ChainLoader loads the SDK's whole default configuration.
type ChainLoader = func(context.Context) (aws.Config, error)

var chain atomic.Pointer[ChainLoader]

// UseChain registers the SDK's whole default chain; shared/config/awschain calls it when
// a binary imports it (the command does; the functions do not).
func UseChain(load ChainLoader) { chain.Store(&load) }

// Chain is the registered default chain, or nil when the binary does not link it: then
// AWS clients are configured from the environment alone.
func Chain() ChainLoader {
	if p := chain.Load(); p != nil {
		return *p
	}
	return nil
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
