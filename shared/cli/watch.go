package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"cdnwatch/shared/config"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/internal/ctxsleep"
	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// DefaultDeliveryTimeout is how long the command keeps trying to deliver notices after
// the tasks ended, before it exits 5 (or 1) with the notices still in the document.
const DefaultDeliveryTimeout = 60 * time.Second

// timeoutGrace bounds the delivery of a timeout notice: the command exits 3 within a few
// seconds of --timeout even when a channel hangs.
const timeoutGrace = 5 * time.Second

// Why the watch's context ended (context.Cause).
var (
	errWatchTimeout     = errors.New("the watch's timeout passed")
	errDeliveryPatience = errors.New("the delivery timeout passed")
)

type watchOpts struct {
	provider, label, docFile, stateFile string
	ids, notify                         listValue
	scope                               mapValue
	interval, timeout, deliveryTimeout  time.Duration
	json                                bool
	// inProcess: the demo, whose document lives and ends with the process.
	inProcess bool
}

func (a *app) watchCmd() *cobra.Command {
	o := &watchOpts{scope: mapValue{}}
	cmd := &cobra.Command{
		Use:   "watch (--provider P --task-id IDS | --doc FILE | --state FILE) [flags]",
		Short: "Watch tasks until they finish, notify, and exit with the outcome",
		Long: `Watch CDN refresh or prefetch tasks until every one has finished or --timeout passes.
Each failed object is reported once, when it fails (path and reason), to every configured
channel, and the watch ends with one summary notice. Progress goes to stderr: a live block
on a terminal, one line per poll otherwise.

The poll schedule adapts to the tasks (the provider's own progress figures), at most
--interval apart, and stays within the provider's documented rate limit. Transient provider
trouble (5xx, throttling, network) never ends a watch before its timeout.

--timeout is a hard wall-clock bound counted from the watch's start, even when the provider
hangs: the command exits 3 within a few seconds of it, with the pending ids in the document.

--state FILE checkpoints the Watch document after every poll (written atomically); a run
that finds FILE resumes from it with the same watch id and notice ids, so a crash loses
nothing and a receiver can drop repeats by webhook-id. Ctrl-C prints what is pending and
the command that resumes.

With --doc or --state, flags given explicitly override the document's timeout, label,
notify and interval; --timeout on a watch that timed out gives it more time.`,
		Example: `  # watch two Aliyun CDN tasks, tell Slack, give up after 30 minutes
  cdnwatch watch --provider aliyun-cdn --task-id 17926841455,17926841456 --timeout 30m --notify slack

  # a CloudFront invalidation (the distribution is the scope)
  cdnwatch watch --provider aws-cloudfront --scope distributionId=E2ABC3EXAMPLE --task-id I2J0I21PCUYOIK

  # checkpoint to a file; run the same command again after a crash to resume
  cdnwatch watch --provider aliyun-cdn --task-id 17926841455 --state watch.json

  # give a watch that timed out one more hour (from its start)
  cdnwatch watch --state watch.json --timeout 3h

  # a Watch document on stdin, the final document on stdout
  echo '{"v":1,"provider":"aliyun-cdn","taskIds":["17926841455"]}' | cdnwatch watch --doc - --json`,
		Args: noArgs,
		Annotations: map[string]string{
			"environment": envHelp(envCredentials, envChannels, envCommon),
			"exitcodes": `  0  every task complete and every notice delivered
  1  at least one task failed or is unknown (also when a notice could not be delivered)
  2  bad usage or configuration: a flag, the document, missing credentials, an unknown
     or unconfigured --notify channel
  3  the timeout passed, or Ctrl-C, with tasks still pending
  4  the provider refused us (credentials, permissions, malformed ids), or a channel
     refused our credentials
  5  every task complete, but a notice could not be delivered within --delivery-timeout`,
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runWatch(cmd, o) },
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.provider, "provider", "", "provider id: "+strings.Join(provider.Names(), ", "))
	fs.Var(&o.ids, "task-id", "task ids, comma-separated or repeated")
	fs.Var(o.scope, "scope", "provider-specific key=value, e.g. distributionId=E2ABC (repeatable)")
	fs.StringVar(&o.label, "label", "", "label shown in notices and on the display")
	fs.Var(&o.notify, "notify", "channels to notify: slack, webhook, dingtalk, feishu, wecom (default every configured one)")
	durationFlag(fs, &o.interval, "interval", 0, shortDuration(watch.DefaultPolicy().Max),
		"longest wait between two polls of a task (the schedule adapts below it)")
	durationFlag(fs, &o.timeout, "timeout", 0, shortDuration(watch.DefaultTimeout),
		"give up and report after this long from the watch's start (a hard bound)")
	durationFlag(fs, &o.deliveryTimeout, "delivery-timeout", DefaultDeliveryTimeout, "",
		"keep trying to deliver notices this long after the tasks end, then exit 5")
	fs.StringVar(&o.stateFile, "state", "", "checkpoint the document to FILE after every poll; resume from FILE when it exists")
	fs.StringVar(&o.docFile, "doc", "", "read a Watch document from FILE (- for stdin) instead of --provider/--task-id")
	fs.BoolVar(&o.json, "json", false, "print the latest Watch document on stdout at the end, whatever the exit code")
	return cmd
}

