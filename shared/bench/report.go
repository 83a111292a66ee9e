package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"cdnwatch/shared/provider"
)

// Options choose what Run measures.
type Options struct {
	Latency   time.Duration // per-call latency the simulator adds (default 40 ms)
	Cap       time.Duration // longest single poll-rate run; past it the steady rate is reported
	Providers []string      // default: every registered provider the simulator speaks
	Watches   int           // delay scenario size
	Log       io.Writer     // progress lines
}

// Run measures everything and writes BENCHMARKS.md-style markdown to w.
func Run(ctx context.Context, w io.Writer, o Options) error {
	if o.Latency == 0 {
		o.Latency = 40 * time.Millisecond
	}
	if o.Cap == 0 {
		o.Cap = 12 * time.Second
	}
	if o.Watches == 0 {
		o.Watches = 20
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if len(o.Providers) == 0 {
		o.Providers = simulated()
	}
	logf := func(format string, a ...any) { fmt.Fprintf(o.Log, format+"\n", a...) }
	var b strings.Builder
	start := time.Now()
	fmt.Fprintf(&b, "# cdnwatch benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (`go run ./cmd/cdnwatch-bench`) on %s.\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s %s/%s. Simulator latency per call: %s.\n\n", cpuModel(), runtime.NumCPU(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, o.Latency)

	// Poll rate.
	fmt.Fprintf(&b, "## Poll rate at the provider's bound\n\n")
	fmt.Fprintf(&b, "Finished task ids polled once through the real driver and SDK over loopback HTTP against the strict\n")
	fmt.Fprintf(&b, "simulator: at most the documented number of accepted calls in any sliding second per access key,\n")
	fmt.Fprintf(&b, "429 (or the provider's throttling answer) beyond; answers take the latency ±25%%; faults are random 503s.\n")
	fmt.Fprintf(&b, "Two clients share one account, each at half (CDNWATCH_INSTANCES=2). calls = HTTP requests, retries\n")
	fmt.Fprintf(&b, "included; 429s = throttling answers received; max in 1 s = most accepted calls in one sliding second;\n")
	fmt.Fprintf(&b, "fraction = accepted calls per second at the simulator (first to last) over the bound; ideal = calls at\n")
	fmt.Fprintf(&b, "exactly the bound plus one latency; lost = ids not answered. See docs/rate-limits.md.\n\n")
	b.WriteString(PollTableHeader)
	for _, name := range o.Providers {
		setups, err := PollScenarios(name)
		if err != nil {
			fmt.Fprintf(&b, "| %s | error: %v |\n", name, oneLine(err))
			continue
		}
		for _, s := range setups {
			logf("poll rate: %s, %d ids, %s, %.0f%% faults, %d clients", s.Provider, s.IDs, s.Latency, 100*s.Faults, s.Clients)
			r, err := MeasurePoll(ctx, s)
			if err != nil {
				fmt.Fprintf(&b, "| %s | %d | %s | %.0f%% | %d | error: %v |\n", s.Provider, s.IDs, s.Latency, s.Faults*100, s.Clients, oneLine(err))
				continue
			}
			b.WriteString(PollRow(r))
		}
	}

	// Binaries.
	dir, err := os.MkdirTemp("", "cdnwatch-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logf("building binaries")
	bins, err := BuildBinaries(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b, "\n## Binaries and cold start\n\nBuilt with `-trimpath -ldflags '-s -w'` (as `make build`).\n\n| binary | size |\n|---|---|\n")
	for _, bin := range bins[:3] {
		fmt.Fprintf(&b, "| %s | %s (%d bytes) |\n", bin.Name, FormatSize(bin.Size), bin.Size)
	}
	logf("startup against the runtime libraries' hello-worlds")
	st, err := MeasureStartup(ctx, bins, 7)
	if err != nil {
		return err
	}
	WriteStartup(&b, st)

	// Memory.
	logf("memory")
	fmt.Fprintf(&b, "\n## Memory\n\nPeak RSS (getrusage). Rate limits raised to 2,000 calls/s on both sides so 10,000 ids take seconds;\nmemory does not depend on the rate.\n\n| run | peak RSS | time | API calls |\n|---|---|---|---|\n")
	if m, err := MeasureHopMemory(ctx, bins[0].HostPath, 10000, o.Latency); err != nil {
		fmt.Fprintf(&b, "| one hop | error: %v | | |\n", oneLine(err))
	} else {
		fmt.Fprintf(&b, "| %s | %.1f MB | %s | %d |\n", m.What, float64(m.MaxRSS)/1e6, m.Elapsed.Round(10*time.Millisecond), m.Calls)
	}
	if m, err := MeasureCLIMemory(ctx, bins[2].HostPath, 10000, o.Latency); err != nil {
		fmt.Fprintf(&b, "| CLI | error: %v | | |\n", oneLine(err))
	} else {
		fmt.Fprintf(&b, "| %s | %.1f MB | %s | %d |\n", m.What, float64(m.MaxRSS)/1e6, m.Elapsed.Round(10*time.Millisecond), m.Calls)
	}

	// State size.
	logf("state size")
	fmt.Fprintf(&b, "\n## State size\n\nA watch of 11-digit Aliyun ids after its first hop (all running, so it carries a schedule), with a\nlabel, a channel and a MAC.\n\n")
	fmt.Fprintf(&b, "| pending ids | document | bytes per pending task | each further id adds | MNS (64 KB) documents | Step Functions (256 KiB) documents |\n|---|---|---|---|---|---|\n")
	for _, n := range []int{10, 1000, 10000} {
		s, err := MeasureStateSize(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "| %d | %d B | %.1f | %.1f B | %d | %d |\n", n, s.Bytes, s.PerTask, s.Marginal, s.MNSParts, s.SFNParts)
	}

	// Delay and cost.
	if err := WriteDelayReport(ctx, &b, "aliyun-cdn", o.Watches, 30, logf); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nTotal time: %s.\n", time.Since(start).Round(time.Second))
	_, err = io.WriteString(w, b.String())
	return err
}

func simulated() []string {
	var out []string
	for _, name := range provider.Names() {
		if simSpeaks(name) {
			out = append(out, name)
		}
	}
	return out
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
