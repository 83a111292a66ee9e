// Command fc is the hello-world of fc-runtime-go-sdk: it answers every event with the
// event itself, the FC function's baseline in cdnwatch-bench.
package main

import (
	"context"
	"encoding/json"

	"github.com/aliyun/fc-runtime-go-sdk/fc"
)

func main() {
	fc.Start(func(_ context.Context, event json.RawMessage) (json.RawMessage, error) { return event, nil })
}
