// Package function is the handler both serverless functions and `cdnwatch invoke` run:
// decode the envelope (shared/trigger), poll in process until done or near the
// invocation's deadline (shared/engine), then answer, or continue by queue.
//
// Continuation rules (docs/design.md "Continuation"):
//   - a bare document (direct invoke, Step Functions, CloudFlow, a schedule's verbatim
//     Input) is answered with the updated document plus done/waitSeconds: its caller owns
//     the loop, so it is never also enqueued;
//   - a queue record (SQS, MNS) is one hop; a pending watch goes back to the queue with
//     DelaySeconds = the next interval; the record fails when that send fails;
//   - any other trigger (EventBridge envelope, CloudTrail, FC timer, CDN event) polls in
//     process until done or near the deadline, then continues by queue when one is
//     configured, else answers with the state.
package function

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"cdnwatch/shared/config"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/watch"
)

// Options configure a Handler.
type Options struct {
	Runtime trigger.Runtime
	// Getenv reads the configuration (os.Getenv in the functions).
	Getenv config.Getenv
	// Log receives JSON logs; nil means io.Discard.
	Log io.Writer
	// Queue continues pending watches (SQS on Lambda, MNS on FC); nil: none.
	Queue trigger.Queue
	// Concurrency bounds the queue records handled at once (default 4).
	Concurrency int
	// NoDeadline is how long an invocation without a context deadline may poll in
	// process (`cdnwatch invoke`); default 2 minutes.
	NoDeadline time.Duration
	// Tune, when set, adjusts each engine after it is built (tests: a faster policy).
	Tune func(*engine.Engine)
	// Secrets reads the secret CDNWATCH_SECRET_ID names (config.WithSecret); nil where
	// the runtime has no secret store.
	Secrets config.SecretSource
	// Setenv, when set, puts the secret's variables into the process environment too
	// (os.Setenv in the functions), where the SDKs' default credential chains look.
	Setenv func(name, value string) error
}

// Handler runs invocations. It is safe for concurrent use (FC runs invocations of one
// instance concurrently).
type Handler struct {
	opts   Options
	env    *config.Env
	logger *slog.Logger

	mu      sync.Mutex
	eng     *engine.Engine
	engCred string
}

