package slack

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"cdnwatch/shared/notify/internal/fakehook"
)

// Receiver is a local stand-in for Slack's incoming-webhook endpoint
// (https://api.slack.com/messaging/webhooks): it checks each payload against Slack's
// documents (checkPayload), not against what cdnwatch sends, answers with Slack's status
// codes and plain-text error codes, can be told to fail, records every accepted message
// and prints it to a writer the way a person would see it in Slack. Tests, `cdnwatch sim`
// and `cdnwatch demo` use it.
type Receiver struct {
	out  io.Writer
	path string // guarded by base's lock
	base fakehook.Base[Message]
}

// maxBody bounds a request body; Slack's own limit is far below it.
const maxBody = fakehook.MaxBody

// NewReceiver returns a receiver printing each accepted message to w (nil: print nothing).
func NewReceiver(w io.Writer) *Receiver {
	if w == nil {
		w = io.Discard
	}
	return &Receiver{out: w}
}

// RequirePath makes the receiver answer 404 "no_service" to any other path, as Slack
// does for an unknown hook; use it to give the hook a secret token path.
func (r *Receiver) RequirePath(path string) *Receiver {
	r.base.Lock()
	defer r.base.Unlock()
	r.path = path
	return r
}

// FailNext makes the next n requests fail with status, Slack's error code for it, and a
// Retry-After header when retryAfter > 0. n = 0 cancels a plan.
func (r *Receiver) FailNext(n, status int, retryAfter time.Duration) {
	r.FailNextCode(n, status, defaultCode(status), retryAfter)
}

// FailNextCode is FailNext with an explicit Slack error code ("channel_not_found").
func (r *Receiver) FailNextCode(n, status int, code string, retryAfter time.Duration) {
	r.base.FailNext(n, status, code, retryAfter)
}

// Messages returns the accepted messages, oldest first.
func (r *Receiver) Messages() []Message { return r.base.Items() }

// Requests counts every request received, failed ones included.
func (r *Receiver) Requests() int { return r.base.Requests() }

// ServeHTTP implements the incoming-webhook endpoint.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.base.Lock()
	defer r.base.Unlock()
	r.base.Count()
	if req.Method != http.MethodPost {
		answer(w, http.StatusMethodNotAllowed, "invalid_method")
		return
	}
	if r.path != "" && req.URL.Path != r.path {
		answer(w, http.StatusNotFound, "no_service")
		return
	}
	if status, code, ok := r.base.Failure(w); ok {
		answer(w, status, code)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody))
	if err != nil {
		answer(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	msg, code := checkPayload(body)
	if code != "" {
		answer(w, http.StatusBadRequest, code)
		return
	}
	n := r.base.Add(msg)
	fmt.Fprint(r.out, Format(msg, fmt.Sprintf("slack · message %d", n)))
	answer(w, http.StatusOK, "ok")
}

// answer writes a response the way Slack's webhook endpoint does: a plain-text code.
func answer(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, code)
}

func defaultCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_payload"
	case http.StatusForbidden:
		return "invalid_token"
	case http.StatusNotFound:
		return "no_service"
	case http.StatusGone:
		return "channel_is_archived"
	case http.StatusTooManyRequests:
		return "rate_limited"
	}
	if status >= 500 {
		return "rollup_error"
	}
	return ""
}