func (a *app) runWatch(cmd *cobra.Command, o *watchOpts) error {
	ctx := cmd.Context()
	env, err := config.FromEnv(a.getenv)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	doc, source, err := o.load(cmd, a.io.In, env.StateKey)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	if !slices.Contains(provider.Names(), doc.Provider) {
		return exitf(ExitUsage, "%v", &provider.ErrUnknownProvider{Name: doc.Provider})
	}
	disp := newDisplay(a.io.Err)
	logger := cliLogger(disp.Above(a.io.Err), env, a.getenv, disp.live)
	eng, err := env.Engine(logger)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	what := "--notify"
	if !cmd.Flags().Changed("notify") {
		what = source + "'s notify"
	}
	if err := checkNotify(doc.Notify, eng.Dispatcher.Channels, what); err != nil {
		return err
	}
	r := &watchRun{eng: eng, disp: disp, opts: o, input: doc, stdout: a.io.Out, stderr: disp.Above(a.io.Err)}
	code := r.run(ctx)
	return exitCode(code)
}

// load builds the Watch document from --state (when FILE exists), --doc or the flags,
// through the decoder every trigger uses, then applies the flags given explicitly. It
// returns the document and where it came from, for messages.
func (o *watchOpts) load(cmd *cobra.Command, stdin io.Reader, key []byte) (*watch.Document, string, error) {
	changed := cmd.Flags().Changed
	if o.docFile != "" && (o.provider != "" || len(o.ids) > 0) {
		return nil, "", errors.New("--doc and --provider/--task-id exclude each other: give one")
	}
	var given *watch.Document // from --doc or the flags
	source := "the document"
	switch {
	case o.docFile != "":
		var data []byte
		var err error
		if o.docFile == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, watch.MaxDocumentBytes+1))
		} else {
			data, err = os.ReadFile(o.docFile)
		}
		if err != nil {
			return nil, "", fmt.Errorf("read --doc: %w", err)
		}
		if given, err = watch.Decode(data, key); err != nil {
			return nil, "", fmt.Errorf("--doc %s: %w", o.docFile, err)
		}
		source = "--doc " + o.docFile
	case o.provider != "" || len(o.ids) > 0:
		if o.provider == "" {
			return nil, "", errors.New("--provider is required with --task-id (providers: " + strings.Join(provider.Names(), ", ") + ")")
		}
		if len(o.ids) == 0 {
			return nil, "", errors.New("--task-id is required with --provider")
		}
		d := watch.Document{V: watch.Version, Provider: o.provider, TaskIDs: o.ids, Label: o.label,
			Notify: o.notify, Interval: watch.Duration{D: o.interval}, Timeout: watch.Duration{D: o.timeout}}
		if len(o.scope) > 0 {
			d.Scope = o.scope
		}
		b, err := watch.Encode(&d)
		if err != nil {
			return nil, "", err
		}
		if given, err = watch.Decode(b, nil); err != nil {
			return nil, "", err
		}
	}
	doc := given
	if o.stateFile != "" {
		if err := probeDir(o.stateFile); err != nil {
			return nil, "", err
		}
		saved, err := readStateFile(o.stateFile, key)
		if err != nil {
			return nil, "", err
		}
		if saved != nil {
			if given != nil && !sameWatch(given, saved) {
				return nil, "", fmt.Errorf("--state %s holds watch %s of other tasks; remove the file or choose another --state", o.stateFile, watchIDOf(saved))
			}
			doc, source = saved, "--state "+o.stateFile
		}
	}
	if doc == nil {
		return nil, "", errors.New("nothing to watch: give --provider and --task-id, --doc FILE, or an existing --state FILE")
	}
	if doc == given && o.docFile == "" {
		return doc, source, nil // built from the flags: nothing to override
	}
	if changed("label") {
		doc.Label = o.label
	}
	if changed("notify") {
		doc.Notify = o.notify
	}
	if changed("interval") {
		doc.Interval = watch.Duration{D: o.interval}
	}
	if changed("scope") && doc.State == nil {
		doc.Scope = o.scope
	}
	if changed("timeout") {
		watch.ExtendTimeout(doc, o.timeout, time.Now())
	}
	doc.MAC = "" // changed or not, the next hop seals it again
	return doc, source, nil
}

