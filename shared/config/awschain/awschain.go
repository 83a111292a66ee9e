// Package awschain is the AWS SDK's whole default configuration chain (environment,
// shared config and credentials files, SSO, roles, container and instance metadata), for
// the command. It is a package of its own because importing the SDK's config package links
// all of it (its package variables reach every loader): the Lambda function uses awsenv
// instead and never imports this.
package awschain

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"cdnwatch/shared/config/awsenv"
)

// The CloudFront driver uses the chain when the binary has it (awsenv.Chain): so the
// command reads profiles, SSO and roles, and the functions, which never import this
// package, stay without it.
func init() { awsenv.UseChain(Load) }

// Load is config.LoadDefaultConfig.
func Load(ctx context.Context) (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) }
