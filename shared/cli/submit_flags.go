package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// refreshCmd and prefetchCmd parse `cdnwatch refresh` / `cdnwatch prefetch` into
// SubmitOptions; the logic is RunSubmit's (submit.go).
func (a *app) refreshCmd() *cobra.Command { return a.submitCmd("refresh", provider.Refresh) }

func (a *app) prefetchCmd() *cobra.Command { return a.submitCmd("prefetch", provider.Prefetch) }

func (a *app) submitCmd(name string, kind provider.SubmitKind) *cobra.Command {
	o := &SubmitOptions{Command: name, Kind: kind, Type: provider.TypeFile}
	var urls, notify listValue
	scope := mapValue{}
	what, api := "Refresh (purge)", `the provider's refresh API
(Aliyun RefreshObjectCaches, CloudFront CreateInvalidation, Tencent PurgeUrlsCache and
PurgePathCache, Volcengine SubmitRefreshTask)`
	if kind == provider.Prefetch {
		what, api = "Prefetch (preload)", `the provider's prefetch API
(Aliyun PushObjectCache, Tencent PushUrlsCache, Volcengine SubmitPreloadTask)`
	}
	cmd := &cobra.Command{
		Use:   name + " --provider P (--url URL ... | --urls-file FILE|-) [flags]",
		Short: what + " URLs, then watch every task until it finishes",
		Long: what + ` URLs through ` + api + `, then watch every task id the provider
returned exactly as 'cdnwatch watch' does: the same notices, the same exit codes.

Quota first: the remaining daily quota is read before anything is sent, and only what fits
is submitted. Every URL that was not submitted (quota, a per-call refusal) is named on
stderr with its reason, is a failed object in the notices, and makes the exit code 1.
The URLs are split per the API's per-call limits (Aliyun: 1,000 URLs, 100 directories or
100 prefetches a call) and sent at the API's own rate limit.

Retries never submit twice: a throttled call is sent again (it was not taken); a call
that failed ambiguously is sent again only after the provider's listing shows it was not
taken (CloudFront: the same CallerReference). --state FILE records the submission before
the watch starts: the same command run again resumes the watch and submits nothing.

--no-wait submits, prints the Watch document of the tasks on stdout (ready for a queue or
a state machine), and ends. A markdown job summary (counts, every failure with path and
reason) is appended to --summary FILE, or to $GITHUB_STEP_SUMMARY when that is set.`,
		Example: `  cdnwatch ` + name + ` --provider aliyun-cdn --urls-file urls.txt --label "web v1.4.2" --notify slack
  git diff --name-only HEAD~1 -- public/ | sed 's|^public|https://static.example.com|' |
    cdnwatch ` + name + ` --provider aliyun-cdn --urls-file - --timeout 30m
  cdnwatch ` + name + ` --provider aws-cloudfront --scope distributionId=E2ABC3EXAMPLE --url /index.html --no-wait`,
		Args: noArgs,
		Annotations: map[string]string{
			"environment": envHelp(envCredentials, envChannels, envCommon),
			"exitcodes": `  0  every URL submitted, every task complete, every notice delivered
  1  a URL could not be submitted, or a task failed or is unknown
  2  bad usage or configuration (a flag, the URLs, an unknown or unconfigured --notify channel)
  3  the timeout passed, or Ctrl-C, with tasks still pending
  4  the provider refused us (credentials, permissions)
  5  every task complete, but a notice could not be delivered`,
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.URLs, o.Notify = urls, notify
			if len(scope) > 0 {
				o.Scope = scope
			}
			o.NotifyGiven = cmd.Flags().Changed("notify")
			return exitCode(RunSubmit(cmd.Context(), *o, a.io, a.getenv))
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.Provider, "provider", "", "provider id: "+strings.Join(provider.Names(), ", "))
	if kind == provider.Refresh {
		fs.StringVar(&o.Type, "type", provider.TypeFile, "what the URLs name: file, directory or regex")
	}
	fs.Var(&urls, "url", "a URL to "+name+" (repeatable, or comma-separated)")
	fs.StringVar(&o.URLsFile, "urls-file", "", "read URLs from FILE, one a line (- for stdin; blank lines and # comments skipped)")
	fs.Var(scope, "scope", "provider-specific key=value, e.g. distributionId=E2ABC (repeatable)")
	fs.StringVar(&o.Label, "label", "", "label shown in notices and on the display")
	fs.Var(&notify, "notify", "channels to notify: slack, webhook, dingtalk, feishu, wecom (default every configured one)")
	durationFlag(fs, &o.Interval, "interval", 0, shortDuration(watch.DefaultPolicy().Max),
		"longest wait between two polls of a task (the schedule adapts below it)")
	durationFlag(fs, &o.Timeout, "timeout", 0, shortDuration(watch.DefaultTimeout),
		"give up and report after this long from the submission (a hard bound)")
	fs.StringVar(&o.StateFile, "state", "", "record the submission and checkpoint the watch in FILE; run again to resume without submitting")
	fs.BoolVar(&o.NoWait, "no-wait", false, "submit, print the Watch document of the tasks on stdout, and end")
	fs.BoolVar(&o.JSON, "json", false, "print the latest Watch document on stdout at the end, whatever the exit code")
	fs.StringVar(&o.Summary, "summary", "", "append a markdown job summary to FILE (default $GITHUB_STEP_SUMMARY when set)")
	return cmd
}