func watchIDOf(d *watch.Document) string {
	if d.State != nil {
		return d.State.ID
	}
	return watch.WatchID(d)
}

// sameWatch: a document given again (the same command rerun after a crash) is the watch
// a state file holds when its id is the one the file's watch started with.
func sameWatch(given, saved *watch.Document) bool {
	return watchIDOf(given) == watchIDOf(saved)
}

// watchRun is one run of the command's watch: the engine under a context that ends at the
// watch's timeout (or the delivery timeout once the tasks ended), the display, and the
// state file.
type watchRun struct {
	eng            *engine.Engine
	disp           *display
	opts           *watchOpts
	input          *watch.Document
	stdout, stderr io.Writer

	cur       *watch.Document
	authErr   error
	failed    undelivered // channel → notice ids that failed on it
	stateErr  error
	tasksDone time.Time
}

func (r *watchRun) run(parent context.Context) int {
	o := r.opts
	r.cur, r.failed = r.input, undelivered{}
	timeout := effectiveTimeout(r.input)
	// The deadline counts from the watch's start: state.started when resuming, else now.
	// It never moves: the first hop's state may record a later start (its poll may have
	// hung), and the timeout step below accounts for that.
	start := time.Now()
	if st := r.input.State; st != nil {
		start = st.StartedAt()
	}
	deadlineAt := start.Add(timeout)
	deadline := func() time.Time { return deadlineAt }

	// The engine's context ends at the deadline even in the middle of a call to a
	// provider that never answers; once the tasks ended, at the end of the delivery
	// timeout instead.
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	wd := &watchdog{cancel: cancel}
	defer wd.stop()
	wd.at(deadline(), errWatchTimeout)
	if r.input.Finished() {
		r.tasksDone = time.Now()
		wd.at(r.tasksDone.Add(r.patience(r.input)), errDeliveryPatience)
	}

	r.eng.MaxDeliveryHops = 0 // bounded by --delivery-timeout instead
	r.eng.OnHop = func(h engine.Hop) {
		if st := h.Doc.State; st != nil && r.input.State == nil && st.Started > start.Unix() {
			r.restart(h.Doc, start)
		}
		r.disp.hop(h)
		r.cur = h.Doc
		r.noteDelivery(h)
		r.checkpoint()
		if h.Doc.Finished() && r.tasksDone.IsZero() {
			r.tasksDone = time.Now()
			wd.at(r.tasksDone.Add(r.patience(h.Doc)), errDeliveryPatience)
		}
	}
	r.disp.start(r.input)

	var refused error
	backoff := time.Second
	for {
		until := deadline()
		if r.cur.Finished() {
			until = r.tasksDone.Add(r.patience(r.cur))
		}
		h, err := r.eng.Run(ctx, r.cur, until)
		if h.Doc != nil {
			r.cur = h.Doc
		}
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			// Run stops before a hop that would start after until. A finished watch
			// still delivering goes on while its delivery timeout allows the next try.
			if r.cur.Finished() && !r.cur.Done() && time.Now().Add(h.Wait).Before(r.tasksDone.Add(r.patience(r.cur))) {
				continue
			}
			break
		}
		if engine.Permanent(err) {
			refused = err
			break
		}
		// Transient trouble: the engine gave up for now; the watch does not. Try again
		// with backoff capped by the interval, until the deadline ends the context.
		wait := min(backoff, r.eng.Policy.Max)
		if r.cur.Interval.D > 0 {
			wait = min(wait, r.cur.Interval.D)
		}
		r.disp.providerFailing(err, wait)
		backoff *= 2
		if ctxsleep.Sleep(ctx, wait) != nil {
			break
		}
	}
	interrupted := parent.Err() != nil
	if !interrupted && r.cur.Finished() && !r.cur.Done() && errors.Is(context.Cause(ctx), errWatchTimeout) {
		// The tasks ended just as the deadline passed, which cut their notices' delivery
		// short: they still get the delivery timeout.
		dctx, dcancel := context.WithDeadline(parent, r.tasksDone.Add(r.patience(r.cur)))
		if h, _ := r.eng.Run(dctx, r.cur, r.tasksDone.Add(r.patience(r.cur))); h.Doc != nil {
			r.cur = h.Doc
		}
		dcancel()
		interrupted = parent.Err() != nil
	}
	if !interrupted && refused == nil && !r.cur.Finished() {
		// The next poll would come after the deadline (or the deadline cut a call short):
		// at the deadline, one last poll and the timeout notice, in a few seconds.
		if ctxsleep.Sleep(parent, time.Until(deadline())) != nil {
			interrupted = true
		} else {
			r.finalHop(parent)
		}
	}
	r.disp.close()

	res := r.outcome(refused, interrupted)
	r.summary(res)
	if o.json {
		r.printJSON()
	}
	return res.code
}

