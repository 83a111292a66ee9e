package bench

import (
	"context"
	"fmt"
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
	Deployable string // the target platform's artifact
	Size       int64  // deployable binary size
	HostPath   string // built for this machine, to run
}

// BuildBinaries builds the deployable artifacts (for their platforms, as make build does)
// and host builds of the same code to run here.
func BuildBinaries(ctx context.Context, dir string) ([]Binary, error) {
	specs := []struct {
		name, pkg, out, goarch string
		tags                   []string
	}{
		{"lambda bootstrap (linux/arm64)", "./functions/lambda", "bootstrap", "arm64", []string{"lambda.norpc"}},
		{"fc main (linux/amd64)", "./functions/fc", "main", "amd64", nil},
		{"cdnwatch command", "./cmd/cdnwatch", "cdnwatch", "", nil},
	}
	var out []Binary
	for _, s := range specs {
		b := Binary{Name: s.name}
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

// ColdStart is process start → first response under the fake runtime API.
type ColdStart struct {
	Name     string
	Min, Med time.Duration
	Runs     int
}

// MeasureColdStart runs each function binary `runs` times on one bare Watch document of
// one finished task: the first response needs one real call to the simulator.
func MeasureColdStart(ctx context.Context, lambdaBin, fcBin string, runs int) ([]ColdStart, error) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: KeyID, AccessKeySecret: Secret})
	srv := httptest.NewServer(sim.Handler("aliyun-cdn"))
	defer srv.Close()
	id := sim.AddTask("aliyun-cdn", cdnsim.Task{Created: time.Now().Add(-time.Hour),
		Objects: []cdnsim.Object{{Path: "http://static.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Second}}})
	event := []byte(`{"v":1,"provider":"aliyun-cdn","taskIds":["` + id + `"]}`)
	env := []string{"CDNWATCH_ALIYUN_CDN_ENDPOINT=" + srv.URL, "HOME=" + os.TempDir(), "CDNWATCH_LOG_LEVEL=warn",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + KeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + Secret}
	var out []ColdStart
	for _, b := range []struct{ name, bin, platform string }{{"lambda", lambdaBin, "lambda"}, {"fc", fcBin, "fc"}} {
		var times []time.Duration
		for i := 0; i < runs; i++ {
			rt := fakeruntime.New(b.platform, 30*time.Second,
				fakeruntime.Credentials{AccessKeyID: KeyID, AccessKeySecret: Secret},
				&fakeruntime.Invocation{ID: "req-" + strconv.Itoa(i), Payload: event})
			res, err := fakeruntime.Run(ctx, b.bin, rt, env, 30*time.Second)
			if err != nil {
				return nil, fmt.Errorf("%s cold start: %w\n%s", b.name, err, res.Output)
			}
			if inv := res.Invocations[0]; inv.Status != "response" {
				return nil, fmt.Errorf("%s cold start: %s %s", b.name, inv.Status, inv.Body)
			}
			times = append(times, res.FirstReply)
		}
		slices.Sort(times)
		out = append(out, ColdStart{Name: b.name, Min: times[0], Med: times[len(times)/2], Runs: runs})
	}
	return out, nil
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
