package chaos_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/notify/webhook"
)

const (
	simKey        = "LTAI5tChaosKey"
	simSecret     = "chaos-secret-never-logged"
	webhookSecret = "whsec_Y2hhb3MtdGVzdC1zaWduaW5nLXNlY3JldC0zMmI="
	stateKey      = "chaos-state-key-0123456789"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds the command and the Lambda bootstrap for this machine once.
func binaries(t *testing.T) (cli, lambda string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "cdnwatch-chaos-")
		if buildErr != nil {
			return
		}
		for pkg, out := range map[string]string{"../../cmd/cdnwatch": "cdnwatch", "../../functions/lambda": "bootstrap"} {
			cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(binDir, out), pkg)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "cdnwatch"), filepath.Join(binDir, "bootstrap")
}

// world is one run's simulator, receiver and ground truth.
type world struct {
	sim  *cdnsim.Sim
	api  *httptest.Server
	hook *recorder
	ids  []string
}

// newWorld populates the simulator with n short tasks, failRate of them failing, some with
// several objects, and injects fault5xx of the calls as 503s (plus a few throttles).
func newWorld(t *testing.T, n int, failRate, fault5xx float64, seed int64) *world {
	t.Helper()
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: simKey, AccessKeySecret: simSecret})
	ids := sim.Populate("aliyun-cdn", cdnsim.Population{Count: n, Seed: seed, FailRate: failRate, MultiRate: 0.3,
		Refresh: cdnsim.Range{Min: 3 * time.Second, Max: 20 * time.Second}, Pending: cdnsim.Range{Max: 2 * time.Second}})
	sim.SetFaults("aliyun-cdn", cdnsim.Faults{Fail5xxRate: fault5xx, ThrottleRate: 0.03, Seed: seed})
	api := httptest.NewServer(sim.Handler("aliyun-cdn"))
	t.Cleanup(api.Close)
	rec, err := newRecorder()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	rec.url = srv.URL
	return &world{sim: sim, api: api, hook: rec, ids: ids}
}

// env is what every cdnwatch process of the run gets.
func (w *world) env(key bool) []string {
	e := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true", "AWS_EC2_METADATA_DISABLED=true",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + simKey, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + simSecret,
		"CDNWATCH_ALIYUN_CDN_ENDPOINT=" + w.api.URL,
		"CDNWATCH_WEBHOOK_URL=" + w.hook.url, "CDNWATCH_WEBHOOK_SECRET=" + webhookSecret,
	}
	if key {
		e = append(e, "CDNWATCH_STATE_KEY="+stateKey)
	}
	return e
}

// expectedFailures is the ground truth: every failed object the simulator scripted, as
// "task id|path|reason".
func (w *world) expectedFailures(t *testing.T) []string {
	var out []string
	for _, id := range w.ids {
		task, ok := w.sim.Task("aliyun-cdn", id)
		if !ok {
			t.Fatalf("simulator lost task %s", id)
		}
		for _, o := range task.Objects {
			if o.FailReason != "" {
				out = append(out, id+"|"+o.Path+"|"+o.FailReason)
			}
		}
	}
	sort.Strings(out)
	return out
}

// recorder is a Standard Webhooks receiver (the project's, which verifies signatures and
// drops duplicates) that also keeps every accepted request, duplicates included, so the
// test can compare what one webhook-id carried each time.
type recorder struct {
	url  string
	recv *webhook.Receiver
	mu   sync.Mutex
	got  []webhook.Delivery
	bad  int
}

func newRecorder() (*recorder, error) {
	r, err := webhook.NewReceiver(io.Discard, webhookSecret)
	if err != nil {
		return nil, err
	}
	return &recorder{recv: r}, nil
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	cw := &codeWriter{ResponseWriter: w, code: 200}
	r.recv.ServeHTTP(cw, req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if cw.code/100 != 2 {
		if cw.code != http.StatusInternalServerError {
			r.bad++ // anything but the injected 500s: a bad signature, a bad body
		}
		return
	}
	var b webhook.Body
	if err := json.Unmarshal(body, &b); err != nil {
		r.bad++
		return
	}
	r.got = append(r.got, webhook.Delivery{ID: req.Header.Get("webhook-id"), Body: b, Raw: body})
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (c *codeWriter) WriteHeader(code int) { c.code = code; c.ResponseWriter.WriteHeader(code) }

// figures are one run's counts for the closing report.
type figures struct {
	Run                                            string
	Tasks, FailuresExpected, Delivered, Duplicates int
	Lost, Conflicts, Kills, Restarts, ProviderCall int
	Faults, Answered                               int
	Elapsed                                        time.Duration
}

// check asserts the invariants over everything the receiver accepted and returns the
// figures. content is what must not differ between two deliveries of one webhook-id: the
// kind, the label, the failures and the pending ids (counts and timestamps are of the
// moment and may differ between a hop and its retry).
func (w *world) check(t *testing.T, f *figures) {
	t.Helper()
	w.hook.mu.Lock()
	got := slices.Clone(w.hook.got)
	bad := w.hook.bad
	w.hook.mu.Unlock()
	if bad > 0 {
		t.Errorf("%d webhook requests were malformed or badly signed", bad)
	}
	content := map[string]string{}
	reported := map[string]bool{}
	finished := 0
	for _, d := range got {
		var fs []string
		for _, task := range d.Body.Tasks {
			s := task.ID + "|" + task.Path + "|" + task.Reason
			fs = append(fs, s)
			reported[s] = true
		}
		sort.Strings(fs)
		c := fmt.Sprintf("%s %q %v %v", d.Body.Type, d.Body.Label, fs, d.Body.Pending)
		if prev, ok := content[d.ID]; ok {
			f.Duplicates++
			if prev != c {
				f.Conflicts++
				t.Errorf("notice %s delivered twice with different content:\n%s\n%s", d.ID, prev, c)
			}
		}
		content[d.ID] = c
		if d.Body.Type == "watch.finished" {
			finished++
		}
	}
	want := w.expectedFailures(t)
	for _, s := range want {
		if !reported[s] {
			f.Lost++
			t.Errorf("failure never reached the receiver: %s", s)
		}
	}
	if finished == 0 {
		t.Errorf("no watch.finished notice was delivered")
	}
	f.Tasks, f.FailuresExpected, f.Delivered = len(w.ids), len(want), len(content)
	st := w.sim.Stats("aliyun-cdn")
	f.ProviderCall = int(st.Calls)
	f.Faults = int(st.Throttled + st.Errors)
	f.Answered = int(st.OK)
	t.Logf("chaos figures: %s", strings.TrimSpace(fmt.Sprintf("%+v", *f)))
}
