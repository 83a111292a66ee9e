package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"cdnwatch/shared/config"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/sweep"
	"cdnwatch/shared/watch"
)

type sweepOpts struct {
	provider, label, docFile, at string
	domains, notify              listValue
	scope                        mapValue
	window, settle               time.Duration
	json, dryRun                 bool
}

func (a *app) sweepCmd() *cobra.Command {
	o := &sweepOpts{scope: mapValue{}}
	cmd := &cobra.Command{
		Use:   "sweep --provider P [--domain D] [--window 10m] [--settle 30m] [--at TIME] [flags]",
		Short: "Report every task of one time window: complete, failed, still running",
		Long: `Run one tick of a scheduled sweep: list the account's tasks created in the window that ended
--settle before --at (windows are aligned to multiples of --window from midnight UTC), and
post one digest: how many completed, which objects failed and why, which are still running.
Windows tile time, so a timer every --window reports every task exactly once, and a retried
tick reports the same window under the same notice id.`,
		Example: `  # what happened between 10:00 and 10:10 UTC, reported at 10:40
  cdnwatch sweep --provider aliyun-cdn --domain static.example.com --window 10m --settle 30m --at 2026-03-01T10:40:00Z

  # list and print, post nothing
  cdnwatch sweep --provider aliyun-cdn --dry-run`,
		Args: noArgs,
		Annotations: map[string]string{
			"environment": envHelp(envCredentials, envChannels, envCommon),
			"exitcodes": `  0  the digest was built and delivered (or no channel is configured)
  1  listing or delivery failed: run it again (same window, same notice id)
  2  bad usage or configuration, a provider that cannot list, a window past retention
  4  the provider refused us`,
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runSweep(cmd, o) },
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.provider, "provider", "", "provider id: "+strings.Join(provider.Names(), ", "))
	fs.Var(&o.domains, "domain", "domains to sweep, comma-separated or repeated (default every domain)")
	durationFlag(fs, &o.window, "window", 10*time.Minute, "", "window length, the timer's period; must divide 24h")
	durationFlag(fs, &o.settle, "settle", sweep.DefaultSettle, "", "report a window this long after it ends (more than 0)")
	fs.StringVar(&o.at, "at", "", "the tick's time, RFC 3339, not in the future (default now)")
	fs.StringVar(&o.label, "label", "", "label shown in the digest")
	fs.Var(&o.notify, "notify", "channels: slack, webhook, dingtalk, feishu, wecom (default every configured one)")
	fs.Var(o.scope, "scope", "provider-specific key=value (repeatable)")
	fs.StringVar(&o.docFile, "doc", "", "read a sweep document from FILE (- for stdin) instead of flags")
	fs.BoolVar(&o.json, "json", false, "print the window, the full digest and the notice as JSON on stdout")
	fs.BoolVar(&o.dryRun, "dry-run", false, "list and print the digest, but post nothing")
	return cmd
}

func (a *app) runSweep(cmd *cobra.Command, o *sweepOpts) error {
	ctx, io := cmd.Context(), a.io
	at := time.Now()
	if s := strings.TrimSpace(o.at); s != "" && s != "now" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return exitf(ExitUsage, "--at %q: want an RFC 3339 time, e.g. 2026-03-01T10:40:00Z", s)
		}
		if t.After(at.Add(time.Minute)) {
			return exitf(ExitUsage, "--at %s is in the future: a window can only be reported once it has ended", s)
		}
		at = t
	}
	if o.docFile == "" {
		if o.window <= 0 {
			return exitf(ExitUsage, "--window %s: want a positive duration that divides 24h, e.g. 10m", o.window)
		}
		if o.settle <= 0 {
			return exitf(ExitUsage, "--settle %s: want a positive duration (tasks need time to finish before their window is reported), e.g. 30m", o.settle)
		}
	}
	env, err := config.FromEnv(a.getenv)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	doc, err := o.document(io.In)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	logger := cliLogger(io.Err, env, a.getenv, false)
	eng, err := env.Engine(logger)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	what := "--notify"
	if o.docFile != "" {
		what = "the sweep document's notify"
	}
	if err := checkNotify(doc.Notify, eng.Dispatcher.Channels, what); err != nil {
		return err
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
			return refusal(doc.Sweep.Provider, err)
		case errors.As(err, &oe), sweep.IsConfigError(err):
			return exitf(ExitUsage, "%s", oneLine(err.Error()))
		}
		return exitf(ExitFailed, "%s", oneLine(err.Error()))
	}
	return nil
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
