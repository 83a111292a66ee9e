// Package awssecrets reads cdnwatch's secret from AWS Secrets Manager (GetSecretValue) for
// config.WithSecret. It is a package of its own so that only the binaries that use it (the
// Lambda function, the command) link the Secrets Manager client.
package awssecrets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"cdnwatch/shared/config"
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
		out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			return "", fmt.Errorf("secretsmanager GetSecretValue: %w", err)
		}
		if out.SecretString == nil {
			return "", errors.New("the secret has no SecretString (a binary secret); store a JSON object of variable names and values")
		}
		return *out.SecretString, nil
	}
}

// regionOfARN reads the region of arn:aws:secretsmanager:<region>:<account>:secret:<name>.
func regionOfARN(id string) string {
	p := strings.SplitN(id, ":", 7)
	if len(p) == 7 && p[0] == "arn" && p[2] == "secretsmanager" {
		return p[3]
	}
	return ""
}
