package slack_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/slack"
)

// hookPath is the secret part of a Slack webhook URL (team, bot, token).
const (
	hookToken = "s3cr3tW3bh00kT0k3nXYZ"
	hookPath  = "/services/T0CDNWATCH/B0WATCHER/" + hookToken
)

// receiver adapts slack.Receiver to notifytest.Receiver. Every message the suite reads
// is also read by slack-go (viaSlackGo), so the whole suite checks our Block Kit too.
type receiver struct {
	*slack.Receiver
	t *testing.T
}

func (r receiver) Received() []notifytest.Message {
	var out []notifytest.Message
	for _, m := range r.Messages() {
		viaSlackGo(r.t, m)
		out = append(out, notifytest.Message{Text: slack.PlainText(m)})
	}
	return out
}

func newChannel(t *testing.T, base string) *slack.Webhook {
	t.Helper()
	return notifytest.Must(slack.New(base + hookPath))(t)
}

func TestConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name: slack.Name,
		New:  func(t *testing.T, base string) notify.Channel { return newChannel(t, base) },
		Receiver: func(t *testing.T) notifytest.Receiver {
			return receiver{slack.NewReceiver(io.Discard).RequirePath(hookPath), t}
		},
		Secrets: []string{hookToken, hookPath},
	})
}

// The receiver's secret path stands in for Slack's check of the hook token: a channel
// posting elsewhere gets Slack's 404 "no_service", which is permanent.
func TestWrongHookIsPermanent(t *testing.T) {
	srv := httptest.NewServer(slack.NewReceiver(nil).RequirePath(hookPath))
	defer srv.Close()
	w, err := slack.New(srv.URL + "/services/T0CDNWATCH/B0WATCHER/wrongtoken")
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
	var de *notify.DeliveryError
	if !errors.As(err, &de) || !de.Permanent || de.Status != 404 || de.Code != "no_service" {
		t.Fatalf("err = %#v, want permanent 404 no_service", err)
	}
	if strings.Contains(err.Error(), "wrongtoken") {
		t.Errorf("error leaks the hook token: %v", err)
	}
}

func TestErrorClassification(t *testing.T) {
	cases := []struct {
		status    int
		code      string
		header    string
		permanent bool
		after     time.Duration
	}{
		{429, "rate_limited", "12", false, 12 * time.Second},
		{429, "rate_limited", "", false, 0},
		{500, "rollup_error", "", false, 0},
		{503, "", "", false, 0},
		{403, "invalid_token", "", true, 0},
		{404, "channel_not_found", "", true, 0},
		{410, "channel_is_archived", "", true, 0},
		{400, "invalid_blocks", "", true, 0},
		// A permanent code behind an unusual status still disables the channel.
		{500, "team_disabled", "", true, 0},
	}
	for _, c := range cases {
		t.Run(http.StatusText(c.status)+"/"+c.code, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.header != "" {
					w.Header().Set("Retry-After", c.header)
				}
				w.WriteHeader(c.status)
				io.WriteString(w, c.code)
			}))
			defer srv.Close()
			_, err := newChannel(t, srv.URL).Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
			var de *notify.DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DeliveryError", err)
			}
			if de.Status != c.status || de.Code != c.code || de.Permanent != c.permanent || de.RetryAfter != c.after {
				t.Errorf("got status %d code %q permanent %v retryAfter %v; want %d %q %v %v",
					de.Status, de.Code, de.Permanent, de.RetryAfter, c.status, c.code, c.permanent, c.after)
			}
			if de.Channel != slack.Name {
				t.Errorf("Channel = %q", de.Channel)
			}
		})
	}
}

// A Retry-After may be an HTTP date (RFC 9110 §10.2.3); some clients fail on it.
func TestRetryAfterHTTPDate(t *testing.T) {
	err := notifytest.SendFailed(t, notifytest.RetryAfterDate(90*time.Second), func(base string) notify.Channel { return newChannel(t, base) })
	var de *notify.DeliveryError
	if !errors.As(err, &de) || de.Status != 429 || de.RetryAfter < 80*time.Second || de.RetryAfter > 91*time.Second {
		t.Fatalf("err = %#v, want 429 with RetryAfter ≈ 90s", err)
	}
}

func TestTimeoutIsTemporaryAndRedacted(t *testing.T) {
	url, err := notifytest.SendHanging(t, 50*time.Millisecond, func(base string) notify.Channel { return newChannel(t, base) })
	if err == nil || notify.IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a temporary error that is context.DeadlineExceeded", err)
	}
	notifytest.AssertNoSecrets(t, "timeout error", err.Error(), hookToken, hookPath)
	if !strings.Contains(err.Error(), url) {
		t.Errorf("error %q should still name the host %s", err, url)
	}
}

func TestNewRejectsBadURLWithoutEchoingIt(t *testing.T) {
	for _, raw := range []string{"", "hooks.slack.com/services/x/y/secretpart", "ftp://h/secretpart", "http://[::1/secretpart"} {
		_, err := slack.New(raw)
		if err == nil {
			t.Errorf("New(%q) accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "secretpart") {
			t.Errorf("New error echoes the URL: %v", err)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if _, ok, err := slack.FromEnv(getenv); ok || err != nil {
		t.Fatalf("unset: ok=%v err=%v", ok, err)
	}
	env[slack.EnvWebhookURL] = "https://hooks.slack.com" + hookPath
	w, ok, err := slack.FromEnv(getenv)
	if !ok || err != nil || w.Name() != "slack" {
		t.Fatalf("set: ok=%v err=%v", ok, err)
	}
	env[slack.EnvWebhookURL] = "not a url " + hookToken
	if _, _, err := slack.FromEnv(getenv); err == nil || strings.Contains(err.Error(), hookToken) {
		t.Errorf("bad URL: err=%v", err)
	}
}

// A redirect is not followed, by the webhook or the bot: the hook's URL (its secret)
// would go on as the Referer, the bot's token with the Authorization header to the same
// host. It is permanent: the configured URL is wrong.
func TestRedirectNotFollowed(t *testing.T) {
	hits := 0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL+"/elsewhere", http.StatusTemporaryRedirect))
	defer redirect.Close()
	for name, ch := range map[string]notify.Channel{"webhook": newChannel(t, redirect.URL), "bot": newBot(t, redirect.URL)} {
		_, err := ch.Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
		var de *notify.DeliveryError
		if !errors.As(err, &de) || !de.Permanent || de.Status != http.StatusTemporaryRedirect {
			t.Errorf("%s: err = %v, want a permanent 307", name, err)
		}
	}
	if hits != 0 {
		t.Errorf("the redirect target was called %d times", hits)
	}
}
