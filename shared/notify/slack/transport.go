package slack

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"cdnwatch/shared/notify/internal/hookhttp"
)

// maxErrorBody bounds how much of an error response is read: Slack answers with a short
// code, other servers in front of it may send a whole HTML page.
const maxErrorBody = 4 << 10

// response is what recorder keeps of a non-200 answer.
type response struct {
	status     int
	code       string
	retryAfter time.Duration
}

// recorder is an http.RoundTripper that remembers the last non-200 response's status,
// Slack error code and Retry-After. One recorder serves one Send, so no locking: the
// http.Client call returns before last is read.
type recorder struct {
	base http.RoundTripper
	last *response
	now  func() time.Time // for HTTP-date Retry-After; nil means time.Now
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	base := r.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode == http.StatusOK {
		r.last = nil
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	r.last = &response{
		status:     resp.StatusCode,
		code:       slackCode(body),
		retryAfter: hookhttp.ParseRetryAfter(resp.Header.Get("Retry-After"), now()),
	}
	return resp, nil
}

// codePattern matches Slack's plain-text error codes ("no_service"). Anything else in a
// body is not kept: it could echo the request.
var codePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`) })

func slackCode(body []byte) string {
	s := strings.TrimSpace(string(body))
	if codePattern().MatchString(s) {
		return s
	}
	return ""
}
