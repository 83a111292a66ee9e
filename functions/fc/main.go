// Command main is cdnwatch on Aliyun Function Compute (built-in go1 runtime, amd64). Build:
//
//	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o main ./functions/fc
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aliyun/fc-runtime-go-sdk/fc"

	"cdnwatch/shared/function"
	_ "cdnwatch/shared/provider/all" // every provider registers itself
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/mnsqueue"
)

func main() {
	h, err := function.New(function.Options{Runtime: trigger.FC, Getenv: os.Getenv, Log: os.Stderr,
		Queue: mnsqueue.New(os.Getenv)})
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("cdnwatch: bad configuration", "err", err.Error())
		os.Exit(2)
	}
	fc.Start(func(ctx context.Context, event json.RawMessage) (any, error) {
		return h.Invoke(function.FCContext(ctx), event)
	})
}
