package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Defaults for the zero Dispatcher fields.
const (
	DefaultMaxAttempts       = 4
	DefaultPerChannelTimeout = 10 * time.Second
	DefaultBaseBackoff       = time.Second
	DefaultMaxBackoff        = 30 * time.Second
)

// Dispatcher delivers a watch's outbox with the rules every channel shares: oldest notice
// first, retry with backoff on temporary errors, disable a channel on permanent ones, and
// drop a notice from the outbox only once every target acknowledged it (or is disabled).
//
// A Dispatcher holds no per-watch state, so one can serve many watches; it is safe for
// concurrent use as long as each call gets its own Outbox.
type Dispatcher struct {
	// Channels are the configured channels, in the order "every channel" means.
	Channels []Channel
	// Logger receives delivery logs; nil means slog.Default(). Error strings are passed
	// through Redact first, but channels must still keep their secrets out of errors.
	Logger *slog.Logger
	// Now is the clock used against ctx's deadline; nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil means a timer that stops early when ctx ends.
	// Tests inject one that records the durations and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// PerChannelTimeout bounds a single Send call, so one hung channel cannot use up a
	// whole invocation. Zero means DefaultPerChannelTimeout.
	PerChannelTimeout time.Duration
	// MaxAttempts bounds the tries of one notice on one channel within one Deliver call;
	// the outbox carries the notice to the next hop after that. Zero means DefaultMaxAttempts.
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape the exponential backoff (equal jitter) between
	// tries; zero means the defaults. A Retry-After from the service is always honoured
	// even when it is longer than MaxBackoff.
	BaseBackoff, MaxBackoff time.Duration
}

// Deliver sends the queued notices of box to targets (a watch's "notify" list; empty
// means every configured channel) and updates box in place: Acked, Attempts, Threads,
// Disabled, and Queue (fully delivered notices leave it).
//
// Channels run concurrently, so a slow or rate-limited channel does not hold back the
// others. Within one channel notices go oldest first, and the first notice that cannot
// be delivered ends that channel's turn: later notices wait behind it for the next hop,
// which keeps each channel's messages in order.
//
// Queued.Attempts counts the Deliver calls (hops) in which the notice failed on at
// least one channel, not single HTTP tries; it tells how long a notice has been stuck.
func (d *Dispatcher) Deliver(ctx context.Context, box *Outbox, targets []string) Report {
	rep := newReport()
	chans, unknown := d.resolve(targets)
	rep.Unknown = unknown
	if box == nil || len(box.Queue) == 0 {
		return rep
	}
	log := d.logger()
	for _, name := range unknown {
		log.WarnContext(ctx, "notify target is not configured; notices are not held for it",
			"channel", name, "queued", len(box.Queue))
	}

	notices := make([]Notice, len(box.Queue))
	for i, q := range box.Queue {
		notices[i] = q.Notice
	}
	results := make([]channelResult, len(chans))
	var wg sync.WaitGroup
	for i, ch := range chans {
		name := ch.Name()
		if slices.Contains(box.Disabled, name) {
			continue
		}
		var todo []int
		for j, q := range box.Queue {
			if !slices.Contains(q.Acked, name) {
				todo = append(todo, j)
			}
		}
		if len(todo) == 0 {
			continue
		}
		thread := box.Threads[name]
		wg.Go(func() { results[i] = d.runChannel(ctx, ch, notices, todo, thread) })
	}
	wg.Wait()

	// Merge in one goroutine: the box is not shared with the workers.
	failed := make([]bool, len(box.Queue))
	for i, res := range results {
		name := chans[i].Name()
		for _, j := range res.acked {
			box.Queue[j].Acked = append(box.Queue[j].Acked, name)
		}
		for _, j := range res.failed {
			failed[j] = true
		}
		if res.thread != "" {
			if box.Threads == nil {
				box.Threads = map[string]string{}
			}
			box.Threads[name] = res.thread
		}
		if res.disabled && !slices.Contains(box.Disabled, name) {
			box.Disabled = append(box.Disabled, name)
			rep.Disabled = append(rep.Disabled, name)
		}
		if len(res.acked) > 0 {
			rep.Delivered[name] += len(res.acked)
		}
		rep.Errors = append(rep.Errors, res.errs...)
	}

	keep := box.Queue[:0]
	for j, q := range box.Queue {
		if failed[j] {
			q.Attempts++
		}
		if !d.done(q, chans, box.Disabled) {
			keep = append(keep, q)
			continue
		}
		if len(q.Acked) == 0 {
			rep.Dropped++
			if len(d.Channels) == 0 {
				// Nothing is configured at all (a CLI run that only wants the exit code):
				// the notice is the log line, not a problem.
				log.InfoContext(ctx, "notice (no channel configured)", "notice", q.Notice.ID,
					"kind", q.Notice.Kind, "watch", q.Notice.WatchID)
				continue
			}
			// Every target is disabled or unconfigured: say so loudly, since nobody
			// will ever see this notice.
			log.WarnContext(ctx, "notice dropped: no enabled channel to deliver it to",
				"notice", q.Notice.ID, "kind", q.Notice.Kind, "watch", q.Notice.WatchID)
		}
	}
	clear(box.Queue[len(keep):]) // let the GC have the dropped notices
	box.Queue = keep
	rep.Queued = len(box.Queue)
	return rep
}

