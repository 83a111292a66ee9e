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
	// CheckNotify, when set, rejects a document whose notify list names a channel that is
	// unknown or not configured (config.Env.CheckNotify): a watch would otherwise run to its
	// end and tell nobody.
	CheckNotify func(names []string) error
}

// Hop is the outcome of one poll-step-deliver round.
type Hop struct {
	watch.Result
	Delivery notify.Report
	// Calls is the number of provider API calls this hop made.
	Calls int64
	// ProviderErr is why some calls of this hop were not answered (nil when all were);
	// their ids stay pending and are asked again after a backoff.
	ProviderErr error
	// FailingSince is when the provider began failing (zero when healthy).
	FailingSince time.Time
	// Unanswered counts the ids whose call failed this hop.
	Unanswered int
	// Observed are the provider's answers of this hop, by task id (a display keeps each
	// task's last known progress from them).
	Observed map[string]provider.Task
}

// Done reports whether the watch needs no further hop.
func (h Hop) Done() bool { return h.Doc.Done() }

// Step runs one hop: poll the due ids once, step, deliver. A poll keeps every answered
// call: ids whose call failed (5xx, throttling, network, the deadline) stay pending and
// are due again after a backoff, so transient trouble never ends a watch before its
// timeout. Step returns an error only when trying again cannot help (the provider refused
// us, the provider or a notify channel is not configured) or the document cannot be
// sealed; the document passed in is then unchanged and nothing is lost.
func (e *Engine) Step(ctx context.Context, doc *watch.Document) (Hop, error) {
	if e.CheckNotify != nil {
		if err := e.CheckNotify(doc.Notify); err != nil {
			return Hop{}, err
		}
	}
	var (
		obs     map[string]provider.Task
		info    watch.Info
		calls   int64
		pollErr error
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
			if provider.Refused(err) {
				return Hop{Calls: calls}, err
			}
			pollErr = err
			var qe *provider.QueryError
			if errors.As(err, &qe) {
				info.Unanswered = qe.IDs
			} else {
				// An error that does not say which ids: none of the due ids was answered.
				obs, info.Unanswered = nil, due
			}
		}
	}
	failing, since := 0, int64(0)
	if doc.State != nil {
		failing, since = doc.State.Failing, doc.State.FailingSince
	}
	if len(info.Unanswered) > 0 {
		failing++
		if since == 0 {
			since = e.now().Unix()
		}
		info.RetryIn = e.retryIn(failing)
		e.logger().Warn("provider calls not answered; their ids are asked again after a backoff",
			"watch", watchID(doc), "provider", doc.Provider, "ids", len(info.Unanswered),
			"failingHops", failing, "retryIn", info.RetryIn.String(), "err", pollErr.Error())
	} else if obs != nil {
		failing, since = 0, 0
	}
	res := watch.Step(doc, obs, e.now(), e.Policy, info)
	res.Doc.State.Calls += calls
	res.Doc.State.Failing, res.Doc.State.FailingSince = failing, since
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
	h := Hop{Result: res, Delivery: rep, Calls: calls, ProviderErr: pollErr, Unanswered: len(info.Unanswered), Observed: obs}
	if since > 0 {
		h.FailingSince = time.Unix(since, 0)
	}
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

// Permanent reports whether err can never succeed on retry: a refusal by the provider, a
// provider that cannot be opened, or a notify channel that is not configured.
func Permanent(err error) bool {
	var (
		oe *OpenError
		ue *notify.UnconfiguredError
	)
	return provider.Refused(err) || errors.As(err, &oe) || errors.As(err, &ue)
}

// Run hops in process until the watch is done, ctx ends, or the next hop would start
// after until. It returns the last hop; its document is what to continue with when not
// done (on an error too: the last good document, nil only when no hop succeeded).
// Provider trouble does not end Run: Step keeps what was answered and backs off.
func (e *Engine) Run(ctx context.Context, doc *watch.Document, until time.Time) (Hop, error) {
	cur := doc
	last := Hop{}
	deliveryHops := 0
	for {
		if cur.Finished() {
			deliveryHops++
		}
		h, err := e.Step(ctx, cur)
		if err != nil {
			return last, err
		}
		last = h
		cur = h.Doc
		if h.Done() || (e.MaxDeliveryHops > 0 && deliveryHops >= e.MaxDeliveryHops) {
			return h, nil
		}
		if ctx.Err() != nil {
			return h, context.Cause(ctx)
		}
		if !e.now().Add(h.Wait).Before(until) {
			return h, nil
		}
		if err := e.sleep(ctx, h.Wait); err != nil {
			return h, err
		}
	}
}

// retryIn is the backoff for ids whose call failed, by failing hops in a row: 2 s
// doubling, never past the policy's longest wait (the document's interval lowers that
// further in the schedule), so a provider that comes back is seen within one interval.
func (e *Engine) retryIn(failing int) time.Duration {
	return min(2*time.Second<<min(failing-1, 10), e.policyMax())
}

func watchID(d *watch.Document) string {
	if d.State == nil {
		return ""
	}
	return d.State.ID
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