// New reads the environment; a value that is set but wrong is an error naming it.
func New(opts Options) (*Handler, error) {
	if opts.Getenv == nil {
		return nil, errors.New("function: Getenv is required")
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.NoDeadline <= 0 {
		opts.NoDeadline = 2 * time.Minute
	}
	// The secret is read once, at start: its values sit under the environment for the
	// life of the instance and join the redaction list.
	sec, err := config.WithSecret(context.Background(), opts.Getenv, opts.Secrets)
	if err != nil {
		return nil, err
	}
	opts.Getenv = sec.Get
	if opts.Setenv != nil {
		for _, name := range sec.Applied {
			if err := opts.Setenv(name, sec.Get(name)); err != nil {
				return nil, fmt.Errorf("apply %s from the secret: %w", name, err)
			}
		}
	}
	env, err := config.FromEnv(opts.Getenv)
	if err != nil {
		return nil, err
	}
	env.Redact = append(env.Redact, sec.Values...)
	h := &Handler{opts: opts, env: env, logger: env.Logger(opts.Log, true).With("runtime", string(opts.Runtime))}
	if len(sec.Applied) > 0 {
		h.logger.Info("configuration read from the secret", "secret", opts.Getenv(config.EnvSecretID), "variables", sec.Applied)
	}
	// Fail at start, not at the first event, when a channel is misconfigured.
	if _, err := h.engine(nil); err != nil {
		return nil, err
	}
	return h, nil
}

// Logger is the handler's JSON logger.
func (h *Handler) Logger() *slog.Logger { return h.logger }

// engine returns the engine for creds, rebuilt when the FC role's credentials rotate, so
// provider clients (rate limiter, connections) survive across warm invocations.
func (h *Handler) engine(creds *provider.Credentials) (*engine.Engine, error) {
	key := ""
	if creds != nil {
		key = creds.AccessKeyID + "\x00" + creds.AccessKeySecret + "\x00" + creds.SecurityToken
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.eng != nil && h.engCred == key {
		return h.eng, nil
	}
	env := *h.env
	env.Credentials = creds
	eng, err := env.Engine(h.logger)
	if err != nil {
		return nil, err
	}
	if h.opts.Tune != nil {
		h.opts.Tune(eng)
	}
	h.eng, h.engCred = eng, key
	return eng, nil
}

// BatchResponse is the SQS answer: the records that failed, for ReportBatchItemFailures.
type BatchResponse struct {
	BatchItemFailures []BatchItemFailure `json:"batchItemFailures"`
}

// BatchItemFailure names one failed SQS record.
type BatchItemFailure struct {
	ItemIdentifier string `json:"itemIdentifier"`
}

// RecordResult is one MNS record's outcome.
type RecordResult struct {
	MessageID   string `json:"messageId"`
	Watch       string `json:"watch,omitempty"`
	Done        bool   `json:"done"`
	WaitSeconds int    `json:"waitSeconds,omitempty"`
	Parts       int    `json:"continued,omitempty"`
	DeadLetter  bool   `json:"deadLetter,omitempty"`
	Error       string `json:"error,omitempty"`
}

// MNSResponse is the answer to an MNS queue batch.
type MNSResponse struct {
	Records []RecordResult `json:"records"`
}

// Invoke handles one event in any envelope of the handler's runtime. Errors are
// *trigger.PoisonError (never succeeds) or *trigger.TransientError (retry).
func (h *Handler) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	start := time.Now()
	log := h.logger.With(requestID(ctx)...)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.opts.NoDeadline)
		defer cancel()
	}
	ev, err := trigger.Decode(h.opts.Runtime, raw, h.env.StateKey)
	if err != nil {
		log.Error("poison event: dropped, not retried", "problem", err.Error(), "bytes", len(raw))
		return nil, err
	}
	log = log.With("trigger", string(ev.Kind))
	eng, err := h.engine(trigger.CredentialsFrom(ctx))
	if err != nil {
		return nil, &trigger.TransientError{Err: err}
	}
	var out any
	switch ev.Kind {
	case trigger.SQS:
		out, err = h.sqsBatch(ctx, log, eng, ev)
	case trigger.MNS:
		out, err = h.mnsBatch(ctx, log, eng, ev)
	default:
		out, err = h.single(ctx, log, eng, ev)
	}
	log.Info("invocation", "elapsed", time.Since(start).Round(time.Millisecond).String(), "ok", err == nil)
	return out, err
}

// Until is when in-process polling must stop: the deadline minus a margin that covers one
// more hop and the continuation (a fifth of the time left, between 2 s and 20 s).
func Until(ctx context.Context, now time.Time) time.Time {
	dl, ok := ctx.Deadline()
	if !ok {
		return now
	}
	left := dl.Sub(now)
	margin := min(max(left/5, 2*time.Second), 20*time.Second)
	return dl.Add(-margin)
}

