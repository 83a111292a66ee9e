package providertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/submit"
)

// SubmitHarness tells RunSubmit how to reach one provider's submit side.
type SubmitHarness struct {
	Harness
	// RefreshAction, PrefetchAction and QuotaAction are the API actions the simulator
	// counts (cdnsim.SubmitStats); PrefetchAction "" for a provider that cannot prefetch,
	// QuotaAction "" for one without a quota API.
	RefreshAction, PrefetchAction, QuotaAction string
	// Hosts is how many hosts the URLs spread over (1 for providers whose every call
	// takes one domain and whose scope names it, like CloudFront's distribution).
	Hosts int
	// NoLoseCheck: the provider's API is idempotent, so a lost answer is retried with the
	// same reference; the check is then that nothing is created twice all the same.
	Idempotent bool
}

// RunSubmit runs the submit conformance checks: split per the per-call limit, quota
// first, a lost answer resolved without submitting twice, the rate limit kept, and the
// created tasks answered by the by-id query.
func RunSubmit(t *testing.T, h SubmitHarness) {
	h.Harness = h.Harness.withDefaults()
	if h.Hosts <= 0 {
		h.Hosts = 2
	}
	t.Run("SplitAndWatch", func(t *testing.T) { testSubmitSplit(t, h) })
	t.Run("QuotaFirst", func(t *testing.T) { testSubmitQuota(t, h) })
	t.Run("LostAnswer", func(t *testing.T) { testSubmitLost(t, h) })
	if h.PrefetchAction != "" {
		t.Run("PrefetchRate", func(t *testing.T) { testSubmitRate(t, h) })
	}
}

// SubmitURLs makes n URLs over hosts hosts.
func SubmitURLs(n, hosts int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("https://h%d.example.com/assets/%05d.js", i%hosts, i)
	}
	return out
}

func (h SubmitHarness) submitter(t *testing.T, e *env) (*submit.Submitter, *provider.Client, provider.Submitter) {
	t.Helper()
	c := e.open(t, 0)
	s, ok := submit.ForClient(c, nil)
	if !ok {
		t.Fatalf("%s driver does not implement provider.Submitter", h.Provider)
	}
	return s, c, s.API
}

func testSubmitSplit(t *testing.T, h SubmitHarness) {
	e := h.newEnv(t)
	s, _, api := h.submitter(t, e)
	lim, err := api.SubmitLimits(provider.Refresh, provider.TypeFile)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2500
	e.sim.SetQuota(h.Provider, cdnsim.KindRefresh, 100000)
	urls := SubmitURLs(n, h.Hosts)
	res, err := s.Submit(context.Background(), submit.Request{Kind: provider.Refresh, URLs: urls, Ref: "t-split"})
	if err != nil {
		t.Fatal(err)
	}
	want := len(submit.Split(urls, lim))
	st := e.sim.SubmitStats(h.Provider)
	if res.Submitted != n || len(res.Rejected) != 0 || res.Calls != want || st.Calls[h.RefreshAction] != int64(want) {
		t.Fatalf("submitted %d, rejected %d, %d calls (simulator saw %d); want %d in %d calls",
			res.Submitted, len(res.Rejected), res.Calls, st.Calls[h.RefreshAction], n, want)
	}
	if st.URLs != n || st.MaxURLsPerCall > lim.PerCall {
		t.Errorf("simulator took %d URLs, at most %d per call; want %d, at most %d", st.URLs, st.MaxURLsPerCall, n, lim.PerCall)
	}
	// Every returned id is a task of the simulator, and together they hold all the URLs.
	paths := map[string]bool{}
	for _, id := range res.TaskIDs {
		tk, ok := e.sim.Task(h.Provider, id)
		if !ok {
			t.Fatalf("returned id %s is no task of the simulator", id)
		}
		for _, o := range tk.Objects {
			paths[o.Path] = true
		}
	}
	if len(paths) != n {
		t.Errorf("the tasks hold %d distinct paths, want %d", len(paths), n)
	}
}