// DeliverNow sends one best-effort notice (a Progress update) to targets: one try per
// channel, no retry, nothing queued. box may be nil; when it is not, its Threads are
// used and updated, its disabled channels are skipped, and a permanent error disables
// the channel there as in Deliver.
func (d *Dispatcher) DeliverNow(ctx context.Context, box *Outbox, n Notice, targets []string) Report {
	chans, unknown := d.resolve(targets)
	rep := d.deliverOnce(ctx, box, n, chans)
	rep.Unknown = unknown
	return rep
}

// DeliverProgress is DeliverNow restricted to the target channels that show live
// progress (ShowsProgress): the engine calls it every hop with the step's progress
// notice, so a Slack bot message moves forward while webhooks and group robots, which
// would post a new message each time, get nothing. Unknown targets are not reported:
// Deliver already warns about them.
func (d *Dispatcher) DeliverProgress(ctx context.Context, box *Outbox, n Notice, targets []string) Report {
	chans, _ := d.resolve(targets)
	live := make([]Channel, 0, len(chans))
	for _, ch := range chans {
		if ShowsProgress(ch) {
			live = append(live, ch)
		}
	}
	if len(live) == 0 {
		return newReport()
	}
	return d.deliverOnce(ctx, box, n, live)
}

// deliverOnce makes one try of n on each of chans, concurrently; see DeliverNow.
func (d *Dispatcher) deliverOnce(ctx context.Context, box *Outbox, n Notice, chans []Channel) Report {
	rep := newReport()
	type result struct {
		thread string
		err    error
	}
	results := make([]*result, len(chans))
	var wg sync.WaitGroup
	for i, ch := range chans {
		var thread string
		if box != nil {
			if slices.Contains(box.Disabled, ch.Name()) {
				continue
			}
			thread = box.Threads[ch.Name()]
		}
		wg.Go(func() {
			t, err := d.sendOnce(ctx, ch, n, thread)
			results[i] = &result{thread: t, err: err}
		})
	}
	wg.Wait()
	log := d.logger()
	for i, res := range results {
		if res == nil {
			continue
		}
		name := chans[i].Name()
		// A channel may have created its thread before failing (the Slack bot posted
		// its message, then an update failed): keep it, or the next hop posts another.
		if box != nil && res.thread != "" {
			if box.Threads == nil {
				box.Threads = map[string]string{}
			}
			box.Threads[name] = res.thread
		}
		if res.err != nil {
			err := fmt.Errorf("notice %s: %w", n.ID, res.err)
			rep.Errors = append(rep.Errors, err)
			permanent := IsPermanent(res.err)
			log.DebugContext(ctx, "best-effort notice not delivered", "channel", name,
				"notice", n.ID, "kind", n.Kind, "permanent", permanent, "err", err)
			if permanent && box != nil && !slices.Contains(box.Disabled, name) {
				box.Disabled = append(box.Disabled, name)
				rep.Disabled = append(rep.Disabled, name)
				log.ErrorContext(ctx, "channel refused the notice for good; disabled for this watch",
					"channel", name, "notice", n.ID, "kind", n.Kind, "watch", n.WatchID, "err", err)
			}
			continue
		}
		rep.Delivered[name]++
	}
	return rep
}

// channelResult is what one channel's worker did with the outbox, by queue index.
type channelResult struct {
	acked    []int
	failed   []int
	thread   string
	disabled bool
	errs     []error
}

