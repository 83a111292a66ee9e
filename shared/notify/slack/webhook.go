// Package slack delivers cdnwatch notices to Slack, through an incoming webhook (Webhook)
// or a bot's Web API calls (Bot), renders them as Block Kit messages (Render, in this
// package's own Block Kit types), and provides local stand-ins for Slack's webhook
// endpoint (Receiver) and Web API (WebAPI) for tests, `cdnwatch sim` and `cdnwatch demo`.
package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/internal/hookhttp"
)

// Name is the channel name used in a watch's "notify" list.
const Name = "slack"

// Environment variables read by FromEnv.
const (
	EnvWebhookURL = "CDNWATCH_SLACK_WEBHOOK_URL"
	EnvLang       = "CDNWATCH_LANG"
)

// Webhook is the Slack incoming-webhook channel. Its URL is a secret: it never appears in
// an error or a log line.
type Webhook struct {
	url     string
	secrets []string
	client  *http.Client
	lang    string
}

var _ notify.Channel = (*Webhook)(nil)

// Option configures a Webhook.
type Option func(*Webhook)

// WithHTTPClient sets the HTTP client (timeouts, proxies, test transports). Redirects are
// never followed (see hookhttp.NoRedirects): a webhook URL is a secret, and Go's client
// would send it on as the Referer.
func WithHTTPClient(c *http.Client) Option { return func(w *Webhook) { w.client = c } }

// WithLang sets the message language (a CDNWATCH_LANG value).
func WithLang(lang string) Option { return func(w *Webhook) { w.lang = lang } }

// New returns the channel posting to webhookURL.
func New(webhookURL string, opts ...Option) (*Webhook, error) {
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// The URL is not quoted: it is a secret even when malformed.
		return nil, errors.New("slack: webhook URL must be an absolute http(s) URL")
	}
	w := &Webhook{
		url:     webhookURL,
		secrets: secretsOf(webhookURL, u),
		client:  &http.Client{Timeout: 15 * time.Second},
	}
	for _, o := range opts {
		o(w)
	}
	return w, nil
}

// FromEnv builds the channel from CDNWATCH_SLACK_WEBHOOK_URL and CDNWATCH_LANG; ok is
// false when no webhook URL is set. getenv is os.Getenv outside tests.
func FromEnv(getenv func(string) string, opts ...Option) (w *Webhook, ok bool, err error) {
	raw := strings.TrimSpace(getenv(EnvWebhookURL))
	if raw == "" {
		return nil, false, nil
	}
	opts = append([]Option{WithLang(getenv(EnvLang))}, opts...)
	w, err = New(raw, opts...)
	if err != nil {
		return nil, false, errors.New(EnvWebhookURL + ": " + err.Error())
	}
	return w, true, nil
}

// Name implements notify.Channel.
func (w *Webhook) Name() string { return Name }

// Secrets returns the strings that must never be logged (for a redacting log handler).
func (w *Webhook) Secrets() []string { return w.secrets }

// Send posts n. Incoming webhooks cannot thread, so thread is passed through unchanged.
//
// The post is one JSON POST of the rendered message to the hook's URL; Slack answers 200
// "ok", or another status with a plain-text error code ("invalid_payload", "no_text",
// "channel_not_found", "no_service"; https://api.slack.com/messaging/webhooks#handling_errors).
func (w *Webhook) Send(ctx context.Context, n notify.Notice, thread string) (string, error) {
	body, err := json.Marshal(RenderLang(n, w.lang))
	if err != nil {
		return thread, &notify.DeliveryError{Channel: Name, Permanent: true, Err: err}
	}
	a, err := hookhttp.PostJSON(ctx, hookhttp.NoRedirects(w.client), w.url, body, nil, w.secrets...)
	if err != nil {
		// No answer: network error, timeout, cancelled context. Worth another try. PostJSON
		// has cut the URL to its host.
		return thread, &notify.DeliveryError{Channel: Name, Err: fmt.Errorf("post webhook: %w", err)}
	}
	return thread, webhookError(a)
}

// webhookError classifies the hook's answer: nil for 200, else the status, Slack's error
// code and Retry-After. The status and code say it all, so Err is nil; a code that no
// retry will fix, or a status that says the hook is gone, is permanent.
func webhookError(a *hookhttp.Answer) error {
	switch {
	case a.Status == http.StatusOK:
		return nil
	case a.Status >= 300 && a.Status < 400:
		return hookhttp.StatusError(Name, a) // not followed, and permanent
	}
	code := slackCode(a.Body)
	return &notify.DeliveryError{
		Channel:    Name,
		Status:     a.Status,
		Code:       code,
		RetryAfter: a.RetryAfter,
		Permanent:  notify.PermanentStatus(a.Status) || permanentCodes[code],
	}
}

// codePattern matches Slack's plain-text error codes ("no_service"). Anything else in a
// body is not kept: it could echo the request, and a proxy in front of Slack may answer
// with a whole HTML page.
var codePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`) })

func slackCode(body []byte) string {
	s := strings.TrimSpace(string(body))
	if codePattern().MatchString(s) {
		return s
	}
	return ""
}

// permanentCodes are Slack's webhook error codes that no retry will fix: the hook, the
// team or the channel is gone, or the hook may not post there.
var permanentCodes = map[string]bool{
	"invalid_token":                     true,
	"no_service":                        true,
	"no_service_id":                     true,
	"no_team":                           true,
	"team_disabled":                     true,
	"channel_not_found":                 true,
	"channel_is_archived":               true,
	"action_prohibited":                 true,
	"posting_to_general_channel_denied": true,
	"user_not_found":                    true,
}

// secretsOf lists what must be redacted: the URL, and its path and query, where Slack
// keeps the hook's token.
func secretsOf(raw string, u *url.URL) []string {
	s := []string{raw, u.String()}
	if u.Path != "" && u.Path != "/" {
		s = append(s, u.Path)
		if i := strings.LastIndexByte(u.Path, '/'); i >= 0 && len(u.Path)-i > 8 {
			s = append(s, u.Path[i+1:]) // the token segment alone
		}
	}
	if u.RawQuery != "" {
		s = append(s, u.RawQuery)
	}
	return s
}
