package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/config"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// runDemo runs the real watch, through the real SDK over loopback HTTP, against the
// simulator in process, and prints each Slack message as a person would see it.
func runDemo(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	name := fs.String("provider", "aliyun-cdn", "provider to simulate")
	count := fs.Int("tasks", 30, "refresh and prefetch tasks to watch")
	seed := fs.Int64("seed", 7, "random seed of the generated tasks")
	if ok, code := parseFlags(fs, args, io.Err); !ok {
		return code
	}
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: SimAccessKeyID, AccessKeySecret: SimAccessKeySecret,
		Logger: slog.New(slog.DiscardHandler)})
	if !slices.Contains(sim.Providers(), *name) || !slices.Contains(provider.Names(), *name) {
		fmt.Fprintf(io.Err, "cdnwatch demo: no simulator for %q (have %s)\n", *name, strings.Join(sim.Providers(), ", "))
		return ExitUsage
	}
	failRate, lastFails := 0.15, "Origin Return StatusCode 5XX"
	if *name == "aws-cloudfront" {
		// CloudFront has no failed state: a failing invalidation would only time out.
		failRate, lastFails = 0, ""
	}
	ids := sim.Populate(*name, cdnsim.Population{Count: *count, Seed: *seed, FailRate: failRate, MultiRate: 0.1,
		PreloadRate: 0.3, Refresh: cdnsim.Range{Min: 5 * time.Second, Max: 20 * time.Second},
		Preload: cdnsim.Range{Min: 10 * time.Second, Max: 35 * time.Second}, Pending: cdnsim.Range{Max: 3 * time.Second}})
	// One id covering several objects, one of which fails: how Aliyun merges URLs.
	ids = append(ids, sim.AddTask(*name, cdnsim.Task{Objects: []cdnsim.Object{
		{Path: "http://static.example.com/app/v1.4.2/main.js", Type: cdnsim.TypeFile, Duration: 12 * time.Second},
		{Path: "http://static.example.com/app/v1.4.2/main.css", Type: cdnsim.TypeFile, Duration: 14 * time.Second},
		{Path: "http://static.example.com/app/v1.4.2/vendor.js", Type: cdnsim.TypeFile, Duration: 16 * time.Second,
			FailReason: lastFails},
	}}))
	api := httptest.NewServer(sim.Handler(*name))
	defer api.Close()
	recv := httptest.NewServer(slack.NewReceiver(io.Out))
	defer recv.Close()

	env := map[string]string{
		provider.EnvPrefix(*name) + "ENDPOINT": api.URL,
		slack.EnvWebhookURL:                    recv.URL + "/services/T000/B000/demo",
		"CDNWATCH_LANG":                        getenv("CDNWATCH_LANG"),
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch demo: %v\n", err)
		return ExitUsage
	}
	cfg.Credentials = &provider.Credentials{AccessKeyID: SimAccessKeyID, AccessKeySecret: SimAccessKeySecret}
	logger := slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng, err := cfg.Engine(logger)
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch demo: %v\n", err)
		return ExitUsage
	}
	eng.Policy = watch.Policy{Min: time.Second, Max: 5 * time.Second}
	prog := newProgress(io.Err)
	eng.OnHop = prog.hop
	doc := &watch.Document{V: watch.Version, Provider: *name, TaskIDs: ids, Label: "demo: web v1.4.2 deploy", Scope: cdnsim.Scope(*name),
		Timeout: watch.Duration{D: 2 * time.Minute}}
	fmt.Fprintf(io.Err, "cdnwatch demo: watching %d %s tasks on the simulator at %s; Slack messages follow.\n\n", len(ids), *name, api.URL)
	start := time.Now()
	out := watchToEnd(ctx, eng, doc, io.Err)
	prog.close()
	st := sim.Stats(*name)
	fmt.Fprintf(io.Err, "\ncdnwatch demo: finished in %s with %d API calls (%d throttled); `cdnwatch watch` would exit %d.\n",
		time.Since(start).Round(100*time.Millisecond), st.Calls, st.Throttled, out.exit)
	if out.exit == ExitRefused || out.exit == ExitUsage {
		return out.exit
	}
	return 0
}
