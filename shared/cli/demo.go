package cli

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/config"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

type demoOpts struct {
	provider string
	tasks    int
	seed     int64
}

func (a *app) demoCmd() *cobra.Command {
	o := &demoOpts{}
	cmd := &cobra.Command{
		Use:   "demo [--provider P] [--tasks N]",
		Short: "The whole watch on the built-in simulator; Slack messages printed here",
		Long: `Run a real watch, through the provider's official SDK over loopback HTTP, against the
built-in simulator: N refresh and prefetch tasks (about 15% fail; one task covers three
objects, one of which fails), the live display on stderr, and each Slack message printed on
stdout as a person would see it. It takes about 40 seconds and needs no account or network.`,
		Example: `  cdnwatch demo
  cdnwatch demo --provider aws-cloudfront --tasks 5
  CDNWATCH_LANG=zh cdnwatch demo`,
		Args: noArgs,
		Annotations: map[string]string{
			"environment": "  CDNWATCH_LANG=en|zh   language of the Slack messages",
			"exitcodes": `  0  the demo ran (whatever its tasks did)
  2  bad usage`,
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runDemo(cmd, o) },
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.provider, "provider", "aliyun-cdn", "provider to simulate")
	fs.IntVar(&o.tasks, "tasks", 30, "refresh and prefetch tasks to watch (at least 1)")
	fs.Int64Var(&o.seed, "seed", 7, "random seed of the generated tasks")
	return cmd
}

// runDemo runs the real watch against the simulator in process and prints each Slack
// message above the live display.
func (a *app) runDemo(cmd *cobra.Command, o *demoOpts) error {
	ctx, io, name := cmd.Context(), a.io, o.provider
	if o.tasks < 1 {
		return exitf(ExitUsage, "--tasks %d: want at least 1", o.tasks)
	}
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: SimAccessKeyID, AccessKeySecret: SimAccessKeySecret,
		Logger: slog.New(slog.DiscardHandler)})
	if !slices.Contains(sim.Providers(), name) || !slices.Contains(provider.Names(), name) {
		return exitf(ExitUsage, "no simulator for %q (have %s)", name, strings.Join(sim.Providers(), ", "))
	}
	failRate, lastFails := 0.15, "Origin Return StatusCode 5XX"
	if name == "aws-cloudfront" {
		// CloudFront has no failed state: a failing invalidation would only time out.
		failRate, lastFails = 0, ""
	}
	// N-1 generated tasks plus one id covering several objects, one of which fails: how
	// Aliyun merges URLs submitted together. N in all.
	ids := sim.Populate(name, cdnsim.Population{Count: o.tasks - 1, Seed: o.seed, FailRate: failRate, MultiRate: 0.1,
		PreloadRate: 0.3, Refresh: cdnsim.Range{Min: 5 * time.Second, Max: 20 * time.Second},
		Preload: cdnsim.Range{Min: 10 * time.Second, Max: 35 * time.Second}, Pending: cdnsim.Range{Max: 3 * time.Second}})
	ids = append(ids, sim.AddTask(name, cdnsim.Task{Objects: []cdnsim.Object{
		{Path: "http://static.example.com/app/v1.4.2/main.js", Type: cdnsim.TypeFile, Duration: 12 * time.Second},
		{Path: "http://static.example.com/app/v1.4.2/main.css", Type: cdnsim.TypeFile, Duration: 14 * time.Second},
		{Path: "http://static.example.com/app/v1.4.2/vendor.js", Type: cdnsim.TypeFile, Duration: 16 * time.Second,
			FailReason: lastFails},
	}}))
	api := httptest.NewServer(sim.Handler(name))
	defer api.Close()
	disp := newDisplay(io.Err)
	// Slack boxes go above the live block, or they would leave a frozen copy of it behind.
	recv := httptest.NewServer(slack.NewReceiver(disp.Above(io.Out)))
	defer recv.Close()

	env := map[string]string{
		provider.EnvPrefix(name) + "ENDPOINT": api.URL,
		slack.EnvWebhookURL:                   recv.URL + "/services/T000/B000/demo",
		"CDNWATCH_LANG":                       a.getenv("CDNWATCH_LANG"),
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	cfg.Credentials = &provider.Credentials{AccessKeyID: SimAccessKeyID, AccessKeySecret: SimAccessKeySecret}
	logger := slog.New(slog.NewTextHandler(disp.Above(io.Err), &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng, err := cfg.Engine(logger)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	eng.Policy = watch.Policy{Min: time.Second, Max: 5 * time.Second}
	doc := &watch.Document{V: watch.Version, Provider: name, TaskIDs: ids, Label: "demo: web v1.4.2 deploy",
		Scope: cdnsim.Scope(name), Timeout: watch.Duration{D: 2 * time.Minute}}
	fmt.Fprintf(io.Err, "cdnwatch demo: watching %d %s tasks on the simulator at %s; Slack messages follow.\n\n", len(ids), name, api.URL)
	start := time.Now()
	r := &watchRun{eng: eng, disp: disp, opts: &watchOpts{deliveryTimeout: DefaultDeliveryTimeout, inProcess: true}, input: doc,
		stdout: io.Out, stderr: disp.Above(io.Err)}
	code := r.run(ctx)
	st := sim.Stats(name)
	fmt.Fprintf(io.Err, "\ncdnwatch demo: finished in %s with %d API calls (%d throttled); `cdnwatch watch` would exit %d.\n",
		time.Since(start).Round(100*time.Millisecond), st.Calls, st.Throttled, code)
	if code == ExitRefused || code == ExitUsage {
		return exitCode(code)
	}
	return nil
}
