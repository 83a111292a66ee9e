// Package hookhttp is the HTTP plumbing the webhook-style channels share: a client that
// never follows redirects, one POST with a bounded answer, Retry-After parsing, and the
// classification of answers that carry no service error code.
package hookhttp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/notify"
)

// MaxAnswer bounds how much of an answer is read: the services answer with a short JSON
// object; a proxy in front of them may send a whole HTML page.
const MaxAnswer = 16 << 10

// NoRedirects returns a copy of c (nil: a client with a 15 s timeout) that does not follow
// redirects. A webhook URL carries its secret; following a redirect would send the
// signed body, and for some services the token, to wherever the redirect points, and a
// redirected POST silently becomes a GET.
func NoRedirects(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	} else {
		cp.Timeout = 15 * time.Second
	}
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// Answer is what a POST got back.
type Answer struct {
	Status     int
	Header     http.Header
	Body       []byte // at most MaxAnswer bytes
	RetryAfter time.Duration
}

// PostJSON posts body to url with the given extra headers. Its error (no answer at all)
// is redacted: it never holds url's path or query, nor any of secrets.
func PostJSON(ctx context.Context, c *http.Client, url string, body []byte, header http.Header, secrets ...string) (*Answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, notify.Redact(err, secrets...)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "cdnwatch")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, notify.Redact(err, secrets...)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	return &Answer{
		Status:     resp.StatusCode,
		Header:     resp.Header,
		Body:       b,
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}, nil
}

// ParseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 §10.2.3); 0 when absent
// or unreadable.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(secs)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// StatusError classifies an answer by its HTTP status alone, for answers without a
// service error code; nil for 2xx. Redirects are permanent: they are not followed (see
// NoRedirects) and the Location is not quoted, as it may hold a secret too.
func StatusError(channel string, a *Answer) *notify.DeliveryError {
	switch {
	case a.Status >= 200 && a.Status < 300:
		return nil
	case a.Status >= 300 && a.Status < 400:
		return &notify.DeliveryError{Channel: channel, Status: a.Status, Permanent: true,
			Err: fmt.Errorf("the URL answered with a redirect, which cdnwatch does not follow: configure the final URL")}
	}
	de := &notify.DeliveryError{Channel: channel, Status: a.Status, RetryAfter: a.RetryAfter}
	switch a.Status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusTooEarly:
	case http.StatusUnauthorized, http.StatusForbidden:
		de.Permanent, de.Auth = true, true
	case http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		de.Permanent = true
	default:
		de.Permanent = notify.PermanentStatus(a.Status)
	}
	return de
}

// Snippet is a short, single-line, printable excerpt of a service's error message, safe
// to put in an error: the services' messages are short English or Chinese sentences, but
// a body could echo the request, so it is cut and has the secrets removed.
func Snippet(s string, secrets ...string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = notify.RedactString(s, secrets...)
	if r := []rune(s); len(r) > 160 {
		s = string(r[:159]) + "…"
	}
	return s
}
