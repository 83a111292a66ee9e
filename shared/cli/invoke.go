package cli

import (
	"context"
	"encoding/json"
	"fmt"
	goio "io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"cdnwatch/shared/config/awschain"
	"cdnwatch/shared/config/awssecrets"
	"cdnwatch/shared/function"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/mnsqueue"
	"cdnwatch/shared/trigger/sqsqueue"
)

type invokeOpts struct {
	runtime, event string
	deadline       time.Duration
	dryRun         bool
	at             string
}

func (a *app) invokeCmd() *cobra.Command {
	o := &invokeOpts{}
	cmd := &cobra.Command{
		Use:   "invoke --runtime lambda|fc --event FILE [--dry-run]",
		Short: "Run the function's handler once on an event file, as the platform would",
		Long: `Run the Lambda or FC handler once on an event (a file from events/, or - for stdin) and
print its answer: the same code path as functions/lambda and functions/fc, so an event can
be tried before it is deployed. Continuations go to the configured queue (SQS or MNS), or
are printed with --dry-run.`,
		Example: `  cdnwatch invoke --runtime lambda --event events/lambda-direct.json --dry-run
  cdnwatch invoke --runtime fc --event events/fc-timer.json --dry-run
  cdnwatch invoke --runtime fc --event events/fc-timer-sweep.json --at now`,
		Args: noArgs,
		Annotations: map[string]string{
			"environment": envHelp(envCredentials, envChannels, envCommon,
				"  CDNWATCH_SQS_QUEUE_URL, CDNWATCH_MNS_QUEUE  where continuations go (see docs/deploy.md)"),
			"exitcodes": `  0  the handler answered (its answer is on stdout)
  1  the handler failed (stderr says whether the platform would retry)
  2  bad usage or configuration`,
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runInvoke(cmd, o) },
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.runtime, "runtime", "", "lambda or fc")
	fs.StringVar(&o.event, "event", "", "event file (see events/), - for stdin")
	durationFlag(fs, &o.deadline, "deadline", 2*time.Minute, "", "the invocation's time limit (the function's timeout)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print continuations instead of sending them to SQS/MNS")
	fs.StringVar(&o.at, "at", "", "set a timer event's trigger time (RFC 3339, or now) before invoking, e.g. for the sweep samples")
	return cmd
}

func (a *app) runInvoke(cmd *cobra.Command, o *invokeOpts) error {
	ctx, io, getenv := cmd.Context(), a.io, a.getenv
	rt, err := trigger.ParseRuntime(o.runtime)
	if err != nil {
		return exitf(ExitUsage, "--runtime: %v", err)
	}
	if o.event == "" {
		return exitf(ExitUsage, "--event FILE is required (a file from events/, or - for stdin)")
	}
	var data []byte
	if o.event == "-" {
		data, err = goio.ReadAll(goio.LimitReader(io.In, 8<<20))
	} else {
		data, err = os.ReadFile(o.event)
	}
	if err != nil {
		return exitf(ExitUsage, "read --event: %v", err)
	}
	if o.at != "" {
		// The logic lives in retime.go (ParseAt, Retime), apart from the flag plumbing.
		t, err := ParseAt(o.at, time.Now())
		if err == nil {
			data, err = Retime(data, t)
		}
		if err != nil {
			return exitf(ExitUsage, "%v", err)
		}
	}
	var q trigger.Queue
	switch {
	case o.dryRun:
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
		return exitf(ExitUsage, "%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.deadline)
	defer cancel()
	out, err := h.Invoke(ctx, data)
	if err != nil {
		kind := "transient (the platform would retry)"
		if trigger.IsPoison(err) {
			kind = "poison (never retried)"
		}
		return exitf(ExitFailed, "%s error: %v", kind, err)
	}
	enc := json.NewEncoder(io.Out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return exitf(ExitFailed, "write result: %v", err)
	}
	return nil
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
