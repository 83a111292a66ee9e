package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCallTimeout bounds one HTTP attempt (from sending to the last byte of the
// answer) when Config.CallTimeout is 0: a provider that accepts the connection and never
// answers cannot hold a call longer.
const DefaultCallTimeout = 10 * time.Second

// API is a rate-limited API of a provider: a name the client counts it under and its
// documented calls per second per account.
type API struct {
	Name string
	QPS  float64
}

// The APIs every Client knows. Drivers' further APIs (submit, quota) are declared with
// WithAPI.
const (
	APIQuery = "query"
	APIList  = "list"
)

type apiCtxKey struct{}

// WithAPI marks ctx so that every HTTP attempt made with it is paced as api (documented
// api.QPS per account; the client takes its per-instance share). Requests without a mark
// are paced as the by-id query. Use it around a driver call of an API with its own limit:
//
//	ctx = provider.WithAPI(ctx, provider.API{Name: "RefreshObjectCaches", QPS: 50})
func WithAPI(ctx context.Context, api API) context.Context {
	return context.WithValue(ctx, apiCtxKey{}, api)
}

func apiOf(ctx context.Context) (API, bool) {
	a, ok := ctx.Value(apiCtxKey{}).(API)
	return a, ok
}

// meterCtxKey carries a callMeter: what the transport saw for one driver call.
type meterCtxKey struct{}

type callMeter struct {
	waited   atomic.Int64 // ns spent waiting for the pacer
	attempts atomic.Int64
}

func withMeter(ctx context.Context, m *callMeter) context.Context {
	return context.WithValue(ctx, meterCtxKey{}, m)
}

// transport is the RoundTripper every driver's SDK sends through (installed with
// Config.HTTPClient by Open). For each attempt, first or retry, it:
//   - takes a turn from the API's pacer (so retries are paced like first calls);
//   - bounds the attempt by the call timeout, and by the caller's context;
//   - counts it (Client.Calls counts requests, not batches);
//   - tells the pacer of a throttling answer, whatever the provider's form of it
//     (HTTP 429, Tencent's 200 with RequestLimitExceeded, CloudFront's 400 Throttling);
//   - measures the time the provider took, for the client's concurrency.
type transport struct {
	base        http.RoundTripper
	defaultBase bool // base is ours (baseTransport), not the caller's
	timeout     time.Duration
	log         *slog.Logger
	pacers      func(API) []*Pacer

	calls     atomic.Int64
	throttled atomic.Int64
	byAPI     sync.Map // API name → *atomic.Int64: the requests of each API

	mu      sync.Mutex
	latency time.Duration // moving average of answer times
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	api, ok := apiOf(ctx)
	if !ok {
		api = API{Name: APIQuery}
	}
	ps := t.pacers(api)
	meter, _ := ctx.Value(meterCtxKey{}).(*callMeter)
	// Each pacer counts this attempt until it has ended, and learns when its request was
	// written and when its answer came (see Pacer).
	turns := make([]*Turn, 0, len(ps))
	defer func() {
		answered := time.Now()
		for _, turn := range turns {
			turn.Done(answered)
		}
	}()
	for _, p := range ps {
		turn, waited, err := p.Acquire(ctx)
		if meter != nil {
			meter.waited.Add(int64(waited))
		}
		if err != nil {
			closeBody(req)
			return nil, fmt.Errorf("waiting for the %s rate limit: %w", api.Name, err)
		}
		turns = append(turns, turn)
	}
	t.calls.Add(1)
	t.countAPI(api.Name)
	if meter != nil {
		meter.attempts.Add(1)
	}
	// Only the listing API's own requests are listing calls: a driver that makes a
	// further call per listed task (volc-mcdn's results) marks it with its own API.
	if n, ok := ctx.Value(listCounterKey{}).(*atomic.Int64); ok && api.Name == APIList {
		n.Add(1)
	}
	actx, cancel := context.WithTimeoutCause(ctx, t.timeout,
		fmt.Errorf("%w: no answer within %s", ErrCallTimeout, t.timeout))
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) {
			now := time.Now()
			for _, turn := range turns {
				turn.Wrote(now)
			}
		}})
	start := time.Now()
	resp, err := t.base.RoundTrip(req.WithContext(actx))
	if err != nil {
		cancel()
		if ctx.Err() == nil && errors.Is(context.Cause(actx), ErrCallTimeout) {
			// Say why in the error the SDK sees (and retries as a network failure).
			err = &timeoutError{cause: context.Cause(actx), err: err}
		}
		t.log.DebugContext(ctx, "provider call failed", "api", api.Name, "elapsed", time.Since(start), "error", err)
		return nil, err
	}
	t.observe(time.Since(start))
	if throttledAnswer(resp) {
		t.throttled.Add(1)
		for _, p := range ps {
			p.Throttled()
		}
	}
	// The deadline holds while the SDK reads the body; closing it releases the timer.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

