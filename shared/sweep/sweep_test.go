package sweep_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/provider"
	_ "cdnwatch/shared/provider/aliyuncdn"
	"cdnwatch/shared/sweep"
	"cdnwatch/shared/watch"
)

const (
	prov   = "aliyun-cdn"
	keyID  = "LTAI5tSweepTestKey"
	secret = "sweep-test-secret-5e1a90"
)

var quiet = slog.New(slog.DiscardHandler)

var day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

type fixture struct {
	sim    *cdnsim.Sim
	clock  *cdnsim.ManualClock
	client *provider.Client
	rec    *notifytest.Recorder
	runner *sweep.Runner
}

// newFixture serves the simulator over HTTP and opens the real aliyun-cdn driver on it.
// listQPS 0 keeps the documented 5 calls/s on both sides.
func newFixture(t testing.TB, listQPS float64, latency time.Duration) *fixture {
	t.Helper()
	f := &fixture{clock: cdnsim.NewManualClock(day0)}
	opts := cdnsim.Options{Now: f.clock.Now, AccessKeyID: keyID, AccessKeySecret: secret, Latency: latency}
	if listQPS > 0 {
		opts.Limits = map[string]cdnsim.Limits{prov: {ListQPS: listQPS}}
	}
	f.sim = cdnsim.New(opts)
	srv := httptest.NewServer(f.sim.Handler(prov))
	t.Cleanup(srv.Close)
	var err error
	f.client, err = provider.Open(context.Background(), prov, provider.Config{Endpoint: srv.URL, ListQPS: listQPS,
		Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	f.rec = notifytest.NewRecorder("slack")
	f.runner = &sweep.Runner{
		Open: func(context.Context, string, map[string]string) (*provider.Client, error) { return f.client, nil },
		Dispatcher: &notify.Dispatcher{Channels: []notify.Channel{f.rec}, Logger: quiet,
			Sleep: func(context.Context, time.Duration) error { return nil }},
		Now:    f.clock.Now,
		Logger: quiet,
	}
	return f
}

func doc(window, settle time.Duration, domains ...string) *sweep.Document {
	d := &sweep.Document{V: 1, Sweep: sweep.Spec{Provider: prov, Domains: domains,
		Window: watch.Duration{D: window}, Settle: watch.Duration{D: settle}}, Notify: []string{"slack"}}
	if err := d.Normalise(); err != nil {
		panic(err)
	}
	return d
}

// Over a simulated day, with a timer every window (at an arbitrary phase), every task
// of the swept domains is in exactly one digest, the one whose window holds its creation
// time; other domains' tasks are in none; and a retried or late tick (same trigger time,
// later clock) repeats the window and the notice id.
func TestEveryTaskOfADayReportedOnce(t *testing.T) {
	f := newFixture(t, 10000, 0)
	const w, s = 10 * time.Minute, 30 * time.Minute
	var want []string
	for i, dom := range []string{"static.example.com", "img.example.com"} {
		want = append(want, f.sim.Populate(prov, cdnsim.Population{Count: 1500, Seed: int64(i + 1), Domain: dom,
			FailRate: 0.05, MultiRate: 0.1, PreloadRate: 0.15, DirectoryRate: 0.1, Spread: 24 * time.Hour})...)
	}
	other := f.sim.Populate(prov, cdnsim.Population{Count: 200, Seed: 9, Domain: "other.example.com", Spread: 24 * time.Hour})
	d := doc(w, s, "static.example.com", "img.example.com")

	seen := map[string]int{}
	ids := map[string]bool{}
	phase := 3*time.Minute + 17*time.Second
	ticks := int(24 * time.Hour / w)
	for k := range ticks {
		at := day0.Add(s + time.Duration(k+1)*w + phase)
		f.clock.Set(at.Add(20 * time.Second)) // the function starts a little after the trigger time
		res, err := f.runner.Run(context.Background(), d, at)
		if err != nil {
			t.Fatalf("tick %d at %s: %v", k, at, err)
		}
		if want := day0.Add(time.Duration(k) * w); !res.Window.From.Equal(want) {
			t.Fatalf("tick %d reported %s, want the window from %s", k, res.Window, want)
		}
		if ids[res.Notice.ID] {
			t.Fatalf("tick %d repeats notice id %s", k, res.Notice.ID)
		}
		ids[res.Notice.ID] = true
		for _, group := range [][]string{res.Digest.Complete, res.Digest.Failed, res.Digest.Running} {
			for _, id := range group {
				seen[id]++
				task, _ := f.sim.Task(prov, id)
				if !res.Window.Contains(task.Created) {
					t.Errorf("task %s created %s reported in %s", id, task.Created, res.Window)
				}
			}
		}
		if k%37 == 5 {
			// The platform retries this tick 20 minutes later: same window, same id, same tasks.
			f.clock.Set(at.Add(20 * time.Minute))
			again, err := f.runner.Run(context.Background(), d, at)
			if err != nil {
				t.Fatal(err)
			}
			if again.Notice.ID != res.Notice.ID || again.Window != res.Window || again.Digest.Total != res.Digest.Total {
				t.Errorf("retried tick: %s %s %d tasks, first %s %s %d", again.Notice.ID, again.Window,
					again.Digest.Total, res.Notice.ID, res.Window, res.Digest.Total)
			}
		}
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("task %s reported %d times", id, seen[id])
		}
	}
	for _, id := range other {
		if seen[id] != 0 {
			t.Errorf("task %s of another domain reported", id)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d tasks reported, want %d", len(seen), len(want))
	}
	if got := len(f.rec.Notices()); got != ticks+4 {
		t.Errorf("%d notices delivered, want %d (one per tick plus 4 retries)", got, ticks+4)
	}
	if st := f.sim.Stats(prov); st.Throttled != 0 || st.Errors != 0 {
		t.Errorf("simulator stats %+v", st)
	}
}

// One window of 5,000 tasks at the documented rate limit would take a while; at a raised
// limit the number of calls is what paging requires — per domain and object type,
// ⌈rows/50⌉ pages, at least one — and none is throttled.
func TestPagingThousandsOfTasks(t *testing.T) {
	f := newFixture(t, 200, 0)
	const w, s = 10 * time.Minute, 30 * time.Minute
	f.sim.Populate(prov, cdnsim.Population{Count: 5000, Seed: 3, FailRate: 0.1, MultiRate: 0.2,
		PreloadRate: 0.2, DirectoryRate: 0.1, Spread: w})
	at := day0.Add(w + s)
	f.clock.Set(at)
	before := f.sim.Stats(prov)
	res, err := f.runner.Tick(context.Background(), doc(w, s, "static.example.com"), at)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest.Total != 5000 {
		t.Errorf("%d tasks in the digest, want 5000", res.Digest.Total)
	}
	rows := map[string]int{}
	for _, id := range append(append(res.Digest.Complete, res.Digest.Failed...), res.Digest.Running...) {
		task, _ := f.sim.Task(prov, id)
		rows[task.Objects[0].Type] += len(task.Objects)
	}
	want := int64(0)
	for _, typ := range []string{"file", "directory", "regex", "preload"} {
		want += int64(max(1, (rows[typ]+49)/50))
	}
	st := f.sim.Stats(prov)
	if calls := st.ListCalls - before.ListCalls; calls != want || res.Calls != want {
		t.Errorf("%d listing calls (client counted %d), want %d for %v", calls, res.Calls, want, rows)
	}
	if st.Throttled != 0 || st.Errors != 0 {
		t.Errorf("stats %+v: want no refusals", st)
	}
}

// At the documented 5 calls/s, the client's own bucket keeps the simulator's from ever
// refusing a call.
func TestDocumentedRateNotThrottled(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds at 5 calls/s")
	}
	f := newFixture(t, 0, 0)
	const w, s = 10 * time.Minute, 30 * time.Minute
	f.sim.Populate(prov, cdnsim.Population{Count: 120, Seed: 4, PreloadRate: 0.3, Spread: w})
	at := day0.Add(w + s)
	f.clock.Set(at)
	start := time.Now()
	res, err := f.runner.Tick(context.Background(), doc(w, s, "static.example.com"), at)
	if err != nil {
		t.Fatal(err)
	}
	st := f.sim.Stats(prov)
	if st.Throttled != 0 || res.Digest.Total != 120 || st.ListCalls != res.Calls {
		t.Errorf("stats %+v, %d tasks, %d calls", st, res.Digest.Total, res.Calls)
	}
	if min := time.Duration(res.Calls-1) * 200 * time.Millisecond; time.Since(start) < min-50*time.Millisecond {
		t.Errorf("%d calls in %s: faster than 5/s", res.Calls, time.Since(start))
	}
}

var moreRE = regexp.MustCompile(`…and (\d+) more`)

// A digest of thousands of tasks, many failed or still running, renders within Slack's
// limits, and the "…and N more" lines account for everything not shown.
func TestDigestWithinSlackLimits(t *testing.T) {
	f := newFixture(t, 200, 0)
	const w, s = 10 * time.Minute, 30 * time.Minute
	f.sim.Populate(prov, cdnsim.Population{Count: 3000, Seed: 5, FailRate: 0.3, MultiRate: 0.3,
		Preload: cdnsim.Range{Min: 2 * time.Hour, Max: 3 * time.Hour}, PreloadRate: 0.2, Spread: w})
	at := day0.Add(w + s)
	f.clock.Set(at)
	res, err := f.runner.Run(context.Background(), doc(w, s, "static.example.com"), at)
	if err != nil {
		t.Fatal(err)
	}
	n := res.Notice
	if len(res.Digest.Failures) <= sweep.MaxFailuresListed || len(res.Digest.Running) <= sweep.MaxRunningListed {
		t.Fatalf("want more failures (%d) and stragglers (%d) than the caps", len(res.Digest.Failures), len(res.Digest.Running))
	}
	if len(n.Failures)+n.FailuresOmitted != len(res.Digest.Failures) || n.Counts.Pending != len(res.Digest.Running) ||
		n.Counts.Total != 3000 {
		t.Errorf("notice counts %+v, %d+%d failures", n.Counts, len(n.Failures), n.FailuresOmitted)
	}
	msg := slack.Render(n)
	// Read as slack-go reads what the channel sends, independent of our own types.
	raw, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	var sm slackapi.WebhookMessage
	if err := json.Unmarshal(raw, &sm); err != nil || sm.Blocks == nil {
		t.Fatalf("slack-go cannot read the digest: %v", err)
	}
	blocks := sm.Blocks.BlockSet
	if len(blocks) > slack.MaxBlocks {
		t.Errorf("%d blocks", len(blocks))
	}
	shown, more := 0, 0
	for i, b := range blocks {
		sb, ok := b.(*slackapi.SectionBlock)
		if !ok || sb.Text == nil {
			continue
		}
		if l := utf8.RuneCountInString(sb.Text.Text); l > slack.MaxSectionText {
			t.Errorf("block %d: %d chars", i, l)
		}
		shown += strings.Count(sb.Text.Text, "• ")
		for _, m := range moreRE.FindAllStringSubmatch(sb.Text.Text, -1) {
			k, _ := strconv.Atoi(m[1])
			more += k
		}
	}
	if want := len(res.Digest.Failures) + len(res.Digest.Running); shown+more != want || more == 0 {
		t.Errorf("%d lines shown + %d announced as more, want %d in all", shown, more, want)
	}
	if !strings.Contains(msg.Text, fmt.Sprintf("%d failed", len(res.Digest.Failed))) {
		t.Errorf("fallback text %q lacks the failed count", msg.Text)
	}
	if got := f.rec.Notices(); len(got) != 1 || got[0].ID != n.ID {
		t.Errorf("delivered %v", got)
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t, 0, 0)
	f.clock.Set(day0.Add(100 * time.Hour))
	now := f.clock.Now()
	ctx := context.Background()
	// Window plus settle reaching past Aliyun's 3 days.
	_, err := f.runner.Run(ctx, doc(24*time.Hour, 30*time.Hour), now)
	if !sweep.IsConfigError(err) || !strings.Contains(err.Error(), "retention of 72h0m0s") {
		t.Errorf("over-retention sweep: %v", err)
	}
	// A tick so old its window has left the retention.
	_, err = f.runner.Run(ctx, doc(time.Hour, time.Hour), now.Add(-80*time.Hour))
	if !sweep.IsConfigError(err) || !strings.Contains(err.Error(), "starts before") {
		t.Errorf("stale tick: %v", err)
	}
	// A tick whose window has not ended.
	_, err = f.runner.Run(ctx, doc(time.Hour, time.Hour), now.Add(3*time.Hour))
	if !sweep.IsConfigError(err) || !strings.Contains(err.Error(), "has not ended") {
		t.Errorf("future tick: %v", err)
	}
	// A provider without listing.
	r := *f.runner
	r.Open = func(context.Context, string, map[string]string) (*provider.Client, error) {
		return provider.NewClient(noList{}, 0), nil
	}
	_, err = r.Run(ctx, doc(time.Hour, time.Hour), now)
	if !sweep.IsConfigError(err) || !errors.Is(err, provider.ErrNoListing) || !strings.Contains(err.Error(), "cannot list") {
		t.Errorf("provider without listing: %v", err)
	}
	if st := f.sim.Stats(prov); st.Calls != 0 {
		t.Errorf("refused sweeps made %d calls", st.Calls)
	}
}

type noList struct{}

func (noList) Name() string            { return "aws-cloudfront" }
func (noList) Limits() provider.Limits { return provider.Limits{IDsPerCall: 1, QPS: 1} }
func (noList) Describe(context.Context, []string) ([]provider.Object, error) {
	return nil, nil
}

// A sweep keeps no state, so a digest a channel did not take fails the tick; the retry
// sends the same notice id.
func TestDeliveryFailureFailsTheTick(t *testing.T) {
	f := newFixture(t, 200, 0)
	const w, s = 10 * time.Minute, 30 * time.Minute
	f.sim.Populate(prov, cdnsim.Population{Count: 10, Spread: w})
	at := day0.Add(w + s)
	f.clock.Set(at)
	f.rec.FailNext(-1, &notify.DeliveryError{Channel: "slack", Status: 503, Err: errors.New("unavailable")})
	res, err := f.runner.Run(context.Background(), doc(w, s), at)
	var de *sweep.DeliveryError
	if !errors.As(err, &de) || de.NoticeID != res.Notice.ID || sweep.IsConfigError(err) {
		t.Fatalf("undelivered digest: %v", err)
	}
	f.rec.FailNext(0, nil)
	again, err := f.runner.Run(context.Background(), doc(w, s), at)
	if err != nil || again.Notice.ID != res.Notice.ID || len(f.rec.Notices()) != 1 {
		t.Errorf("retry: %v, id %s (first %s), %d delivered", err, again.Notice.ID, res.Notice.ID, len(f.rec.Notices()))
	}
}

func TestNoticeIDs(t *testing.T) {
	a := doc(10*time.Minute, 30*time.Minute, "a.example.com", "b.example.com")
	b := doc(10*time.Minute, 30*time.Minute, "b.example.com", "a.example.com")
	win := sweep.WindowAt(day0.Add(time.Hour), 10*time.Minute, 30*time.Minute)
	if sweep.NoticeID(a.Sweep, win) != sweep.NoticeID(b.Sweep, win) {
		t.Error("domain order changes the id")
	}
	next := sweep.WindowAt(day0.Add(time.Hour+10*time.Minute), 10*time.Minute, 30*time.Minute)
	c := doc(10*time.Minute, 30*time.Minute, "a.example.com")
	d := doc(5*time.Minute, 30*time.Minute, "a.example.com", "b.example.com")
	for name, other := range map[string]string{
		"next window":   sweep.NoticeID(a.Sweep, next),
		"other domains": sweep.NoticeID(c.Sweep, win),
		"other window":  sweep.NoticeID(d.Sweep, win),
	} {
		if other == sweep.NoticeID(a.Sweep, win) {
			t.Errorf("%s: same notice id", name)
		}
	}
}

func TestDecode(t *testing.T) {
	good := `{"v":1,"sweep":{"provider":"aliyun-cdn","domains":["Static.Example.com "],"window":"10m","settle":"30m"},"notify":["slack"]}`
	d, err := sweep.Decode([]byte(good))
	if err != nil || d.Sweep.Domains[0] != "static.example.com" || d.Sweep.Window.D != 10*time.Minute {
		t.Fatalf("%v %+v", err, d)
	}
	if !sweep.IsDocument([]byte(good)) || sweep.IsDocument([]byte(`{"v":1,"provider":"aliyun-cdn"}`)) {
		t.Error("IsDocument")
	}
	for in, want := range map[string]string{
		`{"v":1,"sweep":{"provider":"aliyun-cdn"}}`:                                  "sweep.window: missing",
		`{"v":1,"sweep":{"provider":"aliyun-cdn","window":"7m"}}`:                    "does not divide 24h",
		`{"v":1,"sweep":{"provider":"aliyun-cdn","window":"30s"}}`:                   "shorter than the minimum",
		`{"v":1,"sweep":{"provider":"aliyun-cdn","window":"10m","settle":"-1m"}}`:    "sweep.settle: negative",
		`{"v":1,"sweep":{"provider":"","window":"10m"}}`:                             "sweep.provider: missing",
		`{"v":1,"sweep":{"provider":"aliyun-cdn","window":"10m","domain":["x"]}}`:    "domain: unknown field",
		`{"v":1,"sweep":{"provider":"aliyun-cdn","window":"10m","domains":["a/b"]}}`: "sweep.domains[0]",
		`{"v":2,"sweep":{"provider":"aliyun-cdn","window":"10m"}}`:                   "version 2",
		`{"v":1,"sweep":{"provider":"aliyun-cdn","window":"10m"}} {}`:                "trailing data",
	} {
		_, err := sweep.Decode([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || !sweep.IsConfigError(err) {
			t.Errorf("Decode(%s) = %v, want %q", in, err, want)
		}
	}
	if d, _ := sweep.Decode([]byte(`{"v":1,"sweep":{"provider":"aliyun-cdn","window":"1h"}}`)); d.Sweep.Settle.D != sweep.DefaultSettle {
		t.Errorf("default settle %s", d.Sweep.Settle.D)
	}
}
