// Command bootstrap is cdnwatch on AWS Lambda (provided.al2023, arm64). Build:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags '-s -w' -o bootstrap ./functions/lambda
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"cdnwatch/shared/function"
	_ "cdnwatch/shared/provider/all" // every provider registers itself
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/sqsqueue"
)

func main() {
	h, err := function.New(function.Options{Runtime: trigger.Lambda, Getenv: os.Getenv, Log: os.Stderr,
		Queue: sqsqueue.New(os.Getenv)})
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("cdnwatch: bad configuration", "err", err.Error())
		os.Exit(2)
	}
	lambda.Start(h.Invoke)
}
