// Package bench measures cdnwatch against the simulator: poll rate at each provider's
// bound, cold start and size of the function binaries, memory, state size, and notice
// delay and API cost against fixed-interval pollers. `make bench` runs it and writes
// BENCHMARKS.md; speed targets live here, not in timed tests.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// Sim key pair used by every measurement.
const (
	KeyID  = "LTAIbench"
	Secret = "bench-secret"
)

// PollRate is one poll of n pending ids against the simulator.
type PollRate struct {
	Provider  string
	IDs       int   // ids asked
	Asked     int   // ids asked within the time cap
	Calls     int64 // API calls made (client side)
	Throttled int64 // calls the simulator refused with 429
	Elapsed   time.Duration
	Bound     float64 // documented calls/s
	PerCall   int     // ids per call
	Capped    bool    // stopped at the time cap: the rate is the steady-state rate
}

// CallsPerSec is the achieved call rate.
func (p PollRate) CallsPerSec() float64 { return float64(p.Calls) / p.Elapsed.Seconds() }

// IDsPerSec is the achieved id rate.
func (p PollRate) IDsPerSec() float64 { return p.CallsPerSec() * float64(p.PerCall) }

// Fraction is the achieved rate over the documented bound.
func (p PollRate) Fraction() float64 { return p.CallsPerSec() / p.Bound }

// Scope returns the Watch-document scope a provider needs against the simulator.
var Scope = cdnsim.Scope

// MeasurePollRate polls n finished ids of provider through the real driver and SDK over
// loopback, with latency added to every call, for at most limit (0: no cap).
func MeasurePollRate(ctx context.Context, name string, n int, latency, limit time.Duration) (PollRate, error) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: KeyID, AccessKeySecret: Secret, Latency: latency})
	srv := httptest.NewServer(sim.Handler(name))
	defer srv.Close()
	// Tasks that finished an hour ago: the poll measures the API path, not task timing.
	ids := sim.Populate(name, cdnsim.Population{Count: n, Seed: 3, FailRate: 0.1, MultiRate: 0.1,
		Refresh: cdnsim.Range{Min: time.Second, Max: time.Second}, Preload: cdnsim.Range{Min: time.Second, Max: time.Second},
		Pending: cdnsim.Range{}})
	cl, err := provider.Open(ctx, name, provider.Config{Endpoint: srv.URL, Scope: Scope(name),
		Credentials: &provider.Credentials{AccessKeyID: KeyID, AccessKeySecret: Secret}})
	if err != nil {
		return PollRate{}, err
	}
	lim := cl.Limits()
	qctx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		qctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	time.Sleep(1100 * time.Millisecond) // let the simulator's bucket fill like an idle account's
	start := time.Now()
	_, err = cl.Query(qctx, ids)
	elapsed := time.Since(start)
	capped := false
	if err != nil {
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return PollRate{}, fmt.Errorf("poll %d %s ids: %w", n, name, err)
		}
		capped = true
	}
	st := sim.Stats(name)
	asked := int(cl.Calls()) * lim.IDsPerCall
	if !capped || asked > n {
		asked = n
	}
	return PollRate{Provider: name, IDs: n, Asked: asked, Calls: cl.Calls(), Throttled: st.Throttled,
		Elapsed: elapsed, Bound: lim.QPS, PerCall: lim.IDsPerCall, Capped: capped}, nil
}

func simSpeaks(name string) bool {
	for _, p := range cdnsim.New(cdnsim.Options{}).Providers() {
		if p == name {
			return true
		}
	}
	return false
}

// PrintPoll measures one poll given as "PROVIDER:IDS", with no time cap, and prints it.
func PrintPoll(ctx context.Context, w io.Writer, spec string, latency time.Duration) error {
	name, count, ok := strings.Cut(spec, ":")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n <= 0 {
		return fmt.Errorf("-poll %q: want PROVIDER:IDS, e.g. aliyun-cdn:3000", spec)
	}
	r, err := MeasurePollRate(ctx, name, n, latency, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s: %d ids in %d calls (%d ids per call) in %s: %.2f calls/s, %.0f ids/s; bound %.0f calls/s → %.3f of the bound; %d throttled\n",
		name, r.IDs, r.Calls, r.PerCall, r.Elapsed.Round(time.Millisecond), r.CallsPerSec(), r.IDsPerSec(), r.Bound, r.Fraction(), r.Throttled)
	return err
}
