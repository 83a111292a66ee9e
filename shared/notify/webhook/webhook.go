// Package webhook delivers cdnwatch notices as signed JSON to any HTTP endpoint, following
// the Standard Webhooks specification (https://www.standardwebhooks.com): headers
// webhook-id (the notice's stable id), webhook-timestamp (unix seconds) and
// webhook-signature ("v1," + base64 HMAC-SHA256 of "id.timestamp.body" keyed with the
// decoded "whsec_" secret). It also provides a verifying Receiver for tests and demos.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/internal/hookhttp"
)

// Name is the channel name used in a watch's "notify" list.
const Name = "webhook"

// Environment variables read by FromEnv.
const (
	EnvURL    = "CDNWATCH_WEBHOOK_URL"
	EnvSecret = "CDNWATCH_WEBHOOK_SECRET"
)

// SecretPrefix starts a Standard Webhooks secret; the rest is base64.
const SecretPrefix = "whsec_"

// Channel is the generic webhook channel.
type Channel struct {
	url     string
	key     []byte // decoded secret; nil: unsigned
	client  *http.Client
	now     func() time.Time
	secrets []string
}

var _ notify.Channel = (*Channel)(nil)

// Config configures a Channel.
type Config struct {
	URL string
	// Secret is "whsec_" + base64 of at least 24 random bytes; empty sends unsigned
	// requests (the receiver then cannot tell cdnwatch from anyone else).
	Secret     string
	HTTPClient *http.Client
	Now        func() time.Time // for webhook-timestamp; nil means time.Now
}

// New returns the channel. Neither the URL nor the secret is ever quoted in an error.
func New(cfg Config) (*Channel, error) {
	u, err := hookhttp.ParseURL(cfg.URL, "webhook: URL")
	if err != nil {
		return nil, err
	}
	c := &Channel{url: cfg.URL, client: hookhttp.NoRedirects(cfg.HTTPClient), now: cfg.Now}
	c.secrets = urlSecrets(u, cfg.URL)
	if cfg.Secret != "" {
		key, err := DecodeSecret(cfg.Secret)
		if err != nil {
			return nil, err
		}
		c.key = key
		c.secrets = append(c.secrets, cfg.Secret, strings.TrimPrefix(cfg.Secret, SecretPrefix))
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// DecodeSecret decodes a "whsec_" secret into the HMAC key.
func DecodeSecret(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(secret), SecretPrefix)
	if !ok {
		return nil, errors.New("webhook: secret must be " + SecretPrefix + " followed by base64 (Standard Webhooks)")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("webhook: secret after " + SecretPrefix + " is not valid base64")
	}
	if len(key) < 24 {
		return nil, fmt.Errorf("webhook: secret has %d bytes, want at least 24", len(key))
	}
	return key, nil
}

// FromEnv builds the channel from CDNWATCH_WEBHOOK_URL and CDNWATCH_WEBHOOK_SECRET; ok
// is false when no URL is set.
func FromEnv(getenv func(string) string, client *http.Client) (c *Channel, ok bool, err error) {
	return hookhttp.FromEnv(getenv, EnvURL, EnvURL+" / "+EnvSecret, func(raw string) (*Channel, error) {
		return New(Config{URL: raw, Secret: strings.TrimSpace(getenv(EnvSecret)), HTTPClient: client})
	})
}

// Name implements notify.Channel.
func (c *Channel) Name() string { return Name }

// Secrets returns the strings that must never be logged.
func (c *Channel) Secrets() []string { return c.secrets }

// Send posts n's Body. thread is passed through: webhooks have no threads.
func (c *Channel) Send(ctx context.Context, n notify.Notice, thread string) (string, error) {
	body, err := Marshal(NewBody(n))
	if err != nil {
		return thread, &notify.DeliveryError{Channel: Name, Permanent: true, Err: err}
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	h := http.Header{}
	h.Set("webhook-id", n.ID)
	h.Set("webhook-timestamp", ts)
	if c.key != nil {
		h.Set("webhook-signature", Sign(c.key, n.ID, ts, body))
	}
	a, err := hookhttp.PostJSON(ctx, c.client, c.url, body, h, c.secrets...)
	if err != nil {
		return thread, &notify.DeliveryError{Channel: Name, Err: err}
	}
	if de := hookhttp.StatusError(Name, a); de != nil {
		return thread, de
	}
	return thread, nil
}

// Marshal encodes a body as sent: compact, with <, > and & left as they are (paths
// often hold '&').
func Marshal(b Body) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("encode webhook body: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Sign returns the webhook-signature value for one request.
func Sign(key []byte, id, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + timestamp + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// urlSecrets: a webhook URL may carry a token in its path, query or user info.
func urlSecrets(u *url.URL, raw string) []string {
	s := []string{raw}
	if u.Path != "" && u.Path != "/" {
		s = append(s, u.Path)
	}
	if u.RawQuery != "" {
		s = append(s, u.RawQuery)
	}
	if u.User != nil {
		s = append(s, u.User.String())
	}
	return s
}
