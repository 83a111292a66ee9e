package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/watch"
)

func writeURLs(t *testing.T, n int, pattern string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# deploy v1.4.2\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, pattern+"\n", i)
	}
	p := filepath.Join(t.TempDir(), "urls.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func fastLife(f *fixture) {
	f.sim.SetSubmitLife("aliyun-cdn", func(u, kind string) cdnsim.Object {
		o := cdnsim.Object{Path: u, Type: cdnsim.TypeFile, Duration: 300 * time.Millisecond}
		if kind == cdnsim.KindPrefetch {
			o.Type = cdnsim.TypePreload
		}
		if strings.Contains(u, "/broken/") {
			o.FailReason = "Origin Return StatusCode 5XX"
		}
		return o
	})
}

// The first case: 2,500 URLs are submitted in three RefreshObjectCaches calls,
// every returned id is watched to the end, and the channel is told how many were submitted.
func TestRefreshSubmitsAndWatches(t *testing.T) {
	f := newFixture(t)
	fastLife(f)
	urls := writeURLs(t, 2500, "https://static.example.com/assets/%04d.js")
	summary := filepath.Join(t.TempDir(), "summary.md")
	code, out, errs := f.run(t, "refresh", "--provider", "aliyun-cdn", "--urls-file", urls, "--interval", "1s",
		"--label", "web v1.4.2", "--summary", summary, "--json")
	if code != ExitComplete {
		t.Fatalf("exit %d, want 0\n%s", code, errs)
	}
	st := f.sim.SubmitStats("aliyun-cdn")
	if st.Calls["RefreshObjectCaches"] != 3 || st.URLs != 2500 || st.Calls["DescribeRefreshQuota"] != 1 {
		t.Fatalf("simulator: %+v; want 2500 URLs in 3 RefreshObjectCaches calls after one quota check", st)
	}
	var resp watch.Response
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if !resp.Done || resp.State.Finished != watch.EndComplete || resp.State.Total != 3 || resp.Submit.Submitted != 2500 {
		t.Fatalf("final document: %s", out)
	}
	msgs := f.slack.Messages()
	if len(msgs) == 0 || !strings.Contains(fmt.Sprint(msgs[len(msgs)-1]), "2500 URLs submitted") {
		t.Errorf("the Slack summary does not say how many URLs were submitted: %+v", msgs)
	}
	md, err := os.ReadFile(summary)
	if err != nil || !strings.Contains(string(md), "| URLs submitted | 2500 |") || !strings.Contains(string(md), "| complete | 3 |") {
		t.Errorf("job summary:\n%s (%v)", md, err)
	}
}

// The second case: with 1,200 URLs of quota left, 2,000 URLs give exactly 1,200
// submitted and the other 800 named with a reason that names the quota; exit 1.
func TestRefreshQuotaFirst(t *testing.T) {
	f := newFixture(t)
	fastLife(f)
	f.sim.SetQuota("aliyun-cdn", cdnsim.KindRefresh, 1200)
	urls := writeURLs(t, 2000, "https://static.example.com/q/%04d.js")
	summary := filepath.Join(t.TempDir(), "summary.md")
	f.env["GITHUB_STEP_SUMMARY"] = summary
	outputs := filepath.Join(t.TempDir(), "outputs")
	f.env["GITHUB_OUTPUT"] = outputs
	code, _, errs := f.run(t, "refresh", "--provider", "aliyun-cdn", "--urls-file", urls, "--interval", "1s")
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	if st := f.sim.SubmitStats("aliyun-cdn"); st.URLs != 1200 {
		t.Fatalf("the simulator took %d URLs, want exactly 1200", st.URLs)
	}
	named := 0
	for i := 1200; i < 2000; i++ {
		if strings.Contains(errs, fmt.Sprintf("  https://static.example.com/q/%04d.js\n", i)) {
			named++
		}
	}
	if named != 800 || !strings.Contains(errs, "800 URL(s) not submitted: the daily file refresh quota (DescribeRefreshQuota UrlRemain) had 1200 left for 2000 URLs") {
		t.Fatalf("%d of the 800 URLs named on stderr, or the reason is missing:\n%.2000s", named, errs)
	}
	if strings.Contains(errs, "static.example.com/q/1199.js\n") {
		t.Error("a submitted URL is named as not submitted")
	}
	md, _ := os.ReadFile(summary)
	if strings.Count(string(md), "| not-submitted | https://static.example.com/q/") != 800 || !strings.Contains(string(md), "| exit code | 1 |") {
		t.Errorf("job summary does not list the 800:\n%.1500s", md)
	}
	o, _ := os.ReadFile(outputs)
	if !strings.Contains(string(o), "submitted=1200\nnot-submitted=800\n") || !strings.Contains(string(o), "exit-code=1\n") {
		t.Errorf("step outputs:\n%s", o)
	}
}

