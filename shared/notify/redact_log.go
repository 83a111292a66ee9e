package notify

import (
	"context"
	"fmt"
	"log/slog"
)

// NewRedactingHandler wraps h so that the message and every attribute value pass through
// RedactString(…, secrets...) before h sees them. Install it at the root logger with the
// channel secrets from the configuration, as a last line of defence; channels must still
// redact their own errors.
func NewRedactingHandler(h slog.Handler, secrets ...string) slog.Handler {
	return &redactingHandler{next: h, secrets: secrets}
}

type redactingHandler struct {
	next    slog.Handler
	secrets []string
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, RedactString(r.Message, h.secrets...), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &redactingHandler{next: h.next.WithAttrs(clean), secrets: h.secrets}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{next: h.next.WithGroup(name), secrets: h.secrets}
}

// attr redacts one attribute. Values that are not plain numbers, times or durations are
// turned into redacted strings: an arbitrary value may print a URL.
func (h *redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, RedactString(v.String(), h.secrets...))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		return slog.String(a.Key, RedactString(fmt.Sprint(v.Any()), h.secrets...))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