// restart dates a new watch's state from when the command began it: Step records the
// end of the first hop, which a first poll that hangs can put a long way later, and the
// timeout counts from the start. The engine goes on with the same document.
func (r *watchRun) restart(doc *watch.Document, start time.Time) {
	doc.State.Started = start.Unix()
	if err := watch.Seal(doc, r.eng.StateKey); err != nil {
		fmt.Fprintf(r.stderr, "cdnwatch watch: seal the document: %v\n", err)
	}
}

// finalHop is the hop at the deadline: one last poll with the engine (a provider that
// does not answer gets finalPoll), then, unless that ended the watch, a pure step that
// marks it timed out; its timeout notice gets the rest of timeoutGrace to be delivered.
func (r *watchRun) finalHop(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, finalPoll)
	h, err := r.eng.Step(ctx, r.cur)
	cancel()
	if err == nil && h.Doc.Finished() {
		return // OnHop kept it
	}
	r.timeoutStep(parent)
}

// finalPoll bounds the last poll at the deadline; the timeout notice's delivery gets the
// rest of timeoutGrace.
const finalPoll = 2 * time.Second

// patience is how long delivery may go on once the tasks ended.
func (r *watchRun) patience(d *watch.Document) time.Duration {
	p := r.opts.deliveryTimeout
	if d.State != nil && d.State.Finished == watch.EndTimeout {
		p = min(p, timeoutGrace)
	}
	return p
}

// timeoutStep ends a watch whose timeout passed while the engine was waiting or stuck on
// a provider that does not answer: a pure step with no answers marks it timed out and
// queues the timeout notice, which gets a few seconds to be delivered.
func (r *watchRun) timeoutStep(parent context.Context) {
	doc := r.cur
	now := time.Now()
	timeout := effectiveTimeout(doc)
	if doc.State == nil {
		// Not one hop made it: begin the state at the watch's start, so the step below
		// sees the timeout as passed.
		doc = watch.Step(doc, nil, now.Add(-timeout), r.eng.Policy, watch.Info{}).Doc
	}
	// The state's start is when the first hop ended, which a hanging first poll delays:
	// step at the state's own timeout when that is a moment later than now.
	at := now
	if end := doc.State.StartedAt().Add(timeout); end.After(at) {
		at = end
	}
	res := watch.Step(doc, nil, at, r.eng.Policy, watch.Info{})
	ctx, cancel := context.WithTimeout(parent, min(r.opts.deliveryTimeout, timeoutGrace-finalPoll))
	defer cancel()
	rep := r.eng.Dispatcher.Deliver(ctx, &res.Doc.State.Outbox, res.Doc.Notify)
	if err := watch.Seal(res.Doc, r.eng.StateKey); err != nil {
		fmt.Fprintf(r.stderr, "cdnwatch watch: seal the final document: %v\n", err)
	}
	r.cur = res.Doc
	r.noteDelivery(engine.Hop{Result: res, Delivery: rep})
	r.checkpoint()
}

