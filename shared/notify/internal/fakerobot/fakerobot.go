// Package fakerobot is the common part of the local stand-ins for the Chinese group
// robots (DingTalk, Feishu, WeCom): request counting, planned failures, recording and
// printing. Each service package supplies what its service checks and how it answers.
package fakerobot

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"cdnwatch/shared/notify/internal/fakehook"
)

// Service is one robot's behaviour.
type Service interface {
	// Label names the service in printed frames ("dingtalk").
	Label() string
	// Fail is the service's answer to a planned failure of the given HTTP status, e.g.
	// DingTalk answers a rate limit with HTTP 200 and errcode 130101.
	Fail(status int) (httpStatus int, answer any)
	// Accept checks one request as the service does (token, signature, size limits) and
	// returns the plain text of the message, or the refusal to send.
	Accept(r *http.Request, body []byte) (text string, refusedStatus int, refusal any)
	// OK is the success answer.
	OK() any
}

// Receiver serves a Service.
type Receiver struct {
	svc  Service
	out  io.Writer
	base fakehook.Base[string]
}

// New returns a receiver for svc printing accepted messages to w (nil: nowhere).
func New(svc Service, w io.Writer) *Receiver {
	if w == nil {
		w = io.Discard
	}
	return &Receiver{svc: svc, out: w}
}

// FailNext makes the next n requests fail the way the service reports status; a
// Retry-After header is added when retryAfter > 0. n = 0 cancels the plan.
func (r *Receiver) FailNext(n, status int, retryAfter time.Duration) {
	r.base.FailNext(n, status, "", retryAfter)
}

// Texts returns the plain text of each accepted message, oldest first.
func (r *Receiver) Texts() []string { return r.base.Items() }

// Requests counts every request, failed ones included.
func (r *Receiver) Requests() int { return r.base.Requests() }

// ServeHTTP implements the robot's send endpoint.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.base.Lock()
	defer r.base.Unlock()
	r.base.Count()
	if status, _, ok := r.base.Failure(w); ok {
		status, answer := r.svc.Fail(status)
		write(w, status, answer)
		return
	}
	body, ok := fakehook.ReadPost(w, req)
	if !ok {
		return
	}
	text, status, refusal := r.svc.Accept(req, body)
	if refusal != nil {
		write(w, status, refusal)
		return
	}
	n := r.base.Add(text)
	fmt.Fprint(r.out, Frame(fmt.Sprintf("%s · message %d", r.svc.Label(), n), text))
	write(w, http.StatusOK, r.svc.OK())
}

func write(w http.ResponseWriter, status int, answer any) {
	if s, ok := answer.(string); ok {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, s)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(answer)
}

// Frame draws text in a frame titled title, like the Slack receiver's output.
func Frame(title, text string) string {
	var sb strings.Builder
	top := "╭─ " + title + " "
	sb.WriteString(top + strings.Repeat("─", max(76-len([]rune(top)), 4)) + "\n")
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		sb.WriteString(strings.TrimRight("│ "+l, " ") + "\n")
	}
	sb.WriteString("╰" + strings.Repeat("─", 75) + "\n")
	return sb.String()
}
