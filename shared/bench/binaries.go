package bench

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/function/fakeruntime"
	"cdnwatch/shared/watch"
)

// Binary is one built function or command.
type Binary struct {
	Name       string
	Platform   string // "lambda" or "fc" for a function, "" for the command
	Tags       []string
	Deployable string // the target platform's artifact
	Size       int64  // deployable binary size
	HostPath   string // built for this machine, to run
}

// aliyunOnly are the build tags of a function with the two Aliyun providers only
// (shared/provider/all), the set a deployment that watches Aliyun CDN/DCDN needs.
var aliyunOnly = []string{"cdnwatch_aliyun_cdn", "cdnwatch_aliyun_dcdn"}

type binarySpec struct {
	name, platform, pkg, out, goarch string
	tags                             []string
}

// The first three are the deployables as make build makes them (Run indexes them); then
// the provider-subset builds and the hello-worlds of each runtime library, for the
// side-by-side startup comparison.
var binarySpecs = []binarySpec{
	{"lambda bootstrap (linux/arm64)", "lambda", "./functions/lambda", "bootstrap", "arm64", []string{"lambda.norpc"}},
	{"fc main (linux/amd64)", "fc", "./functions/fc", "main", "amd64", nil},
	{"cdnwatch command", "", "./cmd/cdnwatch", "cdnwatch", "", nil},
	{"lambda bootstrap, Aliyun providers only", "lambda", "./functions/lambda", "bootstrap-aliyun", "arm64", append([]string{"lambda.norpc"}, aliyunOnly...)},
	{"fc main, Aliyun providers only", "fc", "./functions/fc", "main-aliyun", "amd64", aliyunOnly},
	{"hello-world, aws-lambda-go", "lambda", "./shared/bench/hello/lambda", "hello-lambda", "arm64", []string{"lambda.norpc"}},
	{"hello-world, fc-runtime-go-sdk", "fc", "./shared/bench/hello/fc", "hello-fc", "amd64", nil},
}

// BuildBinaries builds the deployable artifacts (for their platforms, as make build does)
// and host builds of the same code to run here.
func BuildBinaries(ctx context.Context, dir string) ([]Binary, error) {
	var out []Binary
	for _, s := range binarySpecs {
		b := Binary{Name: s.name, Platform: s.platform, Tags: s.tags}
		if s.goarch != "" {
			b.Deployable = filepath.Join(dir, "deploy-"+s.out)
			if err := goBuild(ctx, b.Deployable, s.pkg, "linux", s.goarch, s.tags); err != nil {
				return nil, err
			}
			fi, err := os.Stat(b.Deployable)
			if err != nil {
				return nil, err
			}
			b.Size = fi.Size()
		}
		b.HostPath = filepath.Join(dir, "host-"+s.out)
		if err := goBuild(ctx, b.HostPath, s.pkg, "", "", s.tags); err != nil {
			return nil, err
		}
		if b.Size == 0 {
			fi, _ := os.Stat(b.HostPath)
			b.Size = fi.Size()
		}
		out = append(out, b)
	}
	return out, nil
}

func goBuild(ctx context.Context, out, pkg, goos, goarch string, tags []string) error {
	args := []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", out}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if goos != "" {
		cmd.Env = append(cmd.Env, "GOOS="+goos, "GOARCH="+goarch)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// Memory is the peak resident set of a process.
type Memory struct {
	What    string
	MaxRSS  int64
	Elapsed time.Duration
	Calls   int64
}

// memSim is a simulator for the memory runs: a raised rate limit (on both sides) so
// 10,000 ids take seconds, not minutes; memory does not depend on the rate.
func memSim(latency time.Duration) (*cdnsim.Sim, *httptest.Server) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: KeyID, AccessKeySecret: Secret, Latency: latency,
		Limits: map[string]cdnsim.Limits{"aliyun-cdn": {QPS: 2000}}})
	return sim, httptest.NewServer(sim.Handler("aliyun-cdn"))
}

