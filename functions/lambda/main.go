// Command bootstrap is cdnwatch on AWS Lambda (provided.al2023, arm64). Build:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags '-s -w' -o bootstrap ./functions/lambda
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"cdnwatch/shared/config/awsenv"
	"cdnwatch/shared/config/awssecrets"
	"cdnwatch/shared/function"
	_ "cdnwatch/shared/provider/all" // every provider registers itself
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/sqsqueue"
)

func main() {
	// Secrets (keys, webhook URLs, the state key) come from the Secrets Manager secret
	// CDNWATCH_SECRET_ID names, read here at start, never from the function's configuration.
	// The function's own AWS clients take their configuration from what Lambda sets in the
	// environment (awsenv), not the SDK's whole default chain: 1.8 MB less binary.
	h, err := function.New(function.Options{Runtime: trigger.Lambda, Getenv: os.Getenv, Log: os.Stderr,
		Queue:   sqsqueue.New(os.Getenv, awsenv.Loader(os.Getenv, "SQS")),
		Secrets: awssecrets.SourceWith(awsenv.Loader(os.Getenv, "SECRETS_MANAGER")), Setenv: os.Setenv})
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("cdnwatch: bad configuration", "err", err.Error())
		os.Exit(2)
	}
	lambda.Start(h.Invoke)
}
