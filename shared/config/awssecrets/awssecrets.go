// Package awssecrets reads cdnwatch's secret from AWS Secrets Manager (GetSecretValue) for
// config.WithSecret. It is a package of its own so that only the binaries that use it (the
// Lambda function, the command) link it. The call is one signed POST of our own, not the
// SDK's Secrets Manager client (getSecretValue says why).
package awssecrets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"cdnwatch/shared/config"
	"cdnwatch/shared/internal/awsjson"
)

// Timeout bounds the read: a function that cannot read its secret should fail its start
// quickly, well inside Lambda's 10-second init phase (which is then retried with the
// first invocation), not hang until the platform kills it.
const Timeout = 5 * time.Second

// SourceWith reads the SecretString of a secret id or ARN with a Secrets Manager client
// configured by load (awsenv in the Lambda function, awschain in the command; both honour
// AWS_REGION, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_SECRETS_MANAGER). A secret id that is
// an ARN gives the region when none is configured.
func SourceWith(load func(context.Context) (aws.Config, error)) config.SecretSource {
	return func(ctx context.Context, id string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, Timeout)
		defer cancel()
		cfg, err := load(ctx)
		if err != nil {
			return "", fmt.Errorf("load AWS config: %w", err)
		}
		if cfg.Region == "" {
			cfg.Region = regionOfARN(id)
		}
		secret, err := getSecretValue(ctx, cfg, id)
		if err != nil {
			return "", fmt.Errorf("secretsmanager GetSecretValue: %w", err)
		}
		if secret == nil {
			return "", errors.New("the secret has no SecretString (a binary secret); store a JSON object of variable names and values")
		}
		return *secret, nil
	}
}

// getSecretValue is the one Secrets Manager call, made with awsjson rather than the SDK's
// service client, which costs the Lambda binary 0.26 MB (every operation's serializers, its
// endpoint rules) for this single request.
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
func getSecretValue(ctx context.Context, cfg aws.Config, id string) (*string, error) {
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION, or name the secret by its ARN")
	}
	var out struct{ SecretString *string }
	if err := awsjson.Call(ctx, cfg, service, "GetSecretValue", map[string]string{"SecretId": id}, &out); err != nil {
		return nil, err
	}
	return out.SecretString, nil
}

var service = awsjson.Service{Name: "secretsmanager", TargetPrefix: "secretsmanager", ContentType: "application/x-amz-json-1.1"}

// regionOfARN reads the region of arn:aws:secretsmanager:<region>:<account>:secret:<name>.
func regionOfARN(id string) string {
	p := strings.SplitN(id, ":", 7)
	if len(p) == 7 && p[0] == "arn" && p[2] == "secretsmanager" {
		return p[3]
	}
	return ""
}
