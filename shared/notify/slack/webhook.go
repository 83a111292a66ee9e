// Package slack delivers cdnwatch notices to Slack through an incoming webhook, renders
// them as Block Kit messages (Render), and provides a local Slack-compatible Receiver for
// tests and `cdnwatch demo`.
package slack

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"cdnwatch/shared/notify"
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

// WithHTTPClient sets the HTTP client (timeouts, proxies, test transports).
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
// The post goes through slack-go's PostWebhookCustomHTTPContext, but with a transport
// that records the response: slack-go discards the body of a failed webhook call (where
// Slack names the error: "no_service", "channel_not_found", "invalid_token"), and fails
// on a Retry-After given as an HTTP date without saying the status was 429. The recorded
// response fills in the DeliveryError instead.
func (w *Webhook) Send(ctx context.Context, n notify.Notice, thread string) (string, error) {
	msg := RenderLang(n, w.lang)
	rec := &recorder{base: w.client.Transport}
	client := *w.client
	client.Transport = rec
	err := slackapi.PostWebhookCustomHTTPContext(ctx, w.url, &client, &msg)
	if err == nil {
		return thread, nil
	}
	return thread, w.deliveryError(err, rec.last)
}

// deliveryError classifies a failed post; its Err never holds the URL.
func (w *Webhook) deliveryError(err error, resp *response) error {
	de := &notify.DeliveryError{Channel: Name, Err: notify.Redact(err, w.secrets...)}
	if resp == nil || resp.status == http.StatusOK {
		// No answer: network error, timeout, cancelled context. Worth another try.
		return de
	}
	de.Status = resp.status
	de.Code = resp.code
	de.RetryAfter = resp.retryAfter
	de.Permanent = notify.PermanentStatus(resp.status) || permanentCodes[resp.code]
	// The status and code say it all; slack-go's wording would only repeat them.
	de.Err = nil
	var rl *slackapi.RateLimitedError
	if de.RetryAfter == 0 && errors.As(err, &rl) {
		de.RetryAfter = rl.RetryAfter
	}
	return de
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
