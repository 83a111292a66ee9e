// Package engine runs a watch with real I/O around the pure watch.Step: it asks the
// provider for the pending ids, steps the document, and delivers the outbox. The CLI and
// both serverless functions share it; only how they continue differs.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// Opener gives the provider client for a document (provider id and scope).
type Opener func(ctx context.Context, doc *watch.Document) (*provider.Client, error)

// NoFailedStater is an optional Driver interface for providers without a failed state.
type NoFailedStater interface{ NoFailedState() bool }

// Engine runs hops. The zero value is not usable: set Open and Dispatcher.
type Engine struct {
	Open       Opener
	Dispatcher *notify.Dispatcher
	Policy     watch.Policy
	// StateKey, when set, seals every document it returns (CDNWATCH_STATE_KEY).
	StateKey []byte
	Now      func() time.Time
	// Sleep waits between in-process hops; nil means a timer that ends with ctx.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
	// OnHop, when set, is told about every hop (the CLI's progress display).
	OnHop func(Hop)
	// MaxDeliveryHops, when > 0, ends Run after that many hops spent only re-delivering a
	// finished watch's notices (the command's patience); the notices stay in the document.
	// Zero leaves the bound to watch.MaxDeliveryAttempts (a function continuing by queue).
	MaxDeliveryHops int
}

// Hop is the outcome of one poll-step-deliver round.
type Hop struct {
	watch.Result
	Delivery notify.Report
	// Calls is the number of provider API calls this hop made.
	Calls int64
}

// Done reports whether the watch needs no further hop.
func (h Hop) Done() bool { return h.Doc.Done() }

// Step runs one hop: poll the pending ids once, step, deliver. On error the document is
// unchanged and nothing is lost; the error says whether the provider refused us
// (provider.Refused) or the call can be tried again.
func (e *Engine) Step(ctx context.Context, doc *watch.Document) (Hop, error) {
	var (
		obs   map[string]provider.Task
		info  watch.Info
		calls int64
	)
	if due := watch.DueIDs(doc, e.now(), 1); len(due) > 0 {
		client, err := e.Open(ctx, doc)
		if err != nil {
			return Hop{}, &OpenError{Provider: doc.Provider, Err: err}
		}
		due = watch.DueIDs(doc, e.now(), client.Limits().IDsPerCall)
		if nf, ok := client.Driver().(NoFailedStater); ok {
			info.NoFailedState = nf.NoFailedState()
		}
		before := client.Calls()
		obs, err = client.Query(ctx, due)
		calls = client.Calls() - before
		if err != nil {
			return Hop{Calls: calls}, err
		}
	}
	res := watch.Step(doc, obs, e.now(), e.Policy, info)
	res.Doc.State.Calls += calls
	rep := e.Dispatcher.Deliver(ctx, &res.Doc.State.Outbox, res.Doc.Notify)
	for _, err := range rep.Errors {
		e.logger().Warn("notice not delivered; kept for the next hop",
			"watch", res.Doc.State.ID, "err", err.Error())
	}
	if !res.Doc.Finished() {
		// Live progress goes only to channels that edit one message in place (the Slack
		// bot); best effort, never queued. A finished watch's summary already put that
		// message in its final state, so no progress follows it.
		prep := e.Dispatcher.DeliverProgress(ctx, &res.Doc.State.Outbox, res.Progress, res.Doc.Notify)
		rep.Errors = append(rep.Errors, prep.Errors...)
		rep.Disabled = append(rep.Disabled, prep.Disabled...)
	}
	if res.Doc.Done() {
		res.Wait = 0
		if res.Doc.DeliveryExhausted() {
			ids := make([]string, 0, len(res.Doc.State.Outbox.Queue))
			for _, q := range res.Doc.State.Outbox.Queue {
				ids = append(ids, q.Notice.ID)
			}
			e.logger().Error("giving up delivery after every attempt; the notices stay in the returned document",
				"watch", res.Doc.State.ID, "notices", ids, "attempts", watch.MaxDeliveryAttempts)
		}
	}
	if err := watch.Seal(res.Doc, e.StateKey); err != nil {
		return Hop{}, fmt.Errorf("seal watch document: %w", err)
	}
	h := Hop{Result: res, Delivery: rep, Calls: calls}
	e.logger().Info("hop",
		"watch", res.Doc.State.ID, "provider", res.Doc.Provider, "hop", res.Doc.State.Hops,
		"pending", len(res.Doc.TaskIDs), "complete", res.Doc.State.Complete, "failed", res.Doc.State.Failed,
		"unknown", res.Doc.State.Unknown, "notices", len(res.Notices), "delivered", rep.Total(),
		"queued", rep.Queued, "calls", calls, "wait", res.Wait.String(), "finished", res.Doc.State.Finished)
	if e.OnHop != nil {
		e.OnHop(h)
	}
	return h, nil
}

