package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"cdnwatch/shared/config"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/sweep"
	"cdnwatch/shared/watch"
)

type sweepOpts struct {
	provider, label, docFile, at string
	domains, notify              listFlag
	scope                        mapFlag
	window, settle               time.Duration
	json, dryRun                 bool
}

// runSweep runs one tick of a sweep: the window that ended --settle before --at (default
// now), listed, grouped and posted. Exit codes: 0 the digest was built and delivered (or
// no channel is configured), 1 listing or delivery failed (run it again: same window,
// same notice id), 2 bad usage or configuration (including a provider that cannot list,
// or a window past its retention), 4 the provider refused us.
func runSweep(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	o := sweepOpts{scope: mapFlag{}}
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.StringVar(&o.provider, "provider", "", "provider id: "+fmt.Sprint(provider.Names()))
	fs.Var(&o.domains, "domain", "domains to sweep, comma-separated or repeated (default: every domain)")
	fs.DurationVar(&o.window, "window", 10*time.Minute, "window length: the timer's period; must divide 24h")
	fs.DurationVar(&o.settle, "settle", sweep.DefaultSettle, "report a window this long after it ends")
	fs.StringVar(&o.at, "at", "", "the tick's time, RFC 3339 (default now); the window is the last one that ended --settle before it")
	fs.StringVar(&o.label, "label", "", "label shown in the digest")
	fs.Var(&o.notify, "notify", "channels: slack, webhook, dingtalk, feishu, wecom (default: every configured)")
	fs.Var(o.scope, "scope", "provider-specific key=value (repeatable)")
	fs.StringVar(&o.docFile, "doc", "", "read a sweep document from FILE (- for stdin) instead of flags")
	fs.BoolVar(&o.json, "json", false, "print the window, the full digest and the notice as JSON on stdout")
	fs.BoolVar(&o.dryRun, "dry-run", false, "list and print the digest, but post nothing")
	if ok, code := parseFlags(fs, args, io.Err); !ok {
		return code
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(io.Err, "cdnwatch sweep: %v\n", err)
		return code
	}
	at := time.Now()
	if s := strings.TrimSpace(o.at); s != "" && s != "now" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return fail(ExitUsage, fmt.Errorf("--at %q: want an RFC 3339 time, e.g. 2026-03-01T10:40:00Z", s))
		}
		at = t
	}
	env, err := config.FromEnv(getenv)
	if err != nil {
		return fail(ExitUsage, err)
	}
	doc, err := o.document(io.In)
	if err != nil {
		return fail(ExitUsage, err)
	}
	logger := cliLogger(io.Err, env, getenv)
	eng, err := env.Engine(logger)
	if err != nil {
		return fail(ExitUsage, err)
	}
	r := &sweep.Runner{
		Open: func(ctx context.Context, name string, scope map[string]string) (*provider.Client, error) {
			return eng.Open(ctx, &watch.Document{Provider: name, Scope: scope})
		},
		Dispatcher: eng.Dispatcher,
		Logger:     logger,
	}
	var res sweep.Result
	if o.dryRun {
		res, err = r.Tick(ctx, doc, at)
	} else {
		res, err = r.Run(ctx, doc, at)
	}
	if res.Notice.ID != "" {
		if o.json {
			enc := json.NewEncoder(io.Out)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res); err != nil {
				fmt.Fprintf(io.Err, "cdnwatch sweep: write --json: %v\n", err)
			}
		} else {
			printDigest(io.Out, doc, res)
		}
	}
	if err != nil {
		var oe *sweep.OpenError
		switch {
		case provider.Refused(err):
			return fail(ExitRefused, err)
		case sweep.IsConfigError(err), errors.As(err, &oe):
			return fail(ExitUsage, err)
		}
		return fail(ExitFailed, err)
	}
	return 0
}

// document builds the sweep document from --doc or the flags, through the decoder the
// functions use, so both validate alike.
func (o *sweepOpts) document(stdin io.Reader) (*sweep.Document, error) {
	if o.docFile != "" {
		var data []byte
		var err error
		if o.docFile == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, watch.MaxDocumentBytes+1))
		} else {
			data, err = os.ReadFile(o.docFile)
		}
		if err != nil {
			return nil, fmt.Errorf("--doc: %w", err)
		}
		return sweep.Decode(data)
	}
	if o.provider == "" {
		return nil, errors.New("--provider is required (or --doc)")
	}
	d := &sweep.Document{V: sweep.Version, Notify: o.notify, Sweep: sweep.Spec{
		Provider: o.provider, Domains: o.domains, Label: o.label,
		Window: watch.Duration{D: o.window}, Settle: watch.Duration{D: o.settle},
	}}
	if len(o.scope) > 0 {
		d.Sweep.Scope = o.scope
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return sweep.Decode(b)
}

// printDigest writes the digest for a person: the window and counts, then every failed
// object and every task still running (uncapped: a terminal has no block limit).
func printDigest(w io.Writer, d *sweep.Document, res sweep.Result) {
	g := res.Digest
	fmt.Fprintf(w, "%s sweep of %s (UTC): %d tasks: %d complete, %d failed, %d still running after %s\n",
		d.Sweep.Provider, res.Window, g.Total, len(g.Complete), len(g.Failed), len(g.Running), d.Sweep.Settle.D)
	for _, f := range g.Failures {
		fmt.Fprintf(w, "  failed   %s %s — %s\n", f.TaskID, f.Path, f.Reason)
	}
	for _, f := range g.Stragglers {
		fmt.Fprintf(w, "  running  %s %s — %s\n", f.TaskID, f.Path, f.Reason)
	}
	fmt.Fprintf(w, "notice %s · %d listing calls in %s\n", res.Notice.ID, res.Calls, res.Listing.Round(time.Millisecond))
}
