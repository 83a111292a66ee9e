package bench

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"math"
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

// Poller is a way of waiting for tasks that the delay comparison runs.
type Poller string

// The pollers compared. The waiters are modelled on what the tools really do, not on a
// kinder version of them.
const (
	// PollAdaptive is cdnwatch: the engine and watch.Step with the default policy.
	PollAdaptive Poller = "cdnwatch adaptive"
	// PollAWSWaiter is `aws cloudfront wait invalidation-completed --id X`, one process per
	// task: botocore's waiter model for CloudFront InvalidationCompleted is GetInvalidation
	// (one id per call), "delay": 20, "maxAttempts": 30
	// (github.com/boto/botocore, botocore/data/cloudfront/2020-05-31/waiters-2.json). It
	// calls, sleeps 20 s, and after the 30th call (580 s) exits with "Max attempts
	// exceeded": a task still running then is never reported.
	PollAWSWaiter Poller = "aws cli waiter (1 id/call, 20 s, 30 tries)"
	// PollAliyunWaiter is `aliyun cdn DescribeRefreshTaskById --TaskId X --waiter
	// expr=Tasks[0].Status to=Complete`, one process per task: the aliyun CLI's waiter
	// calls, stops on a match, fails once more than timeout (default 180 s) has passed,
	// else sleeps interval (default 5 s) (github.com/aliyun/aliyun-cli, openapi/waiter.go).
	// Its expression reads one task's status, so one id per call. We let it stop on a
	// failed task too (kinder than to=Complete, which would wait out the timeout).
	PollAliyunWaiter Poller = "aliyun cli waiter (1 id/call, 5 s, 180 s)"
	// PollFixed20 and PollFixed5 ask for every pending id (10 per call) every 20 s / 5 s
	// until all are done or the default timeout (2 h) passes.
	PollFixed20 Poller = "fixed 20 s batched poll"
	PollFixed5  Poller = "fixed 5 s batched poll"
)

// AllPollers are the pollers of the report, cdnwatch first.
var AllPollers = []Poller{PollAdaptive, PollAWSWaiter, PollAliyunWaiter, PollFixed20, PollFixed5}

// Never stands for the delay of a task its poller never reported.
const Never = time.Duration(math.MaxInt64)

// DelayResult compares how soon a poller sees tasks finish and what it spends.
type DelayResult struct {
	Poller  Poller
	Shape   cdnsim.Shape
	Watches int
	Tasks   int
	// P50, P95, Max: task finished → the call that saw it (the hop that sends its notice).
	// A task never reported counts as Never, so a poller that gives up cannot look fast.
	P50, P95, Max time.Duration
	// Unreported counts the tasks the poller never saw finish.
	Unreported    int
	CallsPerWatch float64
}

// DelayScenario is the simulated population: Watches deploys of Tasks tasks each, all
// created at the start of their deploy. Each deploy runs on its own virtual clock; within
// it every call costs its turn at the provider's documented rate.
type DelayScenario struct {
	Provider string
	Watches  int
	Tasks    int
	// Shape is how the tasks report progress (cdnsim.ShapeMix: each task its own).
	Shape cdnsim.Shape
	// ShortRate is the fraction of refreshes that take only 5–120 s.
	ShortRate float64
}

// DelayPopulation is the population of every deploy of sc (seeded by the deploy number):
// refreshes 1–10 min (ShortRate of them 5–120 s), prefetches (30 %) 5–30 min, after 0–30 s
// pending; 10 % fail; 10 % cover several objects.
func DelayPopulation(sc DelayScenario, seed int64) cdnsim.Population {
	return cdnsim.Population{Count: sc.Tasks, Seed: seed, FailRate: 0.1, MultiRate: 0.1, PreloadRate: 0.3,
		ShortRate: sc.ShortRate, Shape: sc.Shape}
}