// OpenError: the provider could not be opened (unknown id, bad configuration). Trying
// again will not help, so Run returns it at once.
type OpenError struct {
	Provider string
	Err      error
}

func (e *OpenError) Error() string { return fmt.Sprintf("open provider %s: %v", e.Provider, e.Err) }
func (e *OpenError) Unwrap() error { return e.Err }

// Permanent reports whether err can never succeed on retry: a refusal by the provider or
// a provider that cannot be opened.
func Permanent(err error) bool {
	var oe *OpenError
	return provider.Refused(err) || errors.As(err, &oe)
}

// MaxTransientErrors bounds consecutive failed polls in one Run: a provider that stays
// down ends the run with an error rather than retrying forever.
const MaxTransientErrors = 5

// Run hops in process until the watch is done or the next hop would start after until.
// It returns the last hop; its document is what to continue with when not done.
func (e *Engine) Run(ctx context.Context, doc *watch.Document, until time.Time) (Hop, error) {
	cur := doc
	last := Hop{}
	failures, deliveryHops := 0, 0
	for {
		if cur.Finished() {
			deliveryHops++
		}
		h, err := e.Step(ctx, cur)
		if err != nil {
			if Permanent(err) || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
				return last, err
			}
			failures++
			if failures >= MaxTransientErrors {
				return last, fmt.Errorf("%d polls in a row failed, last: %w", failures, err)
			}
			wait := min(time.Duration(1<<failures)*time.Second, e.policyMax())
			e.logger().Warn("poll failed; will retry", "attempt", failures, "wait", wait.String(), "err", err.Error())
			if !e.now().Add(wait).Before(until) {
				return last, err
			}
			if err := e.sleep(ctx, wait); err != nil {
				return last, err
			}
			continue
		}
		failures = 0
		last = h
		cur = h.Doc
		if h.Done() || (e.MaxDeliveryHops > 0 && deliveryHops >= e.MaxDeliveryHops) {
			return h, nil
		}
		if !e.now().Add(h.Wait).Before(until) {
			return h, nil
		}
		if err := e.sleep(ctx, h.Wait); err != nil {
			return h, err
		}
	}
}

func (e *Engine) policyMax() time.Duration {
	if e.Policy.Max > 0 {
		return e.Policy.Max
	}
	return watch.DefaultPolicy().Max
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

// ClientCache opens each (provider, scope) once and reuses it, so the token bucket and
// connection pool survive across hops of one process.
type ClientCache struct {
	Config func(name string) (provider.Config, error)
	mu     sync.Mutex
	byKey  map[string]*provider.Client
}

// NewClientCache returns a cache whose Open uses cfg for each provider's Config.
func NewClientCache(cfg func(name string) (provider.Config, error)) *ClientCache {
	return &ClientCache{Config: cfg, byKey: map[string]*provider.Client{}}
}

// Open implements Opener.
func (c *ClientCache) Open(ctx context.Context, doc *watch.Document) (*provider.Client, error) {
	key := doc.Provider + "\x00" + fmt.Sprint(doc.Scope)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.byKey[key]; ok {
		return cl, nil
	}
	cfg, err := c.Config(doc.Provider)
	if err != nil {
		return nil, err
	}
	cfg.Scope = doc.Scope
	cl, err := provider.Open(ctx, doc.Provider, cfg)
	if err != nil {
		return nil, err
	}
	c.byKey[key] = cl
	return cl, nil
}
