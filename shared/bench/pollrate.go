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
	"math"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// Sim key pair used by every measurement.
const (
	KeyID  = "LTAIbench"
	Secret = "bench-secret"
)

// PollSetup is one poll-rate scenario against the strict simulator.
type PollSetup struct {
	Provider string
	IDs      int           // finished ids, split evenly between the clients
	Latency  time.Duration // mean answer time; answers jitter by ±25% of it
	Faults   float64       // fraction of calls answered 503 at random
	Clients  int           // clients polling one account at once (default 1), each at its share
	Cap      time.Duration // stop after this long and report the steady rate (0: none)
}

// PollRate is one measured poll of pending ids against the simulator.
type PollRate struct {
	PollSetup
	Calls     int64 // HTTP requests the clients sent, retries included
	Throttled int64 // throttling answers the clients received
	Faulted   int64 // injected 503s
	Answered  int   // ids answered
	Lost      int   // ids not answered (the poll's QueryErrors)
	Elapsed   time.Duration
	Bound     float64 // documented calls/s of the account
	PerCall   int     // ids per call
	Capped    bool    // stopped at the cap
	// Steady is the accepted calls per second at the simulator between the first and the
	// last accepted call: the rate the account's limit saw.
	Steady float64
	// MaxWindow is the most calls the simulator saw arrive in one sliding second
	// (accepted or not), and MaxAccepted the most it accepted.
	MaxWindow, MaxAccepted int
}

// CallsPerSec is the achieved request rate over the whole poll.
func (p PollRate) CallsPerSec() float64 { return float64(p.Calls) / p.Elapsed.Seconds() }

// IDsPerSec is the achieved id rate.
func (p PollRate) IDsPerSec() float64 { return float64(p.Answered) / p.Elapsed.Seconds() }

// Fraction is the steady accepted rate over the documented bound.
func (p PollRate) Fraction() float64 { return p.Steady / p.Bound }

// ThrottledShare is the fraction of requests answered with throttling.
func (p PollRate) ThrottledShare() float64 {
	if p.Calls == 0 {
		return 0
	}
	return float64(p.Throttled) / float64(p.Calls)
}

// Ideal is the time the poll takes at exactly the documented bound, with no faults.
func (p PollRate) Ideal() time.Duration {
	calls := math.Ceil(float64(p.IDs) / float64(p.PerCall))
	return time.Duration((calls-1)/p.Bound*float64(time.Second)) + p.Latency
}

// Scope returns the Watch-document scope a provider needs against the simulator.
var Scope = cdnsim.Scope

// MeasurePollRate polls n finished ids of provider once through the real driver and SDK
// over loopback, with latency added to every call, for at most limit (0: no cap).
func MeasurePollRate(ctx context.Context, name string, n int, latency, limit time.Duration) (PollRate, error) {
	return MeasurePoll(ctx, PollSetup{Provider: name, IDs: n, Latency: latency, Cap: limit})
}

