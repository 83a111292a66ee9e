// Command cdnwatch watches CDN refresh and prefetch tasks until they finish, and tells
// people. See README.md; the logic lives in shared/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"cdnwatch/shared/cli"
	_ "cdnwatch/shared/provider/all"       // every provider registers itself
	_ "cdnwatch/shared/provider/volcchain" // the command reads ~/.volcengine/credentials too
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Getenv)
	stop()
	os.Exit(code)
}
