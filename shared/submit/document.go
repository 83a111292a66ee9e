package submit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// Opener gives the provider client for a document (engine.Engine.Open).
type Opener func(ctx context.Context, doc *watch.Document) (*provider.Client, error)

// ErrCannotSubmit is returned for a provider whose driver has no submit API.
var ErrCannotSubmit = errors.New("this provider's driver cannot submit (no submit API)")

// Options tune Document.
type Options struct {
	// Origin tells this submission apart from another of the same URLs (a queue message
	// id, a trigger time; the command: a random nonce). With the URLs it makes the
	// submission's reference (Ref), unless the document names one.
	Origin string
	// Since, when set, asks the listing API first whether the URLs were already
	// submitted since then (a retried function invocation); see Request.Since.
	Since  time.Time
	Now    func() time.Time
	Logger *slog.Logger
}

// Document carries out a submit document (watch.Document.SubmitPending): it submits the
// URLs once and returns the watch of the tasks created, with the submit recorded
// (watch.Submitted) and the URLs not submitted folded in as failed objects. The returned
// Result has every URL not submitted with its reason (the document keeps only the first
// watch.MaxFailures). An error means nothing usable came of it: the provider refused us
// (provider.Refused), the context ended, or the driver cannot submit; the Result then
// still says what was created, if anything.
func Document(ctx context.Context, open Opener, doc *watch.Document, o Options) (*watch.Document, *Result, error) {
	if !doc.SubmitPending() {
		return nil, nil, errors.New("submit: the document holds no submit still to do")
	}
	sp := doc.Submit
	client, err := open(ctx, doc)
	if err != nil {
		return nil, nil, err
	}
	s, ok := ForClient(client, o.Logger)
	if !ok {
		return nil, nil, fmt.Errorf("submit to %s: %w", sp.Provider, ErrCannotSubmit)
	}
	if o.Now != nil {
		s.Now = o.Now
	}
	kind := provider.SubmitKind(sp.Kind)
	ref := sp.Ref
	if ref == "" {
		ref = Ref(sp.Provider, kind, sp.Type, sp.URLs, o.Origin)
	}
	res, err := s.Submit(ctx, Request{Kind: kind, Type: sp.Type, URLs: sp.URLs, Ref: ref, Since: o.Since, Scope: doc.Scope})
	if err != nil && len(res.TaskIDs) == 0 {
		return nil, res, err
	}
	if err != nil {
		// Some tasks exist: watch them; the URLs not sent are rejected with the reason.
		s.log().WarnContext(ctx, "submission stopped part way; watching the tasks created", "provider", sp.Provider,
			"tasks", len(res.TaskIDs), "err", err.Error())
	}
	rejected := make([]watch.NotSubmitted, len(res.Rejected))
	for i, r := range res.Rejected {
		rejected[i] = watch.NotSubmitted{URL: r.URL, Reason: r.Reason}
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	out := watch.Submitted(doc, res.TaskIDs, res.Submitted, rejected, ref, now)
	s.log().InfoContext(ctx, "submitted", "provider", sp.Provider, "kind", sp.Kind, "type", sp.Type,
		"urls", len(sp.URLs), "submitted", res.Submitted, "reused", res.Reused, "rejected", len(res.Rejected),
		"tasks", len(res.TaskIDs), "calls", res.Calls, "quotaCalls", res.QuotaCalls, "listCalls", res.ListCalls,
		"elapsed", res.Elapsed.Round(time.Millisecond).String())
	return out, res, nil
}
