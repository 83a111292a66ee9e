package function

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"cdnwatch/shared/engine"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/submit"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/watch"
)

// SubmitLookback is how far back a submit document without a trigger time (a bare
// document: direct invoke, Step Functions, CloudFlow) looks for its own earlier try.
const SubmitLookback = time.Hour

// submitFirst carries out a submit document before its first watch hop and returns the
// watch of the tasks created (the submit recorded in it). Any other document is returned
// as it is.
//
// Once only, across retries. The platform retries an invocation that failed after the
// submit went through (a crash, a timeout, a continuation that could not be sent), with
// the same submit document. So before submitting, the provider's listing API is asked
// for tasks created since the record was first sent (SQS SentTimestamp, the MNS event's
// time; for a bare document SubmitLookback before now) that already hold the document's
// URLs: those URLs are not submitted again, their task ids are used. CloudFront is
// idempotent besides: the CallerReference is derived from the URLs and the record's
// identity (the queue message id, else the trigger time), the same on every retry. And
// once submitted, the document that travels on (the queue continuation, the answer to a
// state machine) carries the submit's record and the task ids, never the URLs, so no
// later hop can submit.
func (h *Handler) submitFirst(ctx context.Context, log *slog.Logger, eng *engine.Engine, rec *trigger.Record) (*watch.Document, error) {
	doc := rec.Doc
	if !doc.SubmitPending() {
		return doc, nil
	}
	now := time.Now()
	since := now.Add(-SubmitLookback)
	origin := "bare"
	switch {
	case rec.ID != "":
		origin = "message:" + rec.ID
	case !rec.At.IsZero():
		origin = "trigger:" + rec.At.Format(time.RFC3339)
	}
	if !rec.At.IsZero() {
		since = rec.At
	}
	out, res, err := submit.Document(ctx, submit.Opener(eng.Open), doc, submit.Options{Origin: origin, Since: since, Logger: log})
	if err != nil {
		var oe *engine.OpenError
		switch {
		case errors.Is(err, submit.ErrCannotSubmit), errors.As(err, &oe) && trigger.IsPoison(oe.Err):
			return nil, trigger.Poison("submit", err)
		}
		if _, ok := err.(*provider.ErrUnknownProvider); ok {
			return nil, trigger.Poison("submit", err)
		}
		return nil, fmt.Errorf("submit to %s: %w", doc.Submit.Provider, err)
	}
	log.Info("submitted; watching", "provider", out.Provider, "tasks", len(out.TaskIDs), "submitted", res.Submitted,
		"reused", res.Reused, "rejected", len(res.Rejected), "calls", res.Calls)
	return out, nil
}
