package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/provider"
)

// The key pair the simulator accepts unless the environment names one. They are fake and
// printed on purpose, so a pipeline under test can use them.
const (
	SimAccessKeyID     = "cdnwatch-sim"
	SimAccessKeySecret = "cdnwatch-sim-secret"
)

type simOpts struct {
	provider, addr, refresh, preload, pending, envFile string
	tasks                                              int
	failRate                                           float64
	seed                                               int64
	latency                                            time.Duration
	slack                                              bool
	shape                                              string
	quota                                              mapValue // sim_quota.go
}

func (a *app) simCmd() *cobra.Command {
	o := &simOpts{quota: mapValue{}}
	cmd := &cobra.Command{
		Use:   "sim [--provider P] [--addr HOST:PORT] [--env-file FILE] [flags]",
		Short: "Serve a provider's API from the built-in simulator, with generated tasks",
		Long: `Serve one provider's task API on loopback, speaking its real wire format (the official SDKs
talk to it unchanged), with --tasks generated tasks that progress over time and a share that
fails. It prints the variables to export and a ready watch command; --env-file writes the
same as a file to source (CDNWATCH_SIM_TASK_IDS holds the ids). Stop it with Ctrl-C.`,
		Example: `  # terminal 1
  cdnwatch sim --provider aliyun-cdn --env-file sim.env
  # terminal 2, same directory
  . ./sim.env && cdnwatch watch --provider aliyun-cdn --task-id "$CDNWATCH_SIM_TASK_IDS"`,
		Args: noArgs,
		Annotations: map[string]string{
			"environment": `  the provider's credential variables (see 'cdnwatch help watch'): when both are set the
  simulator accepts that pair instead of its own (` + SimAccessKeyID + ` / ` + SimAccessKeySecret + `)`,
			"exitcodes": `  0  stopped by Ctrl-C
  1  the server failed
  2  bad usage, or the address cannot be listened on`,
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runSim(cmd, o) },
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.provider, "provider", "aliyun-cdn", "provider whose API to serve")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (port 0: any free port)")
	fs.IntVar(&o.tasks, "tasks", 20, "tasks to create at start")
	fs.Float64Var(&o.failRate, "fail-rate", 0.2, "fraction of tasks that fail")
	fs.StringVar(&o.refresh, "refresh", "20s-2m", "how long a refresh takes once started: a range, or one duration (0s: at once)")
	fs.StringVar(&o.preload, "preload", "1m-5m", "how long a prefetch takes once started")
	fs.StringVar(&o.pending, "pending", "0s-5s", "how long tasks wait before they start")
	fs.Int64Var(&o.seed, "seed", 1, "random seed of the generated tasks")
	durationFlag(fs, &o.latency, "latency", 0, "", "extra latency per call")
	fs.StringVar(&o.envFile, "env-file", "", "also write the exports (and CDNWATCH_SIM_TASK_IDS) to FILE, for '. ./FILE'")
	fs.StringVar(&o.shape, "shape", "linear", "how progress grows: linear, step25, square, stuck or mix")
	fs.BoolVar(&o.slack, "slack", false, "also receive Slack incoming-webhook posts (under /services/) and print them: the sample events notify slack")
	fs.Var(o.quota, "quota", "what remains of a daily submit quota, KIND=N with KIND refresh, directory, regex or prefetch (repeatable)")
	return cmd
}