// noteDelivery keeps what the command reports at the end: channel refusals of our
// credentials (exit 4) and the notices each channel failed to take.
func (r *watchRun) noteDelivery(h engine.Hop) {
	for _, err := range h.Delivery.Errors {
		if notify.IsAuth(err) && r.authErr == nil {
			r.authErr = err
		}
		var de *notify.DeliveryError
		id := noticeIDOf(err)
		if !errors.As(err, &de) || id == "" || id == h.Progress.ID {
			continue // live progress is best effort: never a reason to fail
		}
		r.failed.add(de.Channel, id)
	}
}

// checkpoint writes --state FILE; a failure is said once and the watch goes on.
func (r *watchRun) checkpoint() {
	if r.opts.stateFile == "" || r.cur.State == nil {
		return
	}
	if err := writeStateFile(r.opts.stateFile, r.cur); err != nil && r.stateErr == nil {
		r.stateErr = err
		fmt.Fprintf(r.stderr, "cdnwatch watch: %v (the watch goes on)\n", err)
	}
}

type watchOutcome struct {
	code        int
	word        string // complete, failed, timeout, interrupted, refused
	refusal     error
	undelivered undelivered
}

func (r *watchRun) outcome(refused error, interrupted bool) watchOutcome {
	doc := r.cur
	out := watchOutcome{undelivered: r.stillUndelivered()}
	switch {
	case refused != nil:
		out.word, out.refusal = "refused", refusal(doc.Provider, refused)
		var ee *exitError
		errors.As(out.refusal, &ee)
		out.code = ee.code
		return out
	case interrupted && !doc.Finished():
		out.code, out.word = ExitTimeout, "interrupted"
	case doc.State == nil:
		out.code, out.word = ExitFailed, "failed"
	default:
		switch doc.State.Finished {
		case watch.EndComplete:
			out.code, out.word = ExitComplete, "complete"
			if len(out.undelivered) > 0 {
				out.code = ExitDelivery
			}
		case watch.EndTimeout:
			out.code, out.word = ExitTimeout, "timeout"
		case watch.EndFailed:
			out.code, out.word = ExitFailed, "failed"
		default:
			out.code, out.word = ExitTimeout, "timeout"
		}
	}
	if r.authErr != nil && out.code != ExitUsage {
		out.code = ExitRefused
	}
	return out
}

// stillUndelivered: the notices left in the outbox for a target that has not taken them,
// and the notices a channel failed on before it was disabled for good.
func (r *watchRun) stillUndelivered() undelivered {
	u := undelivered{}
	st := r.cur.State
	if st == nil {
		return u
	}
	targets := r.cur.Notify
	if len(targets) == 0 {
		for _, ch := range r.eng.Dispatcher.Channels {
			targets = append(targets, ch.Name())
		}
	}
	for _, q := range st.Outbox.Queue {
		for _, t := range targets {
			if !slices.Contains(q.Acked, t) {
				u.add(t, q.Notice.ID)
			}
		}
	}
	for _, ch := range st.Outbox.Disabled {
		for _, id := range r.failed[ch] {
			u.add(ch, id)
		}
	}
	return u
}

