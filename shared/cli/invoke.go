package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	goio "io"
	"os"
	"time"

	"cdnwatch/shared/config"
	"cdnwatch/shared/config/awschain"
	"cdnwatch/shared/config/awssecrets"
	"cdnwatch/shared/function"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/mnsqueue"
	"cdnwatch/shared/trigger/sqsqueue"
)

// runInvoke runs the function's handler once on an event file, as the platform would,
// and prints the answer: the same code path as functions/lambda and functions/fc.
func runInvoke(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	rtName := fs.String("runtime", "", "lambda or fc")
	file := fs.String("event", "", "event file (see events/), - for stdin")
	deadline := fs.Duration("deadline", 2*time.Minute, "the invocation's time limit (Lambda/FC function timeout)")
	dry := fs.Bool("dry-run", false, "print continuations instead of sending them to SQS/MNS")
	at := fs.String("at", "", "set a timer event's trigger time (RFC 3339, or now) before invoking, e.g. for the sweep samples")
	if ok, code := parseFlags(fs, args, io.Err); !ok {
		return code
	}
	rt, err := trigger.ParseRuntime(*rtName)
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch invoke: --runtime: %v\n", err)
		return ExitUsage
	}
	if *file == "" {
		fmt.Fprintln(io.Err, "cdnwatch invoke: --event FILE is required")
		return ExitUsage
	}
	var data []byte
	if *file == "-" {
		data, err = goio.ReadAll(goio.LimitReader(io.In, 8<<20))
	} else {
		data, err = os.ReadFile(*file)
	}
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch invoke: read --event: %v\n", err)
		return ExitUsage
	}
	if *at != "" {
		t, err := ParseAt(*at, time.Now())
		if err == nil {
			data, err = Retime(data, t)
		}
		if err != nil {
			fmt.Fprintf(io.Err, "cdnwatch invoke: %v\n", err)
			return ExitUsage
		}
	}
	var q trigger.Queue
	switch {
	case *dry:
		q = &printQueue{rt: rt, io: io}
	case rt == trigger.Lambda:
		q = sqsqueue.New(getenv, awschain.Load)
	default:
		q = mnsqueue.New(getenv)
	}
	opts := function.Options{Runtime: rt, Getenv: getenv, Log: io.Err, Queue: q}
	if rt == trigger.Lambda {
		opts.Secrets, opts.Setenv = awssecrets.SourceWith(awschain.Load), os.Setenv // as functions/lambda does
	}
	h, err := function.New(opts)
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch invoke: %v\n", err)
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *deadline)
	defer cancel()
	out, err := h.Invoke(ctx, data)
	if err != nil {
		kind := "transient (the platform would retry)"
		if trigger.IsPoison(err) {
			kind = "poison (never retried)"
		}
		fmt.Fprintf(io.Err, "cdnwatch invoke: %s error: %v\n", kind, err)
		return ExitFailed
	}
	enc := json.NewEncoder(io.Out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(io.Err, "cdnwatch invoke: write result: %v\n", err)
		return ExitFailed
	}
	return 0
}

// printQueue is --dry-run: every record has a target, and a send is printed.
type printQueue struct {
	rt trigger.Runtime
	io Stdio
}

func (p *printQueue) Name() string {
	if p.rt == trigger.FC {
		return "mns (dry run)"
	}
	return "sqs (dry run)"
}
func (p *printQueue) Budget() int {
	if p.rt == trigger.FC {
		return mnsqueue.New(func(string) string { return "" }).Budget()
	}
	return sqsqueue.New(func(string) string { return "" }, nil).Budget()
}
func (p *printQueue) MaxDelay() time.Duration {
	if p.rt == trigger.FC {
		return mnsqueue.MaxDelay
	}
	return sqsqueue.MaxDelay
}
func (p *printQueue) Target(source string) string {
	if source == "" {
		return "the configured queue"
	}
	return source
}
func (p *printQueue) DeadLetter() string { return "" }
func (p *printQueue) Send(_ context.Context, target string, body []byte, delay time.Duration, _ map[string]string) error {
	fmt.Fprintf(p.io.Err, "cdnwatch invoke: would send to %s with a delay of %s: %s\n", target, delay, body)
	return nil
}