func (h *Handler) single(ctx context.Context, log *slog.Logger, eng *engine.Engine, ev *trigger.Event) (any, error) {
	if rec := &ev.Records[0]; rec.Sweep != nil {
		return h.sweep(ctx, log, eng, rec) // sweep.go
	}
	doc, err := h.submitFirst(ctx, log, eng, &ev.Records[0]) // submit.go: a submit document submits once
	if err != nil {
		if trigger.IsPoison(err) {
			log.Error("poison submit: not retried", "problem", err.Error())
			return nil, err
		}
		log.Warn("submit failed; the invocation fails so the platform retries it", "err", err.Error())
		return nil, &trigger.TransientError{Err: err}
	}
	hop, err := eng.Run(ctx, doc, Until(ctx, time.Now()))
	if err != nil {
		if trigger.IsPoison(err) {
			log.Error("poison watch: not retried", "problem", err.Error(), "provider", doc.Provider)
			return nil, trigger.Poison("", err)
		}
		if hop.Doc == nil {
			log.Warn("hop failed; the invocation fails so the platform retries it", "err", err.Error())
			return nil, &trigger.TransientError{Err: err}
		}
		// Progress was made before the error: keep it and continue from there.
		log.Warn("poll failed after progress; continuing from the last good state", "err", err.Error())
	}
	cur := hop.Doc
	resp := &watch.Response{Document: *cur, Done: cur.Done(), WaitSeconds: waitSeconds(hop.Wait)}
	if resp.Done {
		return resp, nil
	}
	target := ""
	if h.opts.Queue != nil && ev.Kind != trigger.Direct {
		target = h.opts.Queue.Target("")
	}
	if target != "" {
		n, err := trigger.Continue(ctx, h.opts.Queue, target, cur, hop.Wait, h.env.StateKey)
		if err != nil {
			log.Error("continuation not sent; the invocation fails so the platform retries it", "queue", h.opts.Queue.Name(), "err", err.Error())
			return nil, &trigger.TransientError{Err: err}
		}
		log.Info("continued by queue", "queue", h.opts.Queue.Name(), "watch", cur.State.ID, "parts", n, "delay", hop.Wait.String())
		return resp, nil
	}
	// Answer with the state; a state machine's 256 KiB is the tightest return path.
	parts, err := watch.Split(cur, watch.BudgetStepFunctions)
	if err != nil {
		return nil, trigger.Poison("answer", err)
	}
	if len(parts) > 1 {
		return nil, trigger.Poisonf("the updated watch (%d task ids) no longer fits the %d-byte answer of a state machine; "+
			"watch it through a queue instead", len(cur.TaskIDs), watch.BudgetStepFunctions)
	}
	return resp, nil
}

func waitSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// recordOutcome is what happened to one queue record.
type recordOutcome struct {
	res    RecordResult
	failed bool // the platform must redeliver it
	poison bool // it can never succeed
}

func (h *Handler) records(ctx context.Context, log *slog.Logger, eng *engine.Engine, ev *trigger.Event) []recordOutcome {
	out := make([]recordOutcome, len(ev.Records))
	sem := make(chan struct{}, h.opts.Concurrency)
	var wg sync.WaitGroup
	for i := range ev.Records {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = h.record(ctx, log, eng, &ev.Records[i])
		}()
	}
	wg.Wait()
	return out
}

// record runs one hop of one queue record and continues it through the queue.
func (h *Handler) record(ctx context.Context, log *slog.Logger, eng *engine.Engine, rec *trigger.Record) (o recordOutcome) {
	o.res.MessageID = rec.ID
	log = log.With("messageId", rec.ID)
	defer func() {
		if r := recover(); r != nil {
			log.Error("record handler panicked; the record fails", "panic", fmt.Sprint(r))
			o.failed, o.res.Error = true, fmt.Sprintf("panic: %v", r)
		}
	}()
	if rec.Err != nil {
		return h.poison(ctx, log, rec, rec.Err)
	}
	q := h.opts.Queue
	target := ""
	if q != nil {
		target = q.Target(rec.Source)
	}
	if target == "" {
		// Without a queue the next hop would be lost: fail, so it is redelivered.
		err := fmt.Errorf("no continuation queue for a record from %q", rec.Source)
		log.Error("record not handled", "err", err.Error())
		return recordOutcome{res: RecordResult{MessageID: rec.ID, Error: err.Error()}, failed: true}
	}
	doc, err := h.submitFirst(ctx, log, eng, rec) // submit.go: a submit document submits once
	if err != nil {
		if trigger.IsPoison(err) {
			return h.poison(ctx, log, rec, err)
		}
		log.Warn("submit failed; the record fails and is redelivered", "err", err.Error())
		o.failed, o.res.Error = true, err.Error()
		return o
	}
	hop, err := eng.Step(ctx, doc)
	if err != nil {
		if trigger.IsPoison(err) {
			return h.poison(ctx, log, rec, err)
		}
		log.Warn("hop failed; the record fails and is redelivered", "err", err.Error())
		o.failed, o.res.Error = true, err.Error()
		return o
	}
	cur := hop.Doc
	o.res.Watch, o.res.Done = cur.State.ID, cur.Done()
	if o.res.Done {
		return o
	}
	o.res.WaitSeconds = waitSeconds(hop.Wait)
	n, err := trigger.Continue(ctx, q, target, cur, hop.Wait, h.env.StateKey)
	if err != nil {
		if trigger.IsPoison(err) {
			return h.poison(ctx, log, rec, err)
		}
		log.Error("continuation not sent; the record fails and is redelivered", "queue", q.Name(), "err", err.Error())
		o.failed, o.res.Error = true, err.Error()
		return o
	}
	o.res.Parts = n
	log.Info("continued by queue", "queue", q.Name(), "watch", cur.State.ID, "parts", n, "delay", hop.Wait.String())
	return o
}