// MeasureHopMemory runs the Lambda binary on one 10,000-id watch whose tasks are far from
// done, so the invocation makes exactly one hop and returns the state.
func MeasureHopMemory(ctx context.Context, lambdaBin string, n int, latency time.Duration) (Memory, error) {
	sim, srv := memSim(latency)
	defer srv.Close()
	// Started ten minutes ago, two hours to go: every estimate is far past the invocation.
	ids := make([]string, n)
	for i := range ids {
		ids[i] = sim.AddTask("aliyun-cdn", cdnsim.Task{Created: time.Now().Add(-10 * time.Minute), Objects: []cdnsim.Object{
			{Path: fmt.Sprintf("http://static.example.com/assets/%d.js", i), Type: cdnsim.TypeFile, Duration: 2 * time.Hour}}})
	}
	doc, err := watch.Encode(&watch.Document{V: 1, Provider: "aliyun-cdn", TaskIDs: ids})
	if err != nil {
		return Memory{}, err
	}
	env := []string{"CDNWATCH_ALIYUN_CDN_ENDPOINT=" + srv.URL, "HOME=" + os.TempDir(), "CDNWATCH_LOG_LEVEL=warn",
		"CDNWATCH_ALIYUN_CDN_QPS=2000", "ALIBABA_CLOUD_ACCESS_KEY_ID=" + KeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + Secret}
	rt := fakeruntime.New("lambda", 30*time.Second, fakeruntime.Credentials{}, &fakeruntime.Invocation{ID: "req-mem", Payload: doc})
	start := time.Now()
	res, err := fakeruntime.Run(ctx, lambdaBin, rt, env, 60*time.Second)
	if err != nil {
		return Memory{}, fmt.Errorf("hop memory: %w\n%s", err, res.Output)
	}
	inv := res.Invocations[0]
	if inv.Status != "response" {
		return Memory{}, fmt.Errorf("hop memory: %s %.300s", inv.Status, inv.Body)
	}
	d, err := watch.Decode(inv.Body, nil)
	if err != nil {
		return Memory{}, fmt.Errorf("hop memory: answer: %w", err)
	}
	return Memory{What: fmt.Sprintf("Lambda, one hop of a %d-id watch (%d hops)", n, d.State.Hops),
		MaxRSS: res.MaxRSS, Elapsed: time.Since(start), Calls: d.State.Calls}, nil
}