// MeasureDelay runs the scenario for each poller. Every poller sees the same tasks.
func MeasureDelay(ctx context.Context, sc DelayScenario, pollers ...Poller) ([]DelayResult, error) {
	if len(pollers) == 0 {
		pollers = AllPollers
	}
	var out []DelayResult
	for _, p := range pollers {
		res := DelayResult{Poller: p, Shape: sc.Shape, Watches: sc.Watches}
		var delays []time.Duration
		var calls int64
		for w := 0; w < sc.Watches; w++ {
			d, c, err := runOne(ctx, sc, int64(w+1), p)
			if err != nil {
				return nil, fmt.Errorf("%s, %s, watch %d: %w", p, sc.Shape, w, err)
			}
			delays = append(delays, d...)
			calls += c
		}
		if len(delays) == 0 {
			return nil, fmt.Errorf("%s: no tasks", p)
		}
		slices.Sort(delays)
		res.Tasks = len(delays)
		res.P50 = delays[len(delays)*50/100]
		res.P95 = delays[len(delays)*95/100]
		res.Max = delays[len(delays)-1]
		for _, d := range delays {
			if d == Never {
				res.Unreported++
			}
		}
		res.CallsPerWatch = float64(calls) / float64(sc.Watches)
		out = append(out, res)
	}
	return out, nil
}

// account is the provider account on the virtual clock: calls are served one at a time,
// each in its own slot 1/QPS after the previous one, so a poller that makes many calls
// waits for its turn like it would against the real rate limit.
type account struct {
	provider.Driver
	clock *cdnsim.ManualClock
	gap   time.Duration
	mu    sync.Mutex
	next  time.Time
	calls int64
	seen  map[string]time.Time // when each task was first seen finished
}

func (a *account) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now := a.clock.Now(); now.Before(a.next) {
		a.clock.Set(a.next) // wait for our turn
	}
	at := a.clock.Now()
	a.next = at.Add(a.gap)
	a.calls++
	objs, err := a.Driver.Describe(ctx, ids)
	if err != nil {
		return nil, err
	}
	by := map[string][]provider.Object{}
	for _, o := range objs {
		by[o.TaskID] = append(by[o.TaskID], o)
	}
	for id, os := range by {
		if _, ok := a.seen[id]; !ok && provider.Aggregate(id, os).Status.Terminal() {
			a.seen[id] = at
		}
	}
	return objs, nil
}

func (a *account) done(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.seen[id]
	return ok
}

func runOne(ctx context.Context, sc DelayScenario, seed int64, p Poller) ([]time.Duration, int64, error) {
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	clock := cdnsim.NewManualClock(t0)
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: KeyID, AccessKeySecret: Secret, Now: clock.Now,
		// The simulator's own limit counts wall-clock time; the account below enforces the
		// documented rate on the virtual clock instead.
		Limits: map[string]cdnsim.Limits{sc.Provider: {QPS: 1e6}}})
	srv := httptest.NewServer(sim.Handler(sc.Provider))
	defer srv.Close()
	ids := sim.Populate(sc.Provider, DelayPopulation(sc, seed))
	base, err := provider.Open(ctx, sc.Provider, provider.Config{Endpoint: srv.URL, QPS: 1e6, Scope: Scope(sc.Provider),
		Credentials: &provider.Credentials{AccessKeyID: KeyID, AccessKeySecret: Secret}})
	if err != nil {
		return nil, 0, err
	}
	lim := base.Driver().Limits()
	acct := &account{Driver: base.Driver(), clock: clock, gap: time.Duration(float64(time.Second) / lim.QPS),
		seen: map[string]time.Time{}}
	cl := provider.NewClient(acct, 1e6)
	until := t0.Add(watch.DefaultTimeout)

	switch p {
	case PollAdaptive:
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
	case PollFixed20, PollFixed5:
		every := 20 * time.Second
		if p == PollFixed5 {
			every = 5 * time.Second
		}
		pending := slices.Clone(ids)
		for len(pending) > 0 && clock.Now().Before(until) {
			got, err := cl.Query(ctx, pending)
			if err != nil {
				return nil, 0, err
			}
			pending = slices.DeleteFunc(pending, func(id string) bool { return got[id].Status.Terminal() })
			if len(pending) > 0 {
				clock.Advance(every)
			}
		}
	case PollAWSWaiter:
		if err := runWaiters(ctx, acct, clock, ids, 20*time.Second, func(calls int, _ time.Duration) bool { return calls >= 30 }); err != nil {
			return nil, 0, err
		}
	case PollAliyunWaiter:
		if err := runWaiters(ctx, acct, clock, ids, 5*time.Second, func(_ int, ran time.Duration) bool { return ran > 180*time.Second }); err != nil {
			return nil, 0, err
		}
	default:
		return nil, 0, fmt.Errorf("unknown poller %q", p)
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
		seen, ok := acct.seen[id]
		if !ok {
			if p == PollAdaptive || p == PollFixed20 || p == PollFixed5 {
				return nil, 0, fmt.Errorf("task %s never seen finished", id)
			}
			delays = append(delays, Never)
			continue
		}
		delays = append(delays, max(0, seen.Sub(t.Created.Add(end))))
	}
	return delays, acct.calls, nil
}