func (a *app) runSim(cmd *cobra.Command, o *simOpts) error {
	ctx, io, getenv := cmd.Context(), a.io, a.getenv
	name := &o.provider
	refreshR, err1 := parseRange(o.refresh)
	preloadR, err2 := parseRange(o.preload)
	pendingR, err3 := parseRange(o.pending)
	shape, err4 := cdnsim.ParseShape(o.shape)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return exitf(ExitUsage, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if o.tasks < 0 || o.failRate < 0 || o.failRate > 1 {
		return exitf(ExitUsage, "--tasks must be 0 or more and --fail-rate between 0 and 1")
	}
	idVar, secretVar := cdnsim.CredentialEnv(*name)
	key, secret := SimAccessKeyID, SimAccessKeySecret
	if id := getenv(idVar); id != "" && getenv(secretVar) != "" {
		key, secret = id, getenv(secretVar)
	}
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: key, AccessKeySecret: secret, Latency: o.latency,
		Logger: slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if !slices.Contains(sim.Providers(), *name) {
		return exitf(ExitUsage, "the simulator does not speak %q (it speaks %s)", *name, strings.Join(sim.Providers(), ", "))
	}
	// The tasks events/ names first, so the generated ids go around them.
	samples := sim.AddSamples(*name, sim.Now())
	if err := setQuotas(sim, *name, o.quota); err != nil {
		return exitf(ExitUsage, "--quota: %v", err)
	}
	ids := sim.Populate(*name, cdnsim.Population{Count: o.tasks, Seed: o.seed, FailRate: o.failRate,
		MultiRate: 0.1, PreloadRate: 0.3, Refresh: refreshR, Preload: preloadR, Pending: pendingR, Shape: shape})
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return exitf(ExitUsage, "listen %s: %v", o.addr, err)
	}
	handler := sim.Handler(*name)
	if o.slack {
		// No provider API serves /services/, so the webhook receiver can share the port.
		mux := http.NewServeMux()
		mux.Handle("/services/", slack.NewReceiver(io.Out))
		mux.Handle("/", handler)
		handler = mux
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	l := sim.Limits(*name)
	exports := []string{fmt.Sprintf("export %sENDPOINT=http://%s", provider.EnvPrefix(*name), ln.Addr())}
	if key == SimAccessKeyID {
		exports = append(exports, fmt.Sprintf("export %s=%s %s=%s", idVar, key, secretVar, secret))
	}
	if o.slack {
		exports = append(exports, fmt.Sprintf("export %s=http://%s/services/T0SIM/B0SIM/cdnwatch-sim", slack.EnvWebhookURL, ln.Addr()))
	}
	scope := ""
	for k, v := range cdnsim.Scope(*name) {
		scope += fmt.Sprintf(" --scope %s=%s", k, v)
	}
	fmt.Fprintf(io.Out, "cdnwatch sim: %s on http://%s (%d ids per call, %.0f calls/s, retention %s)\n",
		*name, ln.Addr(), l.IDsPerCall, l.QPS, l.Retention)
	for _, e := range exports {
		fmt.Fprintln(io.Out, "  "+e)
	}
	fmt.Fprintf(io.Out, "  cdnwatch watch --provider %s%s --task-id %s\n", *name, scope, strings.Join(ids, ","))
	if len(samples) > 0 {
		fmt.Fprintf(io.Out, "  the sample events (events/) name %d of its tasks: %s\n", len(samples), strings.Join(samples, ","))
	}
	if o.envFile != "" {
		body := "# written by cdnwatch sim; source it: . ./" + filepath.Base(o.envFile) + "\n" +
			strings.Join(exports, "\n") + "\nexport CDNWATCH_SIM_TASK_IDS=" + strings.Join(ids, ",") + "\n"
		if err := writeFileAtomic(o.envFile, []byte(body)); err != nil {
			return exitf(ExitUsage, "--env-file: %v", err)
		}
		fmt.Fprintf(io.Out, "  (the same in %s: . ./%s)\n", o.envFile, filepath.Base(o.envFile))
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return exitf(ExitFailed, "%v", err)
	}
	return nil
}

// parseRange reads "20s-2m" (or a single duration).
func parseRange(s string) (cdnsim.Range, error) {
	lo, hi, found := strings.Cut(s, "-")
	a, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return cdnsim.Range{}, fmt.Errorf("range %q: want durations with a unit, e.g. 20s-2m or 0s", s)
	}
	b := a
	if found {
		if b, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return cdnsim.Range{}, fmt.Errorf("range %q: want durations with a unit, e.g. 20s-2m or 0s", s)
		}
	}
	if a < 0 || b < a {
		return cdnsim.Range{}, fmt.Errorf("range %q: want MIN-MAX with 0 <= MIN <= MAX, e.g. 20s-2m", s)
	}
	if b == 0 {
		// The zero Range means "the simulator's default" to cdnsim; 1 ns is "at once".
		b = time.Nanosecond
	}
	return cdnsim.Range{Min: a, Max: b}, nil
}