func testSubmitQuota(t *testing.T, h SubmitHarness) {
	if h.QuotaAction == "" {
		t.Skip("no quota API")
	}
	e := h.newEnv(t)
	s, _, _ := h.submitter(t, e)
	e.sim.SetQuota(h.Provider, cdnsim.KindRefresh, 1200)
	urls := SubmitURLs(2000, h.Hosts)
	res, err := s.Submit(context.Background(), submit.Request{Kind: provider.Refresh, URLs: urls, Ref: "t-quota"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Submitted != 1200 || len(res.Rejected) != 800 {
		t.Fatalf("submitted %d, rejected %d; want 1200 and 800", res.Submitted, len(res.Rejected))
	}
	for _, r := range res.Rejected {
		if !strings.Contains(r.Reason, "quota") || !strings.Contains(r.Reason, "1200") {
			t.Fatalf("rejected %s: reason %q names neither the quota nor what remained", r.URL, r.Reason)
		}
	}
	if st := e.sim.SubmitStats(h.Provider); st.URLs != 1200 || st.Calls[h.QuotaAction] != 1 {
		t.Errorf("simulator took %d URLs with %d quota calls; want 1200 and 1", st.URLs, st.Calls[h.QuotaAction])
	}
}

func testSubmitLost(t *testing.T, h SubmitHarness) {
	e := h.newEnv(t)
	s, c, _ := h.submitter(t, e)
	e.sim.SetQuota(h.Provider, cdnsim.KindRefresh, 100000)
	e.sim.LoseSubmitAnswers(h.Provider, 1)
	urls := SubmitURLs(50, 1)
	res, err := s.Submit(context.Background(), submit.Request{Kind: provider.Refresh, URLs: urls, Ref: "t-lost"})
	if err != nil {
		t.Fatal(err)
	}
	st := e.sim.SubmitStats(h.Provider)
	if st.URLs != 50 {
		t.Fatalf("the simulator took %d URLs for 50 after a lost answer: submitted twice (or not at all)", st.URLs)
	}
	if res.Submitted != 50 || len(res.TaskIDs) == 0 || len(res.Rejected) != 0 {
		t.Fatalf("result %+v: want the 50 URLs in the task the lost call created", res)
	}
	if _, ok := e.sim.Task(h.Provider, res.TaskIDs[0]); !ok {
		t.Errorf("task %s is not the simulator's", res.TaskIDs[0])
	}
	// The by-id query answers for the task a submit created, with its URLs.
	e.clock.Advance(time.Hour)
	tasks, err := c.Query(context.Background(), res.TaskIDs)
	if err != nil {
		t.Fatal(err)
	}
	objs := 0
	for _, id := range res.TaskIDs {
		tk := tasks[id]
		if tk.Status != provider.Complete && h.NoFailedState == "" {
			t.Errorf("task %s is %s an hour later, want complete", id, tk.Status)
		}
		objs += len(tk.Objects)
	}
	if objs != 50 && h.ListNoPaths == "" {
		t.Errorf("the by-id query answered %d objects, want 50", objs)
	}
}

func testSubmitRate(t *testing.T, h SubmitHarness) {
	e := h.newEnv(t)
	s, _, api := h.submitter(t, e)
	lim, err := api.SubmitLimits(provider.Prefetch, provider.TypeFile)
	if err != nil {
		t.Fatal(err)
	}
	calls := int(lim.QPS*1.5) + 2 // more than one second's worth
	n := calls * lim.PerCall
	e.sim.SetQuota(h.Provider, cdnsim.KindPrefetch, n)
	start := time.Now()
	res, err := s.Submit(context.Background(), submit.Request{Kind: provider.Prefetch, URLs: SubmitURLs(n, 1), Ref: "t-rate"})
	if err != nil {
		t.Fatal(err)
	}
	st := e.sim.Stats(h.Provider)
	if res.Submitted != n || st.Throttled != 0 {
		t.Fatalf("submitted %d of %d; the simulator throttled %d calls (the client must keep %.0f/s)", res.Submitted, n, st.Throttled, lim.QPS)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("%d calls in %v: faster than %.0f/s", calls, el, lim.QPS)
	}
}