// MeasurePoll runs one scenario: a strict simulator (at most the documented calls in any
// sliding second, per access key), finished ids, and s.Clients clients on one account
// with CDNWATCH_INSTANCES = s.Clients, polling at once. There is no warm-up: an idle
// account's window is empty, and the first call goes at once.
func MeasurePoll(ctx context.Context, s PollSetup) (PollRate, error) {
	if s.Clients < 1 {
		s.Clients = 1
	}
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: KeyID, AccessKeySecret: Secret, Latency: s.Latency,
		Jitter: s.Latency / 4, ArrivalJitter: 2 * time.Millisecond, Record: true})
	if s.Faults > 0 {
		sim.SetFaults(s.Provider, cdnsim.Faults{Fail5xxRate: s.Faults, Seed: 11})
	}
	srv := httptest.NewServer(sim.Handler(s.Provider))
	defer srv.Close()
	// Tasks that finished an hour ago: the poll measures the API path, not task timing.
	ids := sim.Populate(s.Provider, cdnsim.Population{Count: s.IDs, Seed: 3, FailRate: 0.1, MultiRate: 0.1,
		Refresh: cdnsim.Range{Min: time.Second, Max: time.Second}, Preload: cdnsim.Range{Min: time.Second, Max: time.Second},
		Pending: cdnsim.Range{}})
	clients := make([]*provider.Client, s.Clients)
	for i := range clients {
		cl, err := provider.Open(ctx, s.Provider, provider.Config{Endpoint: srv.URL, Scope: Scope(s.Provider),
			Credentials: &provider.Credentials{AccessKeyID: KeyID, AccessKeySecret: Secret},
			Instances:   s.Clients, Instance: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			return PollRate{}, err
		}
		clients[i] = cl
	}
	drvLim := clients[0].Driver().Limits()
	qctx := ctx
	if s.Cap > 0 {
		var cancel context.CancelFunc
		qctx, cancel = context.WithTimeout(ctx, s.Cap)
		defer cancel()
	}
	r := PollRate{PollSetup: s, Bound: drvLim.QPS, PerCall: max(drvLim.IDsPerCall, 1)}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	start := time.Now()
	for i, cl := range clients {
		part := ids[i*len(ids)/len(clients) : (i+1)*len(ids)/len(clients)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := cl.Query(qctx, part)
			mu.Lock()
			defer mu.Unlock()
			r.Answered += len(res)
			r.Lost += len(part) - len(res)
			// A QueryError is the poll's result, not the measurement's failure: its ids are
			// counted as lost (the engine asks for them again on the next hop).
			var qe *provider.QueryError
			if err != nil && firstErr == nil && (!errors.As(err, &qe) || provider.Refused(err)) {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	r.Capped = s.Cap > 0 && qctx.Err() != nil
	for _, cl := range clients {
		r.Calls += cl.Calls()
		r.Throttled += cl.Throttled()
	}
	st := sim.Stats(s.Provider)
	r.Faulted = st.Errors
	calls := sim.Calls(s.Provider)
	acc := cdnsim.AcceptedTimes(calls, cdnsim.APIQuery)
	r.MaxAccepted = cdnsim.MaxInWindow(acc, time.Second)
	r.MaxWindow = cdnsim.MaxInWindow(cdnsim.CallTimes(calls, cdnsim.APIQuery), time.Second)
	if len(acc) > 1 {
		r.Steady = float64(len(acc)-1) / acc[len(acc)-1].Sub(acc[0]).Seconds()
	}
	if firstErr != nil && !r.Capped {
		return r, fmt.Errorf("poll %d %s ids: %w", s.IDs, s.Provider, firstErr)
	}
	return r, nil
}

func simSpeaks(name string) bool {
	for _, p := range cdnsim.New(cdnsim.Options{}).Providers() {
		if p == name {
			return true
		}
	}
	return false
}

// PollScenarios are the poll-rate table's rows for one provider: each latency with and
// without faults, then two clients on one account. Runs are sized to about 6 s at the
// bound (3,000 ids for the Aliyun products, the reference poll).
func PollScenarios(name string) ([]PollSetup, error) {
	drv, err := provider.Open(context.Background(), name, provider.Config{Endpoint: "http://127.0.0.1:1", Scope: Scope(name),
		Credentials: &provider.Credentials{AccessKeyID: KeyID, AccessKeySecret: Secret}})
	if err != nil {
		return nil, err
	}
	lim := drv.Driver().Limits()
	n := int(math.Ceil(lim.QPS*6)) * max(lim.IDsPerCall, 1)
	if strings.HasPrefix(name, "aliyun-") {
		n = 3000
	}
	var out []PollSetup
	for _, lat := range []time.Duration{40 * time.Millisecond, 400 * time.Millisecond, 1500 * time.Millisecond} {
		for _, f := range []float64{0, 0.2} {
			out = append(out, PollSetup{Provider: name, IDs: n, Latency: lat, Faults: f, Clients: 1, Cap: time.Minute})
		}
	}
	out = append(out, PollSetup{Provider: name, IDs: n, Latency: 40 * time.Millisecond, Clients: 2, Cap: time.Minute},
		PollSetup{Provider: name, IDs: n, Latency: 400 * time.Millisecond, Faults: 0.2, Clients: 2, Cap: time.Minute})
	return out, nil
}

// PollTableHeader and PollRow format the poll-rate table.
const PollTableHeader = "| provider | ids | latency | faults | clients | calls | 429s | max in 1 s (bound) | fraction of bound | elapsed (ideal) | lost |\n" +
	"|---|---|---|---|---|---|---|---|---|---|---|\n"

// PollRow is one row of the poll-rate table.
func PollRow(r PollRate) string {
	return fmt.Sprintf("| %s | %d | %s | %.0f%% | %d | %d | %d (%.1f%%) | %d (%.0f) | %.3f | %s (%s) | %d |\n",
		r.Provider, r.IDs, r.Latency, r.Faults*100, r.Clients, r.Calls, r.Throttled, 100*r.ThrottledShare(),
		r.MaxAccepted, r.Bound, r.Fraction(), r.Elapsed.Round(10*time.Millisecond), r.Ideal().Round(10*time.Millisecond), r.Lost)
}

// PrintPoll measures polls given as "PROVIDER:IDS" (or "PROVIDER" for its table rows,
// or "all"), and prints them as table rows. Latency, faults and clients apply to a
// "PROVIDER:IDS" spec.
func PrintPoll(ctx context.Context, w io.Writer, spec string, latency time.Duration, faults float64, clients int) error {
	var setups []PollSetup
	for _, one := range strings.Split(spec, ",") {
		name, count, hasCount := strings.Cut(strings.TrimSpace(one), ":")
		switch {
		case hasCount:
			n, err := strconv.Atoi(count)
			if err != nil || n <= 0 {
				return fmt.Errorf("-poll %q: want PROVIDER:IDS, e.g. aliyun-cdn:3000", one)
			}
			setups = append(setups, PollSetup{Provider: name, IDs: n, Latency: latency, Faults: faults, Clients: clients})
		case name == "all":
			for _, p := range simulated() {
				s, err := PollScenarios(p)
				if err != nil {
					return err
				}
				setups = append(setups, s...)
			}
		default:
			s, err := PollScenarios(name)
			if err != nil {
				return err
			}
			setups = append(setups, s...)
		}
	}
	if _, err := io.WriteString(w, PollTableHeader); err != nil {
		return err
	}
	for _, s := range setups {
		r, err := MeasurePoll(ctx, s)
		if err != nil {
			fmt.Fprintf(w, "| %s | %d | %s | %.0f%% | %d | error: %v |\n", s.Provider, s.IDs, s.Latency, s.Faults*100, s.Clients, oneLine(err))
			continue
		}
		if _, err := io.WriteString(w, PollRow(r)); err != nil {
			return err
		}
	}
	return nil
}