// MeasureCLIMemory runs `cdnwatch watch` on n ids that finish within about 20 s, to the end.
func MeasureCLIMemory(ctx context.Context, cliBin string, n int, latency time.Duration) (Memory, error) {
	sim, srv := memSim(latency)
	defer srv.Close()
	ids := sim.Populate("aliyun-cdn", cdnsim.Population{Count: n, Seed: 6, FailRate: 0.05, MultiRate: 0.1,
		Refresh: cdnsim.Range{Min: 5 * time.Second, Max: 20 * time.Second},
		Preload: cdnsim.Range{Min: 10 * time.Second, Max: 20 * time.Second}, Pending: cdnsim.Range{Max: 2 * time.Second}})
	doc, err := watch.Encode(&watch.Document{V: 1, Provider: "aliyun-cdn", TaskIDs: ids})
	if err != nil {
		return Memory{}, err
	}
	f, err := os.CreateTemp("", "cdnwatch-bench-*.json")
	if err != nil {
		return Memory{}, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(doc); err != nil {
		return Memory{}, err
	}
	f.Close()
	cmd := exec.CommandContext(ctx, cliBin, "watch", "--doc", f.Name(), "--json")
	cmd.Env = []string{"CDNWATCH_ALIYUN_CDN_ENDPOINT=" + srv.URL, "HOME=" + os.TempDir(), "CDNWATCH_ALIYUN_CDN_QPS=2000",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + KeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + Secret, "PATH=" + os.Getenv("PATH")}
	start := time.Now()
	outb, err := cmd.Output()
	elapsed := time.Since(start)
	if cmd.ProcessState == nil {
		return Memory{}, fmt.Errorf("cli memory: %w", err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
		return Memory{}, fmt.Errorf("cli memory: exit %d: %v", code, err)
	}
	d, derr := watch.Decode(outb, nil)
	if derr != nil {
		return Memory{}, fmt.Errorf("cli memory: --json output: %w", derr)
	}
	m := Memory{What: fmt.Sprintf("cdnwatch watch, %d ids to the end (%d hops)", n, d.State.Hops), Elapsed: elapsed, Calls: d.State.Calls}
	m.MaxRSS = maxRSS(cmd.ProcessState)
	return m, nil
}

// Startup is one binary's start under the fake runtime API, next to its hello-world.
type Startup struct {
	Binary   Binary
	Min, Med time.Duration // process start → first response
	MaxRSS   int64         // peak resident set over the run, bytes (median run)
	Runs     int
}

// MeasureStartup runs each function binary `runs` times on the same event (a bare Watch
// document of one finished task, so cdnwatch makes one real call to the simulator; a
// hello-world echoes it) and reports start → first response and peak memory.
func MeasureStartup(ctx context.Context, bins []Binary, runs int) ([]Startup, error) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: KeyID, AccessKeySecret: Secret})
	srv := httptest.NewServer(sim.Handler("aliyun-cdn"))
	defer srv.Close()
	id := sim.AddTask("aliyun-cdn", cdnsim.Task{Created: time.Now().Add(-time.Hour),
		Objects: []cdnsim.Object{{Path: "http://static.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Second}}})
	event := []byte(`{"v":1,"provider":"aliyun-cdn","taskIds":["` + id + `"]}`)
	env := []string{"CDNWATCH_ALIYUN_CDN_ENDPOINT=" + srv.URL, "HOME=" + os.TempDir(), "CDNWATCH_LOG_LEVEL=warn",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + KeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + Secret}
	var out []Startup
	for _, b := range bins {
		if b.Platform == "" {
			continue
		}
		type run struct {
			t   time.Duration
			rss int64
		}
		var rs []run
		for i := 0; i < runs; i++ {
			res, err := invokeOnce(ctx, b.Platform, b.HostPath, event, env, i)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name, err)
			}
			rs = append(rs, run{res.FirstReply, res.MaxRSS})
		}
		slices.SortFunc(rs, func(x, y run) int { return int(x.t - y.t) })
		rss := make([]int64, len(rs))
		for i, r := range rs {
			rss[i] = r.rss
		}
		slices.Sort(rss)
		out = append(out, Startup{Binary: b, Min: rs[0].t, Med: rs[len(rs)/2].t, MaxRSS: rss[len(rss)/2], Runs: runs})
	}
	return out, nil
}

// FormatSize is a binary's size as the targets are stated (MB = 10^6 bytes), with two
// decimals so that 9.96 MB does not read as 10.0.
func FormatSize(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

// WriteStartup writes the side-by-side table: each function build next to the
// hello-world of its runtime library.
func WriteStartup(w io.Writer, st []Startup) {
	fmt.Fprintf(w, "\nEach function next to the hello-world of its runtime library (same fake runtime API, same\n")
	fmt.Fprintf(w, "event; the hello-world echoes it, cdnwatch answers it after one call to the simulator). Size is the\n")
	fmt.Fprintf(w, "deployable (linux) binary; start and memory are host builds of the same code, median peak RSS.\n\n")
	fmt.Fprintf(w, "| binary | build tags | size | start → first response (min / median) | peak RSS |\n|---|---|---|---|---|\n")
	for _, s := range st {
		tags := strings.Join(s.Binary.Tags, ",")
		if tags == "" {
			tags = "(none)"
		}
		fmt.Fprintf(w, "| %s | `%s` | %s | %s / %s | %.1f MB |\n", s.Binary.Name, tags, FormatSize(s.Binary.Size),
			s.Min.Round(100*time.Microsecond), s.Med.Round(100*time.Microsecond), float64(s.MaxRSS)/1e6)
	}
}

// PrintStartup builds the binaries and prints only the startup comparison (the focused
// run behind `cdnwatch-bench -startup`).
func PrintStartup(ctx context.Context, w io.Writer, runs int) error {
	dir, err := os.MkdirTemp("", "cdnwatch-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bins, err := BuildBinaries(ctx, dir)
	if err != nil {
		return err
	}
	st, err := MeasureStartup(ctx, bins, runs)
	if err != nil {
		return err
	}
	WriteStartup(w, st)
	return nil
}

// invokeOnce starts bin under a fake runtime API of platform, hands it event as request i,
// and returns the run; an invocation that did not answer with a response is an error.
func invokeOnce(ctx context.Context, platform, bin string, event []byte, env []string, i int) (fakeruntime.Result, error) {
	rt := fakeruntime.New(platform, 30*time.Second,
		fakeruntime.Credentials{AccessKeyID: KeyID, AccessKeySecret: Secret},
		&fakeruntime.Invocation{ID: "req-" + strconv.Itoa(i), Payload: event})
	res, err := fakeruntime.Run(ctx, bin, rt, env, 30*time.Second)
	if err != nil {
		return res, fmt.Errorf("%w\n%s", err, res.Output)
	}
	if inv := res.Invocations[0]; inv.Status != "response" {
		return res, fmt.Errorf("%s %s", inv.Status, inv.Body)
	}
	return res, nil
}
