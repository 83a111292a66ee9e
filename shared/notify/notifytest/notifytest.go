// Package notifytest is the conformance suite every notify channel passes: each channel
// package runs Run from its tests with a Harness that starts a local receiver speaking
// the real service's protocol. It is the gocloud.dev drivertest pattern.
package notifytest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cdnwatch/shared/notify"
)

// Receiver is a local stand-in for a channel's service.
type Receiver interface {
	// ServeHTTP answers like the real service, and rejects requests whose signature
	// (or secret path, token...) is wrong the way the service does.
	http.Handler
	// FailNext makes the next n requests fail with status (and a Retry-After header
	// when retryAfter > 0, in the service's own format). n = 0 cancels the plan.
	FailNext(n, status int, retryAfter time.Duration)
	// Received returns the accepted messages, decoded, oldest first.
	Received() []Message
	// Requests counts every request, failed ones included.
	Requests() int
}

// Message is one accepted message as a person would read it.
type Message struct {
	// Text is all the visible text of the message, plain (no markup, no escapes).
	Text string
	// NoticeID is the notice id when the wire carries it (the webhook-id header), or "".
	NoticeID string
}

// Harness adapts one channel to the suite.
type Harness struct {
	// Name is the channel's name (Channel.Name()).
	Name string
	// New returns the channel under test, posting to the receiver at receiverURL (a base
	// URL such as http://127.0.0.1:PORT; the channel may add its secret path).
	New func(t *testing.T, receiverURL string) notify.Channel
	// Receiver returns a fresh receiver for one sub-test.
	Receiver func(t *testing.T) Receiver
	// Secrets are strings that must never appear in a log line or an error: the secret
	// part of the webhook URL, tokens, signing secrets.
	Secrets []string
	// RequestsPerSend is how many HTTP requests the channel's first successful Send of a
	// watch notice makes; 0 means 1. The Slack bot makes 2: it posts its live message,
	// then the notice as a reply in its thread.
	RequestsPerSend int
	// Verbatim says why user text reaches the receiver byte for byte (a JSON body)
	// instead of shown on one line as msgtext.Clean shows it; "" for chat channels.
	Verbatim string
}

// Run runs the conformance suite against h.
func Run(t *testing.T, h Harness) {
	t.Helper()
	t.Run("Name", func(t *testing.T) {
		e := newEnv(t, h)
		if got := e.ch.Name(); got != h.Name {
			t.Errorf("Name() = %q, want %q", got, h.Name)
		}
	})
	t.Run("Kinds", func(t *testing.T) { testKinds(t, h) })
	t.Run("RetryAfter5xx", func(t *testing.T) { testRetry5xx(t, h) })
	t.Run("RetryAfterHeader", func(t *testing.T) { testRetryAfter(t, h) })
	t.Run("OutboxCarryOver", func(t *testing.T) { testCarryOver(t, h) })
	t.Run("NoDuplicatesAfterAck", func(t *testing.T) { testNoDuplicates(t, h) })
	t.Run("Permanent", func(t *testing.T) { testPermanent(t, h) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, h) })
	t.Run("ManyFailures", func(t *testing.T) { testManyFailures(t, h) })
	t.Run("Hostile", func(t *testing.T) { testHostile(t, h) })
}

// env is one sub-test's world: a receiver behind an HTTP server, the channel under test,
// and a dispatcher with a recording Sleep and a captured log.
type env struct {
	h      Harness
	rcv    Receiver
	srv    *httptest.Server
	ch     notify.Channel
	sleeps *Sleeps
	logs   *LogBuffer
	d      *notify.Dispatcher
}

func newEnv(t *testing.T, h Harness, others ...notify.Channel) *env {
	t.Helper()
	e := &env{h: h, rcv: h.Receiver(t), sleeps: &Sleeps{}}
	e.srv = httptest.NewServer(e.rcv)
	t.Cleanup(e.srv.Close)
	e.ch = h.New(t, e.srv.URL)
	var log *slog.Logger
	log, e.logs = CaptureLogs()
	e.d = &notify.Dispatcher{
		Channels:          append([]notify.Channel{e.ch}, others...),
		Logger:            log,
		Sleep:             e.sleeps.Sleep,
		PerChannelTimeout: 5 * time.Second,
		MaxAttempts:       4,
	}
	// Every sub-test doubles as a leak check.
	t.Cleanup(func() { AssertNoSecrets(t, "log output", e.logs.String(), h.Secrets...) })
	return e
}

// ctx bounds a sub-test so that a hung channel fails it instead of the whole run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
