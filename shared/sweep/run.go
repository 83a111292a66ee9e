package sweep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
)

// Opener gives the provider client for a sweep (provider id and scope). The engine's
// client cache fits, so a warm function reuses connections and token buckets.
type Opener func(ctx context.Context, name string, scope map[string]string) (*provider.Client, error)

// Runner runs ticks with real I/O: list, group, deliver.
type Runner struct {
	Open       Opener
	Dispatcher *notify.Dispatcher
	// Now is the wall clock, used only to check the window against the provider's
	// retention as of the listing; nil means time.Now. The window itself comes from the
	// tick's time, never from this clock.
	Now    func() time.Time
	Logger *slog.Logger
}

// Result is what one tick did.
type Result struct {
	Window   Window        `json:"window"`
	Digest   Digest        `json:"digest"`
	Notice   notify.Notice `json:"notice"`
	Calls    int64         `json:"calls"`
	Listing  time.Duration `json:"-"`
	Delivery notify.Report `json:"-"`
}

// DeliveryError: the digest was built but not every channel took it. A sweep keeps no
// state to carry the notice to a later hop, so the tick fails, and the platform's retry
// of the same trigger time rebuilds the same notice under the same id.
type DeliveryError struct {
	NoticeID string
	Err      error
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("sweep digest %s not delivered: %v", e.NoticeID, e.Err)
}
func (e *DeliveryError) Unwrap() error { return e.Err }

// OpenError: the provider could not be opened (unknown id, bad configuration, missing
// credentials). provider.Refused tells the credential cases apart.
type OpenError struct {
	Provider string
	Err      error
}

func (e *OpenError) Error() string { return fmt.Sprintf("open provider %s: %v", e.Provider, e.Err) }
func (e *OpenError) Unwrap() error { return e.Err }

// Plan checks a sweep against the provider's listing and returns the window of the tick
// at time at. It makes no call. Errors are *ConfigError: a provider without listing, a
// sweep reaching back past the provider's retention, or a tick so old that its window
// has already left the retention as of now.
func Plan(doc *Document, lim provider.ListLimits, canList bool, at, now time.Time) (Window, error) {
	s := doc.Sweep
	if !canList {
		return Window{}, &ConfigError{Field: "sweep.provider",
			Problem: fmt.Sprintf("provider %s cannot list tasks by time, so it cannot be swept (watch its task ids instead)", s.Provider),
			Err:     provider.ErrNoListing}
	}
	win := WindowAt(at, s.Window.D, s.Settle.D)
	if r := lim.Retention; r > 0 {
		if reach := Reach(s.Window.D, s.Settle.D); reach > r {
			return Window{}, &ConfigError{Field: "sweep.window",
				Problem: fmt.Sprintf("window %s plus settle %s reaches back up to %s, past %s's retention of %s; "+
					"shorten the window or the settle", s.Window.D, s.Settle.D, reach, s.Provider, r)}
		}
		if oldest := now.Add(-r); win.From.Before(oldest) {
			return Window{}, &ConfigError{Field: "at",
				Problem: fmt.Sprintf("the window %s of the tick at %s starts before %s, the oldest %s keeps (%s)",
					win, at.UTC().Format(time.RFC3339), oldest.UTC().Format(time.RFC3339), s.Provider, r)}
		}
	}
	if win.To.After(now) {
		// A tick from the future (a wrong --at, a skewed clock) would list a window
		// whose tasks are still being created and report them incompletely.
		return Window{}, &ConfigError{Field: "at",
			Problem: fmt.Sprintf("the window %s of the tick at %s has not ended yet", win, at.UTC().Format(time.RFC3339))}
	}
	return win, nil
}

// Tick lists the window of the tick at time at and builds the digest, without
// delivering it.
func (r *Runner) Tick(ctx context.Context, doc *Document, at time.Time) (Result, error) {
	s := doc.Sweep
	client, err := r.Open(ctx, s.Provider, s.Scope)
	if err != nil {
		return Result{}, &OpenError{Provider: s.Provider, Err: err}
	}
	lim, ok := client.ListLimits()
	win, err := Plan(doc, lim, ok, at, r.now())
	if err != nil {
		return Result{}, err
	}
	start, before := time.Now(), client.ListCalls()
	tasks, err := client.ListTasks(ctx, provider.ListQuery{From: win.From, To: win.To, Domains: s.Domains, Scope: s.Scope})
	res := Result{Window: win, Calls: client.ListCalls() - before, Listing: time.Since(start)}
	if err != nil {
		return res, fmt.Errorf("sweep %s %s: %w", s.Provider, win, err)
	}
	res.Digest = Group(win, tasks)
	res.Notice = Notice(s, res.Digest, at)
	return res, nil
}

// Run is one tick: list, group, deliver. Any delivery failure fails the tick (see
// DeliveryError).
func (r *Runner) Run(ctx context.Context, doc *Document, at time.Time) (Result, error) {
	res, err := r.Tick(ctx, doc, at)
	if err != nil {
		return res, err
	}
	box := &notify.Outbox{}
	box.Add(res.Notice)
	rep := r.Dispatcher.Deliver(ctx, box, doc.Notify)
	res.Delivery = rep
	r.logger().InfoContext(ctx, "sweep",
		"sweep", res.Notice.WatchID, "notice", res.Notice.ID, "provider", doc.Sweep.Provider,
		"from", res.Window.From.Format(time.RFC3339), "to", res.Window.To.Format(time.RFC3339),
		"tasks", res.Digest.Total, "complete", len(res.Digest.Complete), "failed", len(res.Digest.Failed),
		"running", len(res.Digest.Running), "calls", res.Calls, "listing", res.Listing.Round(time.Millisecond).String(),
		"delivered", rep.Total(), "queued", rep.Queued)
	switch {
	case rep.Queued > 0 || len(rep.Disabled) > 0:
		// A channel failed for now (queued) or for good (disabled). Either way this tick
		// must fail: there is no state to carry the notice to a later hop.
		err := rep.Err()
		if err == nil {
			err = errors.New("a channel did not take it")
		}
		return res, &DeliveryError{NoticeID: res.Notice.ID, Err: err}
	case rep.Total() == 0:
		// No channel configured (or none of the named ones): as for a watch, the notice
		// is only logged; failing would retry for ever what configuration must fix.
		r.logger().WarnContext(ctx, "sweep digest not sent: no notification channel configured for it",
			"notice", res.Notice.ID, "targets", doc.Notify, "unknown", rep.Unknown)
	case len(rep.Unknown) > 0:
		r.logger().WarnContext(ctx, "sweep digest not sent to unconfigured channels", "unknown", rep.Unknown)
	}
	return res, nil
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}
