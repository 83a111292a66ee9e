// Command lambda is the hello-world of aws-lambda-go: it answers every event with the
// event itself. cdnwatch-bench builds it as the Lambda function's baseline, so the cold
// start and memory figures show what cdnwatch adds to the runtime library alone.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, event json.RawMessage) (json.RawMessage, error) { return event, nil })
}
