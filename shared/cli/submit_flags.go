package cli

import (
	"context"
	"flag"
	"fmt"

	"cdnwatch/shared/config"
	"cdnwatch/shared/provider"
)

// runRefresh and runPrefetch parse `cdnwatch refresh` / `cdnwatch prefetch` flags into
// SubmitOptions; the logic is RunSubmit's.
func runRefresh(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	return runSubmitFlags(ctx, "refresh", provider.Refresh, args, io, getenv)
}

func runPrefetch(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	return runSubmitFlags(ctx, "prefetch", provider.Prefetch, args, io, getenv)
}

func runSubmitFlags(ctx context.Context, cmd string, kind provider.SubmitKind, args []string, io Stdio, getenv config.Getenv) int {
	o := SubmitOptions{Command: cmd, Kind: kind, Type: provider.TypeFile}
	var urls, notify listFlag
	scope := mapFlag{}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.StringVar(&o.Provider, "provider", "", "provider id: "+fmt.Sprint(provider.Names()))
	if kind == provider.Refresh {
		fs.StringVar(&o.Type, "type", provider.TypeFile, "what the URLs name: file, directory or regex")
	}
	fs.Var(&urls, "url", "a URL to "+cmd+" (repeatable, or comma-separated)")
	fs.StringVar(&o.URLsFile, "urls-file", "", "read URLs from FILE, one a line (- for stdin)")
	fs.DurationVar(&o.Interval, "interval", 0, "longest wait between polls (the schedule adapts below it)")
	fs.DurationVar(&o.Timeout, "timeout", 0, "give up and report after this long (default 2h)")
	fs.StringVar(&o.Label, "label", "", "label shown in notices")
	fs.Var(&notify, "notify", "channels: slack, webhook, dingtalk, feishu, wecom (default: every configured)")
	fs.Var(scope, "scope", "provider-specific key=value, e.g. distributionId=E2ABC (repeatable)")
	fs.BoolVar(&o.JSON, "json", false, "print the final Watch document on stdout")
	fs.StringVar(&o.StateFile, "state", "", "checkpoint to FILE; a FILE holding a recorded submission is resumed, not submitted again")
	fs.BoolVar(&o.NoWait, "no-wait", false, "submit, print the Watch document of the tasks on stdout, and end")
	fs.StringVar(&o.Summary, "summary", "", "append a markdown job summary to FILE (default $GITHUB_STEP_SUMMARY when set)")
	if ok, code := parseFlags(fs, args, io.Err); !ok {
		return code
	}
	o.URLs, o.Notify = urls, notify
	if len(scope) > 0 {
		o.Scope = scope
	}
	return RunSubmit(ctx, o, io, getenv)
}
