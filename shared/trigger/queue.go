package trigger

import (
	"context"
	"fmt"
	"time"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// Queue carries a pending watch to its next hop with a delay (SQS, MNS).
type Queue interface {
	// Name names the queue service in logs: "sqs", "mns".
	Name() string
	// Budget is the largest encoded document one message may carry.
	Budget() int
	// MaxDelay is the longest delay the service accepts.
	MaxDelay() time.Duration
	// Target is where a continuation goes for a record from source (an SQS
	// eventSourceARN, an MNS subject; "" for non-queue triggers): the configured queue,
	// else the source queue. "" means no queue is configured or derivable.
	Target(source string) string
	// DeadLetter is the configured dead-letter target, "" when poison is left to the
	// queue's redrive policy (the record is reported as failed instead).
	DeadLetter() string
	// Send puts body on target, visible after delay (already clamped to MaxDelay).
	// attrs are message attributes (e.g. the poison problem on a dead letter).
	Send(ctx context.Context, target string, body []byte, delay time.Duration, attrs map[string]string) error
}

// Continue sends doc to target after splitting it to the queue's budget; the delay is
// clamped to [0, MaxDelay]. It fails as a whole if any part cannot be sent, so the caller
// fails the invocation (or the record) and the platform retries it: state is never lost.
// A part already sent is sent again on that retry; notice ids are stable, so receivers
// drop the duplicate notices.
func Continue(ctx context.Context, q Queue, target string, doc *watch.Document, delay time.Duration, key []byte) (int, error) {
	parts, err := watch.Split(doc, q.Budget())
	if err != nil {
		return 0, Poison(fmt.Sprintf("continue by %s", q.Name()), err)
	}
	delay = min(max(delay, 0), q.MaxDelay())
	for i, p := range parts {
		if len(parts) > 1 {
			if err := watch.Seal(p, key); err != nil {
				return i, fmt.Errorf("seal part %d/%d: %w", i+1, len(parts), err)
			}
		}
		b, err := watch.Encode(p)
		if err != nil {
			return i, err
		}
		if err := q.Send(ctx, target, b, delay, nil); err != nil {
			return i, fmt.Errorf("continue by %s (part %d/%d): %w", q.Name(), i+1, len(parts), err)
		}
	}
	return len(parts), nil
}

type credsKey struct{}

// WithCredentials returns ctx carrying explicit credentials (FC: the function role's, from
// the invocation context). The queue and the provider drivers use them over the default
// chain.
func WithCredentials(ctx context.Context, c *provider.Credentials) context.Context {
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, credsKey{}, c)
}

// CredentialsFrom returns the credentials WithCredentials stored, or nil.
func CredentialsFrom(ctx context.Context) *provider.Credentials {
	c, _ := ctx.Value(credsKey{}).(*provider.Credentials)
	return c
}
