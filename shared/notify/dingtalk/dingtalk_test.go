package dingtalk_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/dingtalk"
	"cdnwatch/shared/notify/notifytest"
)

const (
	token  = "a1b2c3d4e5f6accesstoken0987"
	secret = "SECf00dfacecafebabe1234567890deadbeef"
)

type receiver struct{ *dingtalk.Receiver }

func (r receiver) Received() []notifytest.Message {
	var out []notifytest.Message
	for _, t := range r.Texts() {
		out = append(out, notifytest.Message{Text: t})
	}
	return out
}

func newChannel(t *testing.T, base, secret string) *dingtalk.Channel {
	t.Helper()
	c, err := dingtalk.New(dingtalk.Config{URL: base + "/robot/send?access_token=" + token, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name:     dingtalk.Name,
		New:      func(t *testing.T, base string) notify.Channel { return newChannel(t, base, secret) },
		Receiver: func(t *testing.T) notifytest.Receiver { return receiver{dingtalk.NewReceiver(nil, token, secret)} },
		Secrets:  []string{token, secret},
	})
}

// Sign against a value computed independently with Python (the documented algorithm).
func TestSignMatchesDocumentedAlgorithm(t *testing.T) {
	// python: base64(hmac.new(b"this is secret", b"1577262236757\nthis is secret", sha256).digest())
	if got, want := dingtalk.Sign("this is secret", 1577262236757), "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestErrcodes(t *testing.T) {
	cases := []struct {
		name      string
		ch        func(base string) *dingtalk.Channel
		plan      int
		code      string
		permanent bool
		auth      bool
		minWait   time.Duration
		after     time.Duration
	}{
		{name: "wrong secret", ch: func(b string) *dingtalk.Channel { return newChannel(t, b, "SECwrong") }, code: "310000", permanent: true, auth: true},
		{name: "unsigned to a signing robot", ch: func(b string) *dingtalk.Channel { return newChannel(t, b, "") }, code: "310000", permanent: true, auth: true},
		{name: "rate limit", plan: 429, code: "130101", minWait: dingtalk.RateLimitWait},
		{name: "rate limit with Retry-After", plan: 429, after: 5 * time.Second, code: "130101", minWait: 5 * time.Second},
		{name: "busy", plan: 502, code: "-1"},
		{name: "malformed", plan: 400, code: "40035", permanent: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rcv := dingtalk.NewReceiver(nil, token, secret)
			if c.plan != 0 {
				rcv.FailNext(1, c.plan, c.after)
			}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			ch := newChannel(t, srv.URL, secret)
			if c.ch != nil {
				ch = c.ch(srv.URL)
			}
			_, err := ch.Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
			var de *notify.DeliveryError
			if !errors.As(err, &de) || de.Code != c.code || de.Permanent != c.permanent || de.Auth != c.auth || de.RetryAfter < c.minWait {
				t.Fatalf("err = %#v, want code %s permanent %v auth %v wait ≥ %v", err, c.code, c.permanent, c.auth, c.minWait)
			}
			notifytest.AssertNoSecrets(t, "error", err.Error(), token, secret)
		})
	}
}

var moreRE = regexp.MustCompile(`(?:…and|另有) (\d+) (?:more|项)`)

// A watch with 500 failed objects: the message fits DingTalk's 20,000 bytes and the
// listed plus announced failures add up to 500.
func TestSizeLimit(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		m := dingtalk.Render(notifytest.ManyFailures(50, 450), lang)
		if len(m.Markdown.Text) > dingtalk.MaxMarkdownBytes {
			t.Errorf("%s: %d bytes, limit %d", lang, len(m.Markdown.Text), dingtalk.MaxMarkdownBytes)
		}
		shown := strings.Count(m.Markdown.Text, "\n- ")
		more := 0
		for _, g := range moreRE.FindAllStringSubmatch(m.Markdown.Text, -1) {
			k, _ := strconv.Atoi(g[1])
			more += k
		}
		if shown == 0 || shown+more != 500 {
			t.Errorf("%s: %d listed + %d announced = %d, want 500", lang, shown, more, shown+more)
		}
	}
}

func TestChinese(t *testing.T) {
	m := dingtalk.Render(notifytest.Notice(notify.WatchFinished), "zh")
	for _, want := range []string{"已结束，有失败", "服务商", "失败（3）", notifytest.FixturePath} {
		if !strings.Contains(m.Markdown.Text, want) {
			t.Errorf("zh message lacks %q:\n%s", want, m.Markdown.Text)
		}
	}
}

func TestRedirectIsPermanent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
	}))
	defer srv.Close()
	_, err := newChannel(t, srv.URL, secret).Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
	if !notify.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
}
