package function

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"cdnwatch/shared/engine"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/sweep"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/watch"
)

// SweepResponse is the answer to a sweep tick.
type SweepResponse struct {
	Sweep    string       `json:"sweep"`
	Notice   string       `json:"notice"`
	Window   sweep.Window `json:"window"`
	Total    int          `json:"total"`
	Complete int          `json:"complete"`
	Failed   int          `json:"failed"`
	Running  int          `json:"running"`
	Calls    int64        `json:"calls"`
}

// sweep runs one tick of a sweep document from a timer. A sweep keeps no state, so any
// failure, delivery included, fails the invocation: the platform's retry carries the
// same trigger time, so it reports the same window under the same notice id. A sweep
// that can never work (bad document, provider without listing, window past retention)
// is poison instead, so it is not retried.
func (h *Handler) sweep(ctx context.Context, log *slog.Logger, eng *engine.Engine, rec *trigger.Record) (any, error) {
	d := rec.Sweep
	if rec.At.IsZero() {
		// A bare document (direct invoke, a schedule's constant Input) has no trigger
		// time; a retry minutes later could then report the next window instead.
		log.Warn("sweep without a trigger time: the window is taken from the clock; " +
			"use an FC timer trigger or an EventBridge envelope so retries repeat the same window")
	}
	at := rec.SweepTime(time.Now())
	r := &sweep.Runner{
		Open: func(ctx context.Context, name string, scope map[string]string) (*provider.Client, error) {
			return eng.Open(ctx, &watch.Document{Provider: name, Scope: scope})
		},
		Dispatcher: eng.Dispatcher,
		Logger:     log,
	}
	res, err := r.Run(ctx, d, at)
	if err != nil {
		var oe *sweep.OpenError
		if sweep.IsConfigError(err) || trigger.IsPoison(err) || (errors.As(err, &oe) && !provider.Refused(err)) {
			log.Error("sweep cannot run: not retried", "problem", err.Error(), "provider", d.Sweep.Provider)
			return nil, trigger.Poison("", err)
		}
		log.Error("sweep tick failed; the invocation fails so the platform retries it",
			"at", at.Format(time.RFC3339), "err", err.Error())
		return nil, &trigger.TransientError{Err: err}
	}
	return &SweepResponse{Sweep: res.Notice.WatchID, Notice: res.Notice.ID, Window: res.Window,
		Total: res.Digest.Total, Complete: len(res.Digest.Complete), Failed: len(res.Digest.Failed),
		Running: len(res.Digest.Running), Calls: res.Calls}, nil
}
