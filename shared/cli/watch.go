package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"cdnwatch/shared/config"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// MaxDeliveryHops bounds the extra hops the command makes after a watch ended, only to
// deliver notices a channel refused for the moment. The final document (--json) still
// holds whatever was not delivered.
const MaxDeliveryHops = 3

type watchOpts struct {
	provider, label, docFile string
	ids, notify              listFlag
	scope                    mapFlag
	interval, timeout        time.Duration
	json                     bool
}

func runWatch(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	o := watchOpts{scope: mapFlag{}}
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.StringVar(&o.provider, "provider", "", "provider id: "+fmt.Sprint(provider.Names()))
	fs.Var(&o.ids, "task-id", "task ids, comma-separated or repeated")
	fs.DurationVar(&o.interval, "interval", 0, "longest wait between polls (the schedule adapts below it)")
	fs.DurationVar(&o.timeout, "timeout", 0, "give up and report after this long (default 2h)")
	fs.StringVar(&o.label, "label", "", "label shown in notices")
	fs.Var(&o.notify, "notify", "channels: slack, webhook, dingtalk, feishu, wecom (default: every configured)")
	fs.Var(o.scope, "scope", "provider-specific key=value, e.g. distributionId=E2ABC (repeatable)")
	fs.StringVar(&o.docFile, "doc", "", "read a Watch document from FILE (- for stdin) instead of flags")
	fs.BoolVar(&o.json, "json", false, "print the final Watch document on stdout")
	if ok, code := parseFlags(fs, args, io.Err); !ok {
		return code
	}
	env, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch watch: %v\n", err)
		return ExitUsage
	}
	doc, err := o.document(io.In, env.StateKey)
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch watch: %v\n", err)
		return ExitUsage
	}
	if !slices.Contains(provider.Names(), doc.Provider) {
		fmt.Fprintf(io.Err, "cdnwatch watch: %v\n", &provider.ErrUnknownProvider{Name: doc.Provider})
		return ExitUsage
	}
	logger := cliLogger(io.Err, env, getenv)
	eng, err := env.Engine(logger)
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch watch: %v\n", err)
		return ExitUsage
	}
	prog := newProgress(io.Err)
	// A channel that refuses our credentials (Slack invalid_auth, a bad signing secret) is
	// disabled for the watch; the command still exits 4 so the pipeline sees it.
	var authErr error
	eng.OnHop = func(h engine.Hop) {
		prog.hop(h)
		for _, err := range h.Delivery.Errors {
			if notify.IsAuth(err) && authErr == nil {
				authErr = err
			}
		}
	}
	code := watchToEnd(ctx, eng, doc, io.Err)
	prog.close()
	if authErr != nil && (code.exit == ExitComplete || code.exit == ExitFailed || code.exit == ExitTimeout) {
		fmt.Fprintf(io.Err, "cdnwatch watch: a notification channel refused our credentials: %v\n", authErr)
		code.exit = ExitRefused
	}
	if code.doc != nil && code.doc.State != nil && o.json {
		enc := json.NewEncoder(io.Out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(&watch.Response{Document: *code.doc, Done: code.doc.Done(), WaitSeconds: code.doc.State.Wait}); err != nil {
			fmt.Fprintf(io.Err, "cdnwatch watch: write --json: %v\n", err)
		}
	}
	return code.exit
}

type outcome struct {
	doc  *watch.Document
	exit int
}

// watchToEnd runs the watch in process and maps its end to an exit code.
func watchToEnd(ctx context.Context, eng *engine.Engine, doc *watch.Document, stderr io.Writer) outcome {
	eng.MaxDeliveryHops = MaxDeliveryHops
	cur := doc
	h, err := eng.Run(ctx, cur, time.Now().Add(100*365*24*time.Hour))
	if h.Doc != nil {
		cur = h.Doc
	}
	if err != nil {
		fmt.Fprintf(stderr, "cdnwatch watch: %v\n", err)
		var oe *engine.OpenError
		switch {
		case provider.Refused(err):
			return outcome{cur, ExitRefused}
		case errors.Is(err, context.Canceled):
			return outcome{cur, ExitTimeout}
		case errors.As(err, &oe):
			return outcome{cur, ExitUsage}
		}
		return outcome{cur, ExitFailed}
	}
	if !cur.State.Outbox.Empty() {
		fmt.Fprintf(stderr, "cdnwatch watch: %d notice(s) could not be delivered; they stay in the final document (--json)\n",
			len(cur.State.Outbox.Queue))
	}
	switch cur.State.Finished {
	case watch.EndComplete:
		return outcome{cur, ExitComplete}
	case watch.EndTimeout:
		return outcome{cur, ExitTimeout}
	default:
		return outcome{cur, ExitFailed}
	}
}

// document builds the Watch document from --doc or the flags, through the same decoder
// every trigger uses, so the command and the functions validate alike.
func (o *watchOpts) document(stdin io.Reader, key []byte) (*watch.Document, error) {
	if o.docFile != "" {
		if o.provider != "" || len(o.ids) > 0 {
			return nil, errors.New("--doc and --provider/--task-id exclude each other")
		}
		var data []byte
		var err error
		if o.docFile == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, watch.MaxDocumentBytes+1))
		} else {
			data, err = os.ReadFile(o.docFile)
		}
		if err != nil {
			return nil, fmt.Errorf("read --doc: %w", err)
		}
		return watch.Decode(data, key)
	}
	if o.provider == "" {
		return nil, errors.New("--provider is required (or --doc)")
	}
	if len(o.ids) == 0 {
		return nil, errors.New("--task-id is required (or --doc)")
	}
	d := watch.Document{V: watch.Version, Provider: o.provider, TaskIDs: o.ids, Label: o.label,
		Notify: o.notify, Interval: watch.Duration{D: o.interval}, Timeout: watch.Duration{D: o.timeout}}
	if len(o.scope) > 0 {
		d.Scope = o.scope
	}
	b, err := watch.Encode(&d)
	if err != nil {
		return nil, err
	}
	return watch.Decode(b, nil)
}