// runWaiters runs one waiter process per task, all started when the tasks were created:
// each asks for its one id, stops when it is finished, else gives up when giveUp says so
// (after the call) or sleeps every. The processes share the account, so they queue for
// the rate limit like separate CLI processes under one access key.
func runWaiters(ctx context.Context, acct *account, clock *cdnsim.ManualClock, ids []string, every time.Duration,
	giveUp func(calls int, ran time.Duration) bool) error {
	start := clock.Now()
	q := &waiterQueue{}
	for i, id := range ids {
		heap.Push(q, waiter{at: start, order: i, id: id})
	}
	for q.Len() > 0 {
		w := heap.Pop(q).(waiter)
		if clock.Now().Before(w.at) {
			clock.Set(w.at)
		}
		if _, err := acct.Describe(ctx, []string{w.id}); err != nil {
			return fmt.Errorf("waiter for %s: %w", w.id, err)
		}
		w.calls++
		if acct.done(w.id) || giveUp(w.calls, clock.Now().Sub(start)) {
			continue
		}
		w.at = clock.Now().Add(every)
		heap.Push(q, w)
	}
	return nil
}

type waiter struct {
	at    time.Time
	order int
	id    string
	calls int
}

// waiterQueue orders waiters by their next call, ties by task order (deterministic).
type waiterQueue []waiter

func (q waiterQueue) Len() int { return len(q) }
func (q waiterQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].order < q[j].order
}
func (q waiterQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *waiterQueue) Push(x any)   { *q = append(*q, x.(waiter)) }
func (q *waiterQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	*q = old[:len(old)-1]
	return w
}

// DelayShortRate is the share of short (5–120 s) refreshes in the report's populations.
const DelayShortRate = 0.25

// WriteDelayReport measures every shape (and the mix) for every poller and writes the
// markdown section of BENCHMARKS.md.
func WriteDelayReport(ctx context.Context, w io.Writer, provider string, watches, tasks int, logf func(string, ...any)) error {
	fmt.Fprintf(w, "\n## Notice delay and API cost\n\n")
	fmt.Fprintf(w, "%d simulated deploys of %d %s tasks each, on a virtual clock: refreshes take 1–10 min (%.0f%% of them\n", watches, tasks, provider, 100*DelayShortRate)
	fmt.Fprintf(w, "only 5–120 s), prefetches (30%%) 5–30 min, after 0–30 s pending; 10%% fail, 10%% cover several objects.\n")
	fmt.Fprintf(w, "Every call costs its turn at the provider's documented rate (one slot per 1/QPS; waiters of one deploy\n")
	fmt.Fprintf(w, "share the account). Progress shapes: linear (what the estimate assumes), step25 (25%% steps), square\n")
	fmt.Fprintf(w, "(∝ f²), stuck (0%% until done), mix (each task one of the four). Delay = task finished → the call that saw\n")
	fmt.Fprintf(w, "it (the hop that sends its notice); a task a poller never reports counts as never.\n\n")
	fmt.Fprintf(w, "| shape | poller | tasks | p50 delay | p95 delay | max delay | API calls per watch | unreported |\n|---|---|---|---|---|---|---|---|\n")
	for _, sh := range cdnsim.Shapes {
		logf("notice delay: %s", sh)
		res, err := MeasureDelay(ctx, DelayScenario{Provider: provider, Watches: watches, Tasks: tasks, Shape: sh, ShortRate: DelayShortRate})
		if err != nil {
			return err
		}
		for _, r := range res {
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %.1f | %d |\n", sh, r.Poller, r.Tasks, fmtDelay(r.P50), fmtDelay(r.P95),
				fmtDelay(r.Max), r.CallsPerWatch, r.Unreported)
		}
	}
	return nil
}

func fmtDelay(d time.Duration) string {
	if d == Never {
		return "never"
	}
	return d.Round(100 * time.Millisecond).String()
}