// Prefetch uses PushObjectCache (100 URLs a call) and reports failed objects with their
// path and reason.
func TestPrefetchReportsFailedObjects(t *testing.T) {
	f := newFixture(t)
	fastLife(f)
	urls := writeURLs(t, 250, "https://video.example.com/v/%03d.mp4")
	b, _ := os.ReadFile(urls)
	if err := os.WriteFile(urls, append(b, []byte("https://video.example.com/broken/x.mp4\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := f.run(t, "prefetch", "--provider", "aliyun-cdn", "--urls-file", urls, "--interval", "1s")
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	st := f.sim.SubmitStats("aliyun-cdn")
	if st.Calls["PushObjectCache"] != 3 || st.Calls["RefreshObjectCaches"] != 0 || st.MaxURLsPerCall > 100 {
		t.Fatalf("simulator: %+v; want 251 URLs in 3 PushObjectCache calls of at most 100", st)
	}
	if !strings.Contains(errs, "https://video.example.com/broken/x.mp4") || !strings.Contains(errs, "Origin Return StatusCode 5XX") {
		t.Errorf("the failed object is not named with its path and reason:\n%s", errs)
	}
}

// --no-wait prints a Watch document ready for a queue; --state then resumes it without
// submitting again.
func TestRefreshNoWaitAndResume(t *testing.T) {
	f := newFixture(t)
	fastLife(f)
	state := filepath.Join(t.TempDir(), "state.json")
	code, out, errs := f.run(t, "refresh", "--provider", "aliyun-cdn", "--url", "https://static.example.com/a.js",
		"--url", "https://static.example.com/b.js", "--no-wait", "--state", state)
	if code != ExitComplete {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	d, err := watch.Decode([]byte(out), nil)
	if err != nil || len(d.TaskIDs) != 1 || !d.Submit.Done() || d.State != nil {
		t.Fatalf("--no-wait printed %q (%v); want a Watch document of the task", out, err)
	}
	code, _, errs = f.run(t, "refresh", "--provider", "aliyun-cdn", "--url", "https://static.example.com/a.js", "--state", state,
		"--interval", "1s")
	if code != ExitComplete || !strings.Contains(errs, "not submitting again") {
		t.Fatalf("resume: exit %d\n%s", code, errs)
	}
	if st := f.sim.SubmitStats("aliyun-cdn"); st.URLs != 2 || st.Calls["RefreshObjectCaches"] != 1 {
		t.Fatalf("resume submitted again: %+v", st)
	}
}

func TestRefreshBadUsage(t *testing.T) {
	f := newFixture(t)
	for _, args := range [][]string{
		{"refresh", "--url", "https://a.example.com/x"},                                       // no provider
		{"refresh", "--provider", "aliyun-cdn"},                                               // no URLs
		{"refresh", "--provider", "nope", "--url", "https://a.example.com/x"},                 // unknown provider
		{"refresh", "--provider", "aliyun-cdn", "--type", "blob", "--url", "https://a/x"},     // bad type
		{"refresh", "--provider", "aliyun-cdn", "--urls-file", "/nonexistent/urls.txt"},       // missing file
		{"prefetch", "--provider", "aliyun-cdn", "--type", "directory", "--url", "https://a"}, // prefetch has no --type
	} {
		if code, _, errs := f.run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
	if st := f.sim.SubmitStats("aliyun-cdn"); st.URLs != 0 {
		t.Errorf("bad usage submitted %d URLs", st.URLs)
	}
}

// With no quota left nothing is submitted: every URL is named, the watch ends failed at
// once (exit 1), and --no-wait says there is no document rather than printing a bad one.
func TestRefreshNothingFits(t *testing.T) {
	f := newFixture(t)
	f.sim.SetQuota("aliyun-cdn", cdnsim.KindRefresh, 0)
	code, _, errs := f.run(t, "refresh", "--provider", "aliyun-cdn", "--url", "https://static.example.com/a.js")
	if code != ExitFailed || !strings.Contains(errs, "had 0 left for 1 URLs") || !strings.Contains(errs, "FAILED") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	code, out, errs := f.run(t, "refresh", "--provider", "aliyun-cdn", "--url", "https://static.example.com/a.js", "--no-wait")
	if code != ExitFailed || out != "" || !strings.Contains(errs, "nothing was submitted") {
		t.Fatalf("--no-wait: exit %d, stdout %q\n%s", code, out, errs)
	}
	if st := f.sim.SubmitStats("aliyun-cdn"); st.URLs != 0 || st.Calls["RefreshObjectCaches"] != 0 {
		t.Errorf("submitted with no quota: %+v", st)
	}
}