func (t *transport) countAPI(name string) {
	n, ok := t.byAPI.Load(name)
	if !ok {
		n, _ = t.byAPI.LoadOrStore(name, new(atomic.Int64))
	}
	n.(*atomic.Int64).Add(1)
}

// callsOf is how many requests of the named API were sent.
func (t *transport) callsOf(name string) int64 {
	if n, ok := t.byAPI.Load(name); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// ErrCallTimeout is the cause of an attempt that passed the call timeout.
var ErrCallTimeout = errors.New("provider call timed out")

// timeoutError is a timeout the SDKs recognise as a network failure (net.Error).
type timeoutError struct {
	cause, err error
}

var _ net.Error = (*timeoutError)(nil)

func (e *timeoutError) Error() string {
	if msg := e.err.Error(); strings.Contains(msg, e.cause.Error()) {
		return msg
	}
	return e.cause.Error() + ": " + e.err.Error()
}
func (e *timeoutError) Unwrap() error   { return e.cause }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// observe folds one answer time into the moving average (weight 1/8).
func (t *transport) observe(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.latency == 0 {
		t.latency = d
		return
	}
	t.latency += (d - t.latency) / 8
}

// Latency is the moving average of the provider's answer times (0 before any answer).
func (t *transport) Latency() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.latency
}

// throttleCodes are the providers' documented throttling codes: Alibaba Cloud
// TooManyRequests / Throttling.*, Volcengine FlowLimitExceeded, Tencent
// RequestLimitExceeded(.*), AWS Throttling / ThrottlingException / TooManyRequestsException.
var throttleCodes = regexp.MustCompile(`(?:"Code"\s*:\s*"|<Code>)(?:TooManyRequests\w*|Throttling[\w.]*|RequestLimitExceeded[\w.]*|FlowLimitExceeded\w*)["<]`)

// peekLimit is how much of an answer is read to look for a throttling code: error
// bodies are small and start with the code.
const peekLimit = 2048

// throttledAnswer reports whether resp is a throttling refusal. It reads at most
// peekLimit bytes of the body and puts them back.
func throttledAnswer(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	// Tencent answers errors with 200; CloudFront throttles with 400; gateways with 503.
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest &&
		resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusServiceUnavailable {
		return false
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		return false
	}
	head := make([]byte, peekLimit)
	n, err := io.ReadFull(resp.Body, head)
	head = head[:n]
	rest := resp.Body
	if err != nil {
		// All of it was read (or reading failed): hand back what there was, and the error.
		resp.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(head), errReader{err}), c: rest}
	} else {
		resp.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(head), rest), c: rest}
	}
	return throttleCodes.Match(head)
}

type replayBody struct {
	io.Reader
	c io.Closer
}

func (r *replayBody) Close() error { return r.c.Close() }

// errReader ends a replayed body the way the original ended (io.EOF when it was whole).
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if errors.Is(e.err, io.ErrUnexpectedEOF) {
		return 0, io.EOF
	}
	return 0, e.err
}

// SetBaseTransport makes hc, a client OpenWith gave a driver, send through base (an
// SDK's own transport, e.g. one carrying a custom CA bundle) instead of the default
// one, keeping the pacing, deadlines and counting on top. It does nothing, and says
// false, when hc is not such a client or its caller chose the transport. Call it while
// the driver opens, before any request.
func SetBaseTransport(hc *http.Client, base http.RoundTripper) bool {
	if hc == nil || base == nil {
		return false
	}
	t, ok := hc.Transport.(*transport)
	if !ok || !t.defaultBase {
		return false
	}
	t.base = base
	return true
}

// baseTransport is our HTTP transport when the caller gives none: dial and TLS bounded,
// and enough idle connections for the calls the client keeps in flight.
func baseTransport() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 5 * time.Second
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = maxInFlight
	return tr
}
