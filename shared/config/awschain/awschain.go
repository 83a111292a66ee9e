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
)

// Load is config.LoadDefaultConfig.
func Load(ctx context.Context) (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) }
