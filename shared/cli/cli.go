// Package cli is the cdnwatch command: watch, invoke, demo, sim, sweep.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"cdnwatch/shared/config"
)

// Exit codes of `cdnwatch watch` (DESIGN.md "Command line").
const (
	ExitComplete = 0 // every task complete
	ExitFailed   = 1 // at least one failed or unknown
	ExitUsage    = 2 // bad usage or configuration
	ExitTimeout  = 3 // timeout with tasks still pending
	ExitRefused  = 4 // the provider refused us (auth, permissions, bad ids)
)

// Stdio is the command's standard streams.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

const usage = `cdnwatch — watch CDN refresh and prefetch tasks until they finish, and tell people.

Usage:
  cdnwatch watch --provider aliyun-cdn --task-id 123,456 [--interval 10s] [--timeout 30m]
                 [--label TEXT] [--notify slack,webhook] [--json]
  cdnwatch watch --doc FILE|-                  # a Watch document instead of flags
  cdnwatch refresh --provider P [--type file|directory|regex] (--url URL ... | --urls-file FILE|-)
                 [the watch flags] [--state FILE] [--no-wait] [--summary FILE]
  cdnwatch prefetch --provider P (--url URL ... | --urls-file FILE|-) [the same flags]
  cdnwatch demo [--provider aliyun-cdn]        # everything, on the built-in simulator
  cdnwatch sim --provider aliyun-cdn [--addr 127.0.0.1:8080]
  cdnwatch invoke --runtime lambda|fc --event FILE
  cdnwatch sweep --provider aliyun-cdn --domain D --window 10m --settle 30m [--at TIME]
                 [--notify slack] [--json] [--dry-run]

Exit codes of watch: 0 all complete, 1 a task failed or is unknown, 2 bad usage or
configuration, 3 timeout with tasks pending, 4 the provider refused us.
`

// Main runs the command and returns its exit code.
func Main(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	if len(args) == 0 {
		fmt.Fprint(io.Err, usage)
		return ExitUsage
	}
	cmd, rest := args[0], args[1:]
	var run func(context.Context, []string, Stdio, config.Getenv) int
	switch cmd {
	case "watch":
		run = runWatch
	case "refresh":
		run = runRefresh // submit_flags.go
	case "prefetch":
		run = runPrefetch
	case "demo":
		run = runDemo
	case "sim":
		run = runSim
	case "invoke":
		run = runInvoke
	case "sweep":
		run = runSweep
	case "help", "-h", "--help":
		fmt.Fprint(io.Out, usage)
		return 0
	default:
		fmt.Fprintf(io.Err, "cdnwatch: unknown command %q\n\n%s", cmd, usage)
		return ExitUsage
	}
	return run(ctx, rest, io, getenv)
}

// parseFlags parses fs and turns flag errors into a usage exit.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (bool, int) {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, 0
		}
		return false, ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cdnwatch %s: unexpected arguments %s\n", fs.Name(), strings.Join(fs.Args(), " "))
		return false, ExitUsage
	}
	return true, 0
}

// listFlag collects repeatable, comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// mapFlag collects key=value pairs.
type mapFlag map[string]string

func (m mapFlag) String() string { return fmt.Sprint(map[string]string(m)) }
func (m mapFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	m[strings.TrimSpace(k)] = strings.TrimSpace(val)
	return nil
}
