package bench

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// DelayResult compares how soon a poller sees tasks finish and what it spends.
type DelayResult struct {
	Strategy     string
	Watches      int
	Tasks        int
	P50, P95     time.Duration // task finished → poll that saw it (the notice's hop)
	Max          time.Duration
	CallsPerWtch float64 // API calls per watch
}

// DelayScenario is the simulated population: Watches deploys of Tasks tasks each.
type DelayScenario struct {
	Provider string
	Watches  int
	Tasks    int
}

// MeasureDelay runs the scenario on a virtual clock for cdnwatch's schedule and for fixed
// intervals. Each strategy sees the same tasks (same seeds); the simulator reports
// progress the way the seed shows it ("99.37%"), linear in time.
func MeasureDelay(ctx context.Context, sc DelayScenario, fixed ...time.Duration) ([]DelayResult, error) {
	var out []DelayResult
	strategies := append([]time.Duration{0}, fixed...)
	for _, every := range strategies {
		res := DelayResult{Strategy: "cdnwatch adaptive", Watches: sc.Watches}
		if every > 0 {
			res.Strategy = fmt.Sprintf("fixed %s poll", every)
		}
		var delays []time.Duration
		var calls int64
		for w := 0; w < sc.Watches; w++ {
			d, c, err := runOne(ctx, sc, int64(w+1), every)
			if err != nil {
				return nil, fmt.Errorf("%s, watch %d: %w", res.Strategy, w, err)
			}
			delays = append(delays, d...)
			calls += c
		}
		slices.Sort(delays)
		res.Tasks = len(delays)
		res.P50 = delays[len(delays)*50/100]
		res.P95 = delays[len(delays)*95/100]
		res.Max = delays[len(delays)-1]
		res.CallsPerWtch = float64(calls) / float64(sc.Watches)
		out = append(out, res)
	}
	return out, nil
}

// recorder notes, on the virtual clock, when each task is first seen finished.
type recorder struct {
	provider.Driver
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]time.Time
}

func (r *recorder) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	objs, err := r.Driver.Describe(ctx, ids)
	if err != nil {
		return nil, err
	}
	by := map[string][]provider.Object{}
	for _, o := range objs {
		by[o.TaskID] = append(by[o.TaskID], o)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, os := range by {
		if _, ok := r.seen[id]; !ok && provider.Aggregate(id, os).Status.Terminal() {
			r.seen[id] = r.now()
		}
	}
	return objs, nil
}

func runOne(ctx context.Context, sc DelayScenario, seed int64, every time.Duration) ([]time.Duration, int64, error) {
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	clock := cdnsim.NewManualClock(t0)
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: KeyID, AccessKeySecret: Secret, Now: clock.Now,
		// Virtual time runs far faster than the wall clock the rate limits use.
		Limits: map[string]cdnsim.Limits{sc.Provider: {QPS: 1e6}}})
	srv := httptest.NewServer(sim.Handler(sc.Provider))
	defer srv.Close()
	ids := sim.Populate(sc.Provider, cdnsim.Population{Count: sc.Tasks, Seed: seed, FailRate: 0.1, MultiRate: 0.1,
		PreloadRate: 0.3})
	base, err := provider.Open(ctx, sc.Provider, provider.Config{Endpoint: srv.URL, QPS: 1e6, Scope: Scope(sc.Provider),
		Credentials: &provider.Credentials{AccessKeyID: KeyID, AccessKeySecret: Secret}})
	if err != nil {
		return nil, 0, err
	}
	rec := &recorder{Driver: base.Driver(), now: clock.Now, seen: map[string]time.Time{}}
	cl := provider.NewClient(rec, 1e6)

	if every == 0 {
		eng := &engine.Engine{
			Open:       func(context.Context, *watch.Document) (*provider.Client, error) { return cl, nil },
			Dispatcher: &notify.Dispatcher{Logger: discard},
			Policy:     watch.DefaultPolicy(),
			Now:        clock.Now,
			Sleep:      func(_ context.Context, d time.Duration) error { clock.Advance(d); return nil },
			Logger:     discard,
		}
		doc := &watch.Document{V: 1, Provider: sc.Provider, TaskIDs: ids, Scope: Scope(sc.Provider)}
		if _, err := eng.Run(ctx, doc, t0.Add(24*time.Hour)); err != nil {
			return nil, 0, err
		}
	} else {
		pending := slices.Clone(ids)
		for len(pending) > 0 && clock.Now().Before(t0.Add(2*time.Hour)) {
			got, err := cl.Query(ctx, pending)
			if err != nil {
				return nil, 0, err
			}
			pending = slices.DeleteFunc(pending, func(id string) bool { return got[id].Status.Terminal() })
			if len(pending) > 0 {
				clock.Advance(every)
			}
		}
	}
	var delays []time.Duration
	for _, id := range ids {
		t, ok := sim.Task(sc.Provider, id)
		if !ok {
			return nil, 0, fmt.Errorf("task %s vanished", id)
		}
		var end time.Duration
		for _, o := range t.Objects {
			end = max(end, o.PendingFor+o.Duration)
		}
		seen, ok := rec.seen[id]
		if !ok {
			return nil, 0, fmt.Errorf("task %s never seen finished", id)
		}
		delays = append(delays, max(0, seen.Sub(t.Created.Add(end))))
	}
	return delays, cl.Calls(), nil
}