// poison logs the named problem and sends the record to the configured dead-letter queue;
// without one, the record is reported as failed so the queue's redrive policy moves it
// to the dead-letter queue after maxReceiveCount. It is never put back on the queue.
func (h *Handler) poison(ctx context.Context, log *slog.Logger, rec *trigger.Record, err error) recordOutcome {
	o := recordOutcome{res: RecordResult{MessageID: rec.ID, Error: err.Error()}, poison: true}
	log.Error("poison message: never re-enqueued", "problem", err.Error())
	if q := h.opts.Queue; q != nil && q.DeadLetter() != "" {
		problem := err.Error()
		if len(problem) > 1000 {
			problem = problem[:1000]
		}
		if serr := q.Send(ctx, q.DeadLetter(), rec.Body, 0, map[string]string{"cdnwatch-problem": problem}); serr == nil {
			o.res.DeadLetter = true
			return o
		} else {
			log.Error("dead-letter send failed; the record fails instead", "err", serr.Error())
		}
	}
	o.failed = true
	return o
}

func (h *Handler) sqsBatch(ctx context.Context, log *slog.Logger, eng *engine.Engine, ev *trigger.Event) (any, error) {
	resp := &BatchResponse{BatchItemFailures: []BatchItemFailure{}}
	for _, o := range h.records(ctx, log, eng, ev) {
		if o.failed {
			resp.BatchItemFailures = append(resp.BatchItemFailures, BatchItemFailure{ItemIdentifier: o.res.MessageID})
		}
	}
	return resp, nil
}

// mnsBatch handles an MNS batch. FC's MNS trigger has no per-record failure report: a
// failed record fails the invocation, and the trigger's retry policy (then its dead-letter
// queue) takes over. Keep the trigger's batch size at 1 so that means one message.
func (h *Handler) mnsBatch(ctx context.Context, log *slog.Logger, eng *engine.Engine, ev *trigger.Event) (any, error) {
	resp := &MNSResponse{}
	var failed []string
	poisonOnly := true
	for _, o := range h.records(ctx, log, eng, ev) {
		resp.Records = append(resp.Records, o.res)
		if o.failed {
			failed = append(failed, fmt.Sprintf("%s: %s", o.res.MessageID, o.res.Error))
			poisonOnly = poisonOnly && o.poison
		}
	}
	if len(failed) == 0 {
		return resp, nil
	}
	err := fmt.Errorf("%d of %d MNS messages failed: %v", len(failed), len(ev.Records), failed)
	if poisonOnly {
		return nil, trigger.Poison("", err)
	}
	return nil, &trigger.TransientError{Err: err}
}

// requestID returns log attributes naming the platform's request id.
func requestID(ctx context.Context) []any {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return []any{"requestId", lc.AwsRequestID}
	}
	if fc, ok := fccontext.FromContext(ctx); ok && fc.RequestID != "" {
		return []any{"requestId", fc.RequestID}
	}
	return nil
}

// FCContext returns ctx carrying the FC function role's credentials from the invocation
// context (fccontext), so providers and MNS use them over the default chain. Without a
// role, FC sends none, and ctx is returned as is.
func FCContext(ctx context.Context) context.Context {
	fc, ok := fccontext.FromContext(ctx)
	if !ok || fc.Credentials.AccessKeyId == "" || fc.Credentials.AccessKeySecret == "" {
		return ctx
	}
	return trigger.WithCredentials(ctx, &provider.Credentials{AccessKeyID: fc.Credentials.AccessKeyId,
		AccessKeySecret: fc.Credentials.AccessKeySecret, SecurityToken: fc.Credentials.SecurityToken})
}
