// Package functions_test builds the real function binaries for the host and runs them
// against small fake runtime APIs (Lambda's and FC's), feeding every file in events/, with
// the provider pointed at an in-process cdnsim, a local Slack receiver, and fake SQS/MNS
// endpoints for continuations.
package functions_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/function/fakeruntime"
	"cdnwatch/shared/notify/slack"
	_ "cdnwatch/shared/provider/all"
	"cdnwatch/shared/trigger/mnsqueue/mnstest"
	"cdnwatch/shared/watch"
)

const (
	simKey    = "LTAI5tCdnwatchE2E"
	simSecret = "e2e-secret-never-logged"
	simToken  = "e2e-sts-token"
)

// fakeSQS speaks the two SQS JSON-protocol calls the continuation makes.
type fakeSQS struct {
	url  string
	mu   sync.Mutex
	sent []sentMessage
}

type sentMessage struct {
	Queue string
	Body  string
	Delay int
}

func (s *fakeSQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		QueueName, QueueUrl, MessageBody string
		DelaySeconds                     int
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch r.Header.Get("X-Amz-Target") {
	case "AmazonSQS.GetQueueUrl":
		_ = json.NewEncoder(w).Encode(map[string]string{"QueueUrl": s.url + "/123456789012/" + in.QueueName})
	case "AmazonSQS.SendMessage":
		s.mu.Lock()
		s.sent = append(s.sent, sentMessage{Queue: in.QueueUrl, Body: in.MessageBody, Delay: in.DelaySeconds})
		s.mu.Unlock()
		sum := md5.Sum([]byte(in.MessageBody))
		_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": fmt.Sprint(time.Now().UnixNano()), "MD5OfMessageBody": hex.EncodeToString(sum[:])})
	default:
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"InvalidAction","message":"not faked"}`))
	}
}

func buildBinary(t *testing.T, dir, pkg, out string, tags ...string) string {
	t.Helper()
	bin := filepath.Join(dir, out)
	args := []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", bin}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	args = append(args, pkg)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return bin
}

var startedRE = regexp.MustCompile(`(\\?"started\\?":)1767225600`)

// sweepAt is the trigger time of the sweep samples, moved to the latest 10-minute mark so
// that the window it reports (settle 30m) is within the simulator's retention.
var (
	sweepAtRE = regexp.MustCompile(`2026-03-01T10:40:00Z`)
	sweepAt   = time.Now().UTC().Truncate(10 * time.Minute)
)

// loadEvents reads events/ for one runtime, with the samples' fixed "started" moved to a
// minute ago (so a watch is not already past its timeout).
func loadEvents(t *testing.T, files []string) []*fakeruntime.Invocation {
	var out []*fakeruntime.Invocation
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", "events", f))
		if err != nil {
			t.Fatal(err)
		}
		b = startedRE.ReplaceAll(b, []byte("${1}"+strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)))
		b = sweepAtRE.ReplaceAll(b, []byte(sweepAt.Format(time.RFC3339)))
		out = append(out, &fakeruntime.Invocation{ID: "req-" + strings.TrimSuffix(f, ".json"), Payload: b})
	}
	return out
}

// newSim serves the tasks events/ names (cdnsim.AddSamples: the ids, the failing object,
// the slow queue watches, the sweep windows and the CloudFront distribution), as
// `cdnwatch sim` does.
func newSim(t *testing.T) (*cdnsim.Sim, *httptest.Server, *httptest.Server) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: simKey, AccessKeySecret: simSecret, SecurityToken: simToken})
	now := time.Now()
	sim.AddSamples("aliyun-cdn", now)
	sim.AddSamples("aws-cloudfront", now)
	srv := httptest.NewServer(sim.Handler("aliyun-cdn"))
	t.Cleanup(srv.Close)
	cf := httptest.NewServer(sim.Handler("aws-cloudfront"))
	t.Cleanup(cf.Close)
	return sim, srv, cf
}

type runResult struct {
	invs       []*fakeruntime.Invocation
	firstReply time.Duration
	size       int64
	stderr     string
}

func runBinary(t *testing.T, bin, platform string, events []*fakeruntime.Invocation, env []string) runResult {
	t.Helper()
	rt := fakeruntime.New(platform, 40*time.Second, fakeruntime.Credentials{AccessKeyID: simKey, AccessKeySecret: simSecret, SecurityToken: simToken}, events...)
	res, err := fakeruntime.Run(context.Background(), bin, rt, append(env, "HOME="+t.TempDir()), 60*time.Second)
	if err != nil {
		t.Errorf("%s: %v", platform, err)
	}
	return runResult{invs: res.Invocations, firstReply: res.FirstReply, size: res.Size, stderr: res.Output}
}

func TestFunctionBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both binaries; skipped with -short")
	}
	dir := t.TempDir()
	lambdaBin := buildBinary(t, dir, "cdnwatch/functions/lambda", "bootstrap", "lambda.norpc")
	fcBin := buildBinary(t, dir, "cdnwatch/functions/fc", "main")

	_, api, cfAPI := newSim(t)
	recv := slack.NewReceiver(nil)
	slackSrv := httptest.NewServer(recv)
	t.Cleanup(slackSrv.Close)
	sqsFake := &fakeSQS{}
	sqsSrv := httptest.NewServer(sqsFake)
	t.Cleanup(sqsSrv.Close)
	sqsFake.url = sqsSrv.URL
	mnsFake := &mnstest.Server{AccessKeyID: simKey, AccessKeySecret: simSecret, SecurityToken: simToken}
	mnsSrv := httptest.NewServer(mnsFake)
	t.Cleanup(mnsSrv.Close)

	common := []string{
		"CDNWATCH_ALIYUN_CDN_ENDPOINT=" + api.URL,
		"CDNWATCH_SLACK_WEBHOOK_URL=" + slackSrv.URL + "/services/T000/B000/e2e",
		"CDNWATCH_LOG_LEVEL=info",
	}
	lambdaEnv := append(slices.Clone(common),
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+simKey, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+simSecret, "ALIBABA_CLOUD_SECURITY_TOKEN="+simToken,
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID="+simKey, "AWS_SECRET_ACCESS_KEY="+simSecret, "AWS_SESSION_TOKEN="+simToken,
		"AWS_ENDPOINT_URL_SQS="+sqsSrv.URL, "CDNWATCH_AWS_CLOUDFRONT_ENDPOINT="+cfAPI.URL,
		"AWS_EC2_METADATA_DISABLED=true")
	// FC gets no Aliyun keys in its environment: only the role credentials in the
	// invocation headers, so the answers prove they are used.
	fcEnv := append(slices.Clone(common), "CDNWATCH_MNS_ENDPOINT="+mnsSrv.URL)

	lambdaFiles := []string{"lambda-direct.json", "stepfunctions-input.json", "sqs-batch.json",
		"eventbridge-scheduled-verbatim.json", "eventbridge-scheduled-envelope.json", "cloudtrail-create-invalidation.json",
		"eventbridge-scheduled-sweep.json", "submit-direct.json"}
	fcFiles := []string{"fc-direct.json", "fc-timer.json", "fc-mns-queue.json", "fc-cdn-refreshed.json", "fc-cdn-pushed.json",
		"fc-timer-sweep.json", "fc-submit-timer.json", "fc-actiontrail-refresh.json"}
	all, _ := filepath.Glob(filepath.Join("..", "events", "*.json"))
	for _, f := range all {
		// watch-<provider>.json are plain Watch documents for the other providers: the golden
		// test decodes them and each provider's conformance suite covers its API.
		if strings.HasPrefix(filepath.Base(f), "watch-") {
			continue
		}
		if !slices.Contains(lambdaFiles, filepath.Base(f)) && !slices.Contains(fcFiles, filepath.Base(f)) {
			t.Errorf("events/%s is not fed to either binary: add it to TestFunctionBinaries", filepath.Base(f))
		}
	}

	var wg sync.WaitGroup
	var lres, fres runResult
	wg.Add(2)
	go func() {
		defer wg.Done()
		lres = runBinary(t, lambdaBin, "lambda", loadEvents(t, lambdaFiles), lambdaEnv)
	}()
	go func() {
		defer wg.Done()
		fres = runBinary(t, fcBin, "fc", loadEvents(t, fcFiles), fcEnv)
	}()
	wg.Wait()
	if t.Failed() {
		t.Logf("lambda log:\n%s\nfc log:\n%s", lres.stderr, fres.stderr)
		return
	}

	for _, r := range []struct {
		name string
		res  runResult
	}{{"lambda bootstrap", lres}, {"fc main", fres}} {
		t.Logf("%s: host binary %.1f MB; process start → first response %s (first event %s)",
			r.name, float64(r.res.size)/1e6, r.res.firstReply.Round(time.Millisecond), r.res.invs[0].ID)
		for _, s := range []string{"panic", "goroutine "} {
			if strings.Contains(r.res.stderr, s) {
				t.Errorf("%s log contains %q:\n%s", r.name, s, r.res.stderr)
			}
		}
		for _, secret := range []string{simSecret, simToken} {
			if strings.Contains(r.res.stderr, secret) {
				t.Errorf("%s log leaks a secret", r.name)
			}
		}
	}

	byFile := map[string]*fakeruntime.Invocation{}
	for _, inv := range append(lres.invs, fres.invs...) {
		byFile[strings.TrimPrefix(inv.ID, "req-")+".json"] = inv
	}
	// Watches that finish in one invocation.
	for _, f := range []string{"lambda-direct.json", "stepfunctions-input.json", "eventbridge-scheduled-verbatim.json",
		"eventbridge-scheduled-envelope.json", "fc-direct.json", "fc-timer.json", "fc-cdn-refreshed.json", "fc-cdn-pushed.json",
		"fc-actiontrail-refresh.json", "submit-direct.json"} {
		inv := byFile[f]
		if inv.Status != "response" {
			t.Errorf("%s: %s %s", f, inv.Status, inv.Body)
			continue
		}
		var resp watch.Response
		if err := json.Unmarshal(inv.Body, &resp); err != nil {
			t.Errorf("%s: answer is not a response document: %v\n%s", f, err, inv.Body)
			continue
		}
		if !resp.Done || resp.State == nil || resp.State.Finished == "" {
			t.Errorf("%s: want a finished watch, got %s", f, inv.Body)
			continue
		}
		// The answer feeds a state machine's next iteration: it must decode.
		if _, err := watch.Decode(inv.Body, nil); err != nil {
			t.Errorf("%s: answer does not decode as a document: %v", f, err)
		}
		want := watch.EndComplete
		if f == "lambda-direct.json" {
			want = watch.EndFailed
		}
		if resp.State.Finished != want {
			t.Errorf("%s: finished %q, want %q", f, resp.State.Finished, want)
		}
	}

	// SQS: both records continued to the source queue with their updated state.
	if inv := byFile["sqs-batch.json"]; inv.Status != "response" || !bytes.Contains(inv.Body, []byte(`"batchItemFailures":[]`)) {
		t.Errorf("sqs-batch: %s %s", inv.Status, inv.Body)
	}
	sqsFake.mu.Lock()
	sent := slices.Clone(sqsFake.sent)
	sqsFake.mu.Unlock()
	if len(sent) != 2 {
		t.Errorf("sqs continuations: %d, want 2: %+v", len(sent), sent)
	}
	for _, m := range sent {
		d, err := watch.Decode([]byte(m.Body), nil)
		if err != nil || d.State == nil || d.State.Hops < 1 || d.Done() {
			t.Errorf("sqs continuation is not an updated pending watch: %v %s", err, m.Body)
		}
		if m.Delay <= 0 || m.Delay > 900 || !strings.HasSuffix(m.Queue, "/123456789012/cdnwatch-queue") {
			t.Errorf("sqs continuation: delay %d to %s", m.Delay, m.Queue)
		}
	}

	// MNS: the record continued to the source queue, signed with the role's credentials.
	if inv := byFile["fc-mns-queue.json"]; inv.Status != "response" || !bytes.Contains(inv.Body, []byte(`"continued":1`)) {
		t.Errorf("fc-mns-queue: %s %s", inv.Status, inv.Body)
	}
	// The fake checks the signature and the security token against the role's credentials,
	// so an accepted message was signed with them.
	msent := mnsFake.Messages()
	if len(msent) != 1 || msent[0].Queue != "cdnwatch" || msent[0].DelaySeconds <= 0 || msent[0].KeyID != simKey {
		t.Errorf("mns continuations: %+v (refused: %v)", msent, mnsFake.Rejected())
	} else {
		body, _ := base64.StdEncoding.DecodeString(msent[0].Body)
		d, err := watch.Decode(body, nil)
		if err != nil || d.State == nil || d.State.Hops != 2 || d.State.ID != "w_8c1d2e3f4a5b6c7d8e9f" {
			t.Errorf("mns continuation: %v %s", err, body)
		}
	}

	// CloudTrail: a watch of the invalidation, or a clear poison error while the
	// CloudFront provider is not built in.
	// CreateInvalidation starts a watch of that invalidation, which the simulator completed.
	ct := byFile["cloudtrail-create-invalidation.json"]
	if ct.Status != "response" || !bytes.Contains(ct.Body, []byte(`"provider":"aws-cloudfront"`)) ||
		!bytes.Contains(ct.Body, []byte(`"distributionId":"E2QWRUHAPOMQZL"`)) || !bytes.Contains(ct.Body, []byte(`"finished":"complete"`)) {
		t.Errorf("cloudtrail: %s %s", ct.Status, ct.Body)
	}

	// Notices: every finished watch was summarised in Slack, and the failed object named.
	msgs, _ := json.Marshal(recv.Messages())
	for _, label := range []string{"web v1.4.2 deploy", "api docs refresh", "nightly catalogue prefetch",
		"nightly catalogue refresh", "mobile h5 release", "hourly banner refresh", "refresh static.example.com", "prefetch video.example.com"} {
		if !bytes.Contains(msgs, []byte(label)) {
			t.Errorf("no Slack notice mentions %q", label)
		}
	}
	if !bytes.Contains(msgs, []byte("vendor.js")) || !bytes.Contains(msgs, []byte("Origin Timeout")) {
		t.Errorf("the failed object and its reason are not in any notice")
	}

	// Sweeps from both timers: the same window, the same digest id, posted to Slack.
	var sweepIDs []string
	for _, f := range []string{"eventbridge-scheduled-sweep.json", "fc-timer-sweep.json"} {
		inv := byFile[f]
		var r struct {
			Notice        string
			Total, Failed int
			Window        struct{ From time.Time }
		}
		if inv.Status != "response" || json.Unmarshal(inv.Body, &r) != nil || r.Total != 2 || r.Failed != 1 ||
			!r.Window.From.Equal(sweepAt.Add(-40*time.Minute)) {
			t.Errorf("%s: %s %s", f, inv.Status, inv.Body)
		}
		sweepIDs = append(sweepIDs, r.Notice)
	}
	if sweepIDs[0] == "" || sweepIDs[0] != sweepIDs[1] {
		t.Errorf("sweep notice ids %v: want one id for one window", sweepIDs)
	}
	if bytes.Count(msgs, []byte("Sweep digest")) < 2 || !bytes.Contains(msgs, []byte("swept-broken")) {
		t.Errorf("the sweep digests are not in Slack")
	}
	if t.Failed() {
		t.Logf("slack: %s\nlambda log:\n%s\nfc log:\n%s", msgs, lres.stderr, fres.stderr)
	}
}