func (d *Dispatcher) runChannel(ctx context.Context, ch Channel, notices []Notice, todo []int, thread string) channelResult {
	var res channelResult
	log := d.logger().With("channel", ch.Name())
	for _, j := range todo {
		n := notices[j]
		t, err := d.sendWithRetry(ctx, ch, n, thread)
		if t != "" {
			// Kept even when err != nil: the channel may have created its thread
			// before a later call failed, and the retry must reuse it.
			thread, res.thread = t, t
		}
		if err == nil {
			res.acked = append(res.acked, j)
			continue
		}
		res.failed = append(res.failed, j)
		res.errs = append(res.errs, fmt.Errorf("notice %s: %w", n.ID, err))
		if IsPermanent(err) {
			res.disabled = true
			log.ErrorContext(ctx, "channel refused the notice for good; disabled for this watch",
				"notice", n.ID, "kind", n.Kind, "watch", n.WatchID, "err", err)
		} else {
			log.WarnContext(ctx, "notice not delivered; kept in the outbox for the next hop",
				"notice", n.ID, "kind", n.Kind, "watch", n.WatchID, "err", err)
		}
		return res
	}
	return res
}

// sendWithRetry tries n on ch until it is taken, the error is permanent, MaxAttempts is
// reached, or the next wait would end past ctx's deadline. It returns the latest thread
// handle the channel gave, also on failure ("" when it gave none).
func (d *Dispatcher) sendWithRetry(ctx context.Context, ch Channel, n Notice, thread string) (string, error) {
	log := d.logger()
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	var newThread string
	for attempt := 1; ; attempt++ {
		t, err := d.sendOnce(ctx, ch, n, thread)
		if t != "" {
			thread, newThread = t, t
		}
		if err == nil {
			return newThread, nil
		}
		if IsPermanent(err) {
			return newThread, err
		}
		if ctx.Err() != nil {
			return newThread, err
		}
		if attempt >= maxAttempts {
			return newThread, fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		wait := d.backoff(attempt, retryAfter(err))
		if dl, ok := ctx.Deadline(); ok && d.now().Add(wait).After(dl) {
			return newThread, fmt.Errorf("next try in %s would pass the deadline: %w", wait.Round(time.Millisecond), err)
		}
		log.InfoContext(ctx, "notice delivery failed; retrying", "channel", ch.Name(),
			"notice", n.ID, "attempt", attempt, "wait", wait.Round(time.Millisecond), "err", err)
		if serr := d.sleep(ctx, wait); serr != nil {
			return newThread, err
		}
	}
}

// sendOnce makes one Send call under PerChannelTimeout and normalises its error to a
// redacted *DeliveryError. The thread handle is passed on even with an error.
func (d *Dispatcher) sendOnce(ctx context.Context, ch Channel, n Notice, thread string) (string, error) {
	timeout := d.PerChannelTimeout
	if timeout <= 0 {
		timeout = DefaultPerChannelTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t, err := ch.Send(sctx, n, thread)
	if err == nil {
		return t, nil
	}
	// Defence in depth: strip URLs even if a channel forgot to.
	err = Redact(err)
	var de *DeliveryError
	if !errors.As(err, &de) {
		// Unclassified errors (timeouts, network) are worth another try.
		err = &DeliveryError{Channel: ch.Name(), Err: err}
	}
	return t, err
}

// done reports whether q needs nothing more: every resolved target acked it or is disabled.
func (d *Dispatcher) done(q Queued, chans []Channel, disabled []string) bool {
	for _, ch := range chans {
		name := ch.Name()
		if !slices.Contains(q.Acked, name) && !slices.Contains(disabled, name) {
			return false
		}
	}
	return true
}

// resolve maps target names onto configured channels; unknown names are returned apart.
func (d *Dispatcher) resolve(targets []string) (chans []Channel, unknown []string) {
	if len(targets) == 0 {
		return d.Channels, nil
	}
	var seen []string
	for _, name := range targets {
		if slices.Contains(seen, name) {
			continue
		}
		seen = append(seen, name)
		i := slices.IndexFunc(d.Channels, func(c Channel) bool { return c.Name() == name })
		if i < 0 {
			unknown = append(unknown, name)
			continue
		}
		chans = append(chans, d.Channels[i])
	}
	return chans, unknown
}

func (d *Dispatcher) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) sleep(ctx context.Context, wait time.Duration) error {
	if d.Sleep != nil {
		return d.Sleep(ctx, wait)
	}
	return SleepContext(ctx, wait)
}

// SleepContext waits for d or until ctx ends, whichever is first.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
