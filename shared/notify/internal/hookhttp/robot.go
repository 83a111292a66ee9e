package hookhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/notify"
)

// ParseURL checks that raw is an absolute http(s) URL; otherwise the error reads
// what + " must be an absolute http(s) URL" and never quotes raw, which may hold a
// token.
func ParseURL(raw, what string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New(what + " must be an absolute http(s) URL")
	}
	return u, nil
}

// FromEnv builds a channel from the URL in the environment variable envURL: ok is
// false when it is unset or blank; build's error is prefixed with label (the names of
// the variables involved).
func FromEnv[C any](getenv func(string) string, envURL, label string, build func(raw string) (C, error)) (c C, ok bool, err error) {
	raw := strings.TrimSpace(getenv(envURL))
	if raw == "" {
		return c, false, nil
	}
	c, err = build(raw)
	if err != nil {
		var zero C
		return zero, false, fmt.Errorf("%s: %w", label, err)
	}
	return c, true, nil
}

// Send encodes msg as JSON, posts it and classifies the answer: an encoding failure is
// permanent, no answer at all is worth another try (redacted as PostJSON redacts).
func Send(ctx context.Context, channel string, c *http.Client, url string, msg any, classify func(*Answer) error, secrets []string) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return &notify.DeliveryError{Channel: channel, Permanent: true, Err: err}
	}
	a, err := PostJSON(ctx, c, url, body, nil, secrets...)
	if err != nil {
		return &notify.DeliveryError{Channel: channel, Err: err}
	}
	return classify(a)
}

// Coded is a service's JSON answer carrying an error code, decoded by ClassifyCode.
type Coded interface {
	// Result returns the code (nil: absent) and the service's message.
	Result() (code *int, msg string)
	// Field names the code's JSON field, for the error about an answer without it.
	Field() string
}

// ErrCode is the answer of DingTalk and WeCom robots: {"errcode": 0, "errmsg": "ok"}.
type ErrCode struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Result implements Coded.
func (a *ErrCode) Result() (*int, string) { return a.ErrCode, a.ErrMsg }

// Field implements Coded.
func (a *ErrCode) Field() string { return "errcode" }

// Code is the answer of Feishu bots: {"code": 0, "msg": "success"}.
type Code struct {
	Code *int   `json:"code"`
	Msg  string `json:"msg"`
}

// Result implements Coded.
func (a *Code) Result() (*int, string) { return a.Code, a.Msg }

// Field implements Coded.
func (a *Code) Field() string { return "code" }

// Refusal is what a service's non-zero error code means.
type Refusal struct {
	// Err says what went wrong; ": " and the service's message (redacted) follow it.
	Err string
	// RateLimit, when > 0, marks a rate limit: the delivery waits this long unless the
	// answer carried its own Retry-After, which is more precise.
	RateLimit       time.Duration
	Permanent, Auth bool
}

// ClassifyCode reads the error code of a robot's answer into ans, which says more than
// the HTTP status (the robots answer most refusals with HTTP 200). An answer without a
// code, or with code 0, is classified by its HTTP status. Other codes go through
// refuse (given the code and the service's message as sent); the codes it does not know
// (ok false) are temporary on a 5xx status and permanent otherwise, service (the
// service's name for people, "DingTalk") refusing the message: retrying a refusal hop
// after hop would keep the watch from ever finishing.
func ClassifyCode(channel, service string, a *Answer, ans Coded, secrets []string, refuse func(code int, msg string) (r Refusal, ok bool)) error {
	var code *int
	var raw string
	if json.Unmarshal(a.Body, ans) == nil {
		code, raw = ans.Result()
	}
	if code == nil {
		if de := StatusError(channel, a); de != nil {
			return de
		}
		return &notify.DeliveryError{Channel: channel, Status: a.Status, Err: errors.New("answer without " + ans.Field())}
	}
	if *code == 0 {
		if de := StatusError(channel, a); de != nil {
			return de
		}
		return nil
	}
	de := &notify.DeliveryError{Channel: channel, Status: a.Status, Code: strconv.Itoa(*code), RetryAfter: a.RetryAfter}
	msg := Snippet(raw, secrets...)
	r, ok := refuse(*code, raw)
	switch {
	case ok:
		if r.RateLimit > 0 && de.RetryAfter == 0 {
			de.RetryAfter = r.RateLimit
		}
		de.Permanent, de.Auth = r.Permanent, r.Auth
		de.Err = errors.New(r.Err + ": " + msg)
	case a.Status >= 500:
		de.Err = errors.New(msg)
	default:
		de.Permanent = true
		de.Err = errors.New(service + " refused the message: " + msg)
	}
	return de
}

// Robot is what a group-robot channel (DingTalk, Feishu, WeCom) keeps: where it posts,
// with which client, in which language, its signing secret and clock, and the strings
// that must never be logged.
type Robot struct {
	URL     string
	Secret  string // "" when the robot does not sign
	Client  *http.Client
	Lang    string
	Now     func() time.Time
	Secrets []string
}

// NewRobot checks rawURL (what names it in the error) and returns the robot: its client
// follows no redirects (NoRedirects), Now defaults to time.Now, and its Secrets are
// rawURL, the token that token finds in it ("" for none) and secret when set.
func NewRobot(rawURL, what, secret string, client *http.Client, lang string, now func() time.Time, token func(*url.URL) string) (*Robot, error) {
	u, err := ParseURL(rawURL, what)
	if err != nil {
		return nil, err
	}
	r := &Robot{URL: rawURL, Secret: secret, Client: NoRedirects(client), Lang: lang, Now: now, Secrets: []string{rawURL}}
	if r.Now == nil {
		r.Now = time.Now
	}
	if tok := token(u); tok != "" {
		r.Secrets = append(r.Secrets, tok)
	}
	if secret != "" {
		r.Secrets = append(r.Secrets, secret)
	}
	return r, nil
}

// Send posts msg to target (the robot's URL, or a signed form of it) and classifies
// the answer; see the package's Send.
func (r *Robot) Send(ctx context.Context, channel, target string, msg any, classify func(*Answer) error) error {
	return Send(ctx, channel, r.Client, target, msg, classify, r.Secrets)
}