// summary is what stays on screen: outcome, counts, elapsed, calls, every failure with
// path and reason, what is pending, where the document went, and what to do next.
func (r *watchRun) summary(res watchOutcome) {
	w := r.stderr
	doc := r.cur
	if res.refusal != nil {
		var ee *exitError
		errors.As(res.refusal, &ee)
		fmt.Fprintf(w, "cdnwatch watch: %s\n", ee.msg)
		if r.opts.json {
			fmt.Fprintln(w, "  the document (unchanged) is on stdout (--json)")
		}
		return
	}
	st := doc.State
	if st == nil {
		fmt.Fprintf(w, "cdnwatch watch: %s: ended before any poll was answered\n", doc.Provider)
		return
	}
	c := st.Counts(len(doc.TaskIDs))
	head := map[string]string{
		"complete":    "complete: every task finished",
		"failed":      fmt.Sprintf("failed: %d of %d tasks failed or unknown", c.Failed+c.Unknown, c.Total),
		"timeout":     fmt.Sprintf("timed out after %s with %d tasks pending", effectiveTimeout(doc), c.Pending),
		"interrupted": fmt.Sprintf("interrupted with %d tasks pending", c.Pending),
	}[res.word]
	elapsed := time.Since(st.StartedAt()).Round(time.Second)
	width := r.disp.termWidth()
	fmt.Fprintf(w, "cdnwatch watch: %s\n", head)
	fmt.Fprintln(w, fitTo("  "+strings.Join(nonEmpty(doc.Provider, "watch "+st.ID, doc.Label), " · "), width))
	fmt.Fprintf(w, "  %d tasks: %d complete, %d failed, %d unknown, %d pending; %s elapsed, %s\n",
		c.Total, c.Complete, c.Failed, c.Unknown, c.Pending, elapsed, plural(st.Calls, "call"))
	for _, f := range st.Failures {
		for _, l := range failureLines(f, "  ", width) {
			fmt.Fprintln(w, l)
		}
	}
	if st.FailuresOmitted > 0 {
		fmt.Fprintf(w, "  …and %d more failed objects (not kept in the document)\n", st.FailuresOmitted)
	}
	if c.Pending > 0 && res.word != "complete" && res.word != "failed" {
		ids := doc.TaskIDs[:min(len(doc.TaskIDs), 10)]
		more := ""
		if n := len(doc.TaskIDs) - len(ids); n > 0 {
			more = fmt.Sprintf(" …and %d more", n)
		}
		fmt.Fprintf(w, "  pending: %s%s\n", strings.Join(ids, " "), more)
	}
	var where []string
	if r.opts.stateFile != "" && r.stateErr == nil {
		where = append(where, r.opts.stateFile)
	}
	if r.opts.json {
		where = append(where, "stdout (--json)")
	}
	if (res.word == "interrupted" || res.word == "timeout") && !r.opts.inProcess {
		file := r.opts.stateFile
		if file == "" || r.stateErr != nil {
			file = r.saveForResume()
			if file != "" {
				where = append(where, file)
			}
		}
		if file != "" {
			again := "cdnwatch watch --state " + shellQuote(file)
			if res.word == "timeout" {
				again += " --timeout " + (effectiveTimeout(doc) * 2).String()
			}
			fmt.Fprintf(w, "  resume with: %s\n", again)
		}
	}
	if len(where) > 0 {
		fmt.Fprintf(w, "  document: %s\n", strings.Join(where, " and "))
	} else if !r.opts.inProcess {
		fmt.Fprintln(w, "  document: not kept (add --state FILE or --json)")
	}
	if len(res.undelivered) > 0 {
		fmt.Fprintf(w, "cdnwatch watch: notices not delivered (%s); they stay in the document\n", res.undelivered)
	}
	if r.authErr != nil {
		fmt.Fprintf(w, "cdnwatch watch: a notification channel refused our credentials: %s\n", oneLine(r.authErr.Error()))
	}
}

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func effectiveTimeout(d *watch.Document) time.Duration {
	if d.Timeout.D > 0 {
		return d.Timeout.D
	}
	return watch.DefaultTimeout
}

// saveForResume writes the document to a file in the temporary directory, for the
// resume command of an interrupted watch run without --state.
func (r *watchRun) saveForResume() string {
	if r.cur.State == nil {
		return ""
	}
	path := filepath.Join(os.TempDir(), "cdnwatch-"+r.cur.State.ID+".json")
	if err := writeStateFile(path, r.cur); err != nil {
		fmt.Fprintf(r.stderr, "cdnwatch watch: %v\n", err)
		return ""
	}
	return path
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printJSON prints the latest document: after the last hop, or the input when the
// provider refused before any.
func (r *watchRun) printJSON() {
	doc := r.cur
	resp := watch.Response{Document: *doc, Done: doc.Done()}
	if doc.State != nil {
		resp.WaitSeconds = doc.State.Wait
	}
	enc := json.NewEncoder(r.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&resp); err != nil {
		fmt.Fprintf(r.stderr, "cdnwatch watch: write --json: %v\n", err)
	}
}

// watchdog cancels the watch's context at a time that can move (the timeout first, the
// delivery timeout once the tasks ended).
type watchdog struct {
	cancel context.CancelCauseFunc
	timer  *time.Timer
}

func (w *watchdog) at(t time.Time, cause error) {
	w.stop()
	w.timer = time.AfterFunc(time.Until(t), func() { w.cancel(cause) })
}

func (w *watchdog) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
