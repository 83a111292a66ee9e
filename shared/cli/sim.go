package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/config"
	"cdnwatch/shared/provider"
)

// The key pair the simulator accepts unless the environment names one. They are fake and
// printed on purpose, so a pipeline under test can use them.
const (
	SimAccessKeyID     = "cdnwatch-sim"
	SimAccessKeySecret = "cdnwatch-sim-secret"
)

func runSim(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	name := fs.String("provider", "aliyun-cdn", "provider whose API to serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	tasks := fs.Int("tasks", 20, "tasks to create at start (their ids are printed)")
	failRate := fs.Float64("fail-rate", 0.2, "fraction of tasks that fail")
	refresh := fs.String("refresh", "20s-2m", "refresh duration range")
	preload := fs.String("preload", "1m-5m", "prefetch duration range")
	pending := fs.String("pending", "0s-5s", "how long tasks wait before they start")
	seed := fs.Int64("seed", 1, "random seed of the generated tasks")
	latency := fs.Duration("latency", 0, "extra latency per call")
	quota := mapFlag{}
	fs.Var(quota, "quota", "remaining daily submit quota, KIND=N with KIND refresh, directory, regex or prefetch (repeatable)")
	if ok, code := parseFlags(fs, args, io.Err); !ok {
		return code
	}
	refreshR, err1 := parseRange(*refresh)
	preloadR, err2 := parseRange(*preload)
	pendingR, err3 := parseRange(*pending)
	if err := errors.Join(err1, err2, err3); err != nil {
		fmt.Fprintf(io.Err, "cdnwatch sim: %v\n", err)
		return ExitUsage
	}
	idVar, secretVar := cdnsim.CredentialEnv(*name)
	key, secret := SimAccessKeyID, SimAccessKeySecret
	if id := getenv(idVar); id != "" && getenv(secretVar) != "" {
		key, secret = id, getenv(secretVar)
	}
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: key, AccessKeySecret: secret, Latency: *latency,
		Logger: slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if !slices.Contains(sim.Providers(), *name) {
		fmt.Fprintf(io.Err, "cdnwatch sim: the simulator does not speak %q (it speaks %s)\n", *name, strings.Join(sim.Providers(), ", "))
		return ExitUsage
	}
	if err := setQuotas(sim, *name, quota); err != nil { // sim_quota.go
		fmt.Fprintf(io.Err, "cdnwatch sim: --quota: %v\n", err)
		return ExitUsage
	}
	ids := sim.Populate(*name, cdnsim.Population{Count: *tasks, Seed: *seed, FailRate: *failRate,
		MultiRate: 0.1, PreloadRate: 0.3, Refresh: refreshR, Preload: preloadR, Pending: pendingR})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(io.Err, "cdnwatch sim: listen %s: %v\n", *addr, err)
		return ExitUsage
	}
	srv := &http.Server{Handler: sim.Handler(*name), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	l := sim.Limits(*name)
	fmt.Fprintf(io.Out, "cdnwatch sim: %s on http://%s (%d ids per call, %.0f calls/s, retention %s)\n",
		*name, ln.Addr(), l.IDsPerCall, l.QPS, l.Retention)
	fmt.Fprintf(io.Out, "  export %sENDPOINT=http://%s\n", provider.EnvPrefix(*name), ln.Addr())
	if key == SimAccessKeyID {
		fmt.Fprintf(io.Out, "  export %s=%s %s=%s\n", idVar, key, secretVar, secret)
	}
	scope := ""
	for k, v := range cdnsim.Scope(*name) {
		scope += fmt.Sprintf(" --scope %s=%s", k, v)
	}
	fmt.Fprintf(io.Out, "  cdnwatch watch --provider %s%s --task-id %s\n", *name, scope, strings.Join(ids, ","))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(io.Err, "cdnwatch sim: %v\n", err)
		return 1
	}
	return 0
}

// parseRange reads "20s-2m" (or a single duration).
func parseRange(s string) (cdnsim.Range, error) {
	lo, hi, found := strings.Cut(s, "-")
	a, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return cdnsim.Range{}, fmt.Errorf("range %q: %w", s, err)
	}
	b := a
	if found {
		if b, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return cdnsim.Range{}, fmt.Errorf("range %q: %w", s, err)
		}
	}
	if b < a {
		return cdnsim.Range{}, fmt.Errorf("range %q: the end is before the start", s)
	}
	return cdnsim.Range{Min: a, Max: b}, nil
}
