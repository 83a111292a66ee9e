package dingtalk_test

import (
	"net/http"
	"net/http/httptest"
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

func newChannel(t *testing.T, base, secret string) *dingtalk.Channel {
	t.Helper()
	return notifytest.Must(dingtalk.New(dingtalk.Config{URL: base + "/robot/send?access_token=" + token, Secret: secret}))(t)
}

func TestConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name: dingtalk.Name,
		New:  func(t *testing.T, base string) notify.Channel { return newChannel(t, base, secret) },
		Receiver: func(t *testing.T) notifytest.Receiver {
			return notifytest.FromTexts(dingtalk.NewReceiver(nil, token, secret))
		},
		Secrets: []string{token, secret},
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
		name  string
		ch    func(base string) *dingtalk.Channel
		plan  int
		after time.Duration
		want  notifytest.Want
	}{
		{name: "wrong secret", ch: func(b string) *dingtalk.Channel { return newChannel(t, b, "SECwrong") }, want: notifytest.Want{Code: "310000", Permanent: true, Auth: true}},
		{name: "unsigned to a signing robot", ch: func(b string) *dingtalk.Channel { return newChannel(t, b, "") }, want: notifytest.Want{Code: "310000", Permanent: true, Auth: true}},
		{name: "rate limit", plan: 429, want: notifytest.Want{Code: "130101", MinWait: dingtalk.RateLimitWait}},
		{name: "rate limit with Retry-After", plan: 429, after: 5 * time.Second, want: notifytest.Want{Code: "130101", MinWait: 5 * time.Second}},
		{name: "busy", plan: 502, want: notifytest.Want{Code: "-1"}},
		{name: "malformed", plan: 400, want: notifytest.Want{Code: "40035", Permanent: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rcv := dingtalk.NewReceiver(nil, token, secret)
			if c.plan != 0 {
				rcv.FailNext(1, c.plan, c.after)
			}
			err := notifytest.SendFailed(t, rcv, func(base string) notify.Channel {
				if c.ch != nil {
					return c.ch(base)
				}
				return newChannel(t, base, secret)
			})
			notifytest.AssertDeliveryError(t, err, c.want)
			notifytest.AssertNoSecrets(t, "error", err.Error(), token, secret)
		})
	}
}

// A watch with 500 failed objects: the message fits DingTalk's 20,000 bytes and the
// listed plus announced failures add up to 500. Its paths and reasons carry "<&>", so
// it goes out as text.
func TestSizeLimit(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		m := dingtalk.Render(notifytest.ManyFailures(50, 450), lang)
		if m.MsgType != "text" || len(m.Body()) > dingtalk.MaxTextBytes {
			t.Errorf("%s: %s of %d bytes, want text of at most %d", lang, m.MsgType, len(m.Body()), dingtalk.MaxTextBytes)
		}
		shown, more := notifytest.Listed(m.Body())
		if shown == 0 || shown+more != 500 {
			t.Errorf("%s: %d listed + %d announced = %d, want 500", lang, shown, more, shown+more)
		}
	}
}

func TestChinese(t *testing.T) {
	m := dingtalk.Render(notifytest.Notice(notify.WatchFinished), "zh")
	if m.MsgType != "markdown" {
		t.Errorf("a notice of plain words went out as %s", m.MsgType)
	}
	for _, want := range []string{"已结束，有失败", "**服务商**", "失败（3）", notifytest.FixturePath} {
		if !strings.Contains(m.Body(), want) {
			t.Errorf("zh message lacks %q:\n%s", want, m.Body())
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

// A CloudFront wildcard, an Aliyun regex refresh or a label with a link or a font tag
// sends a text message holding them as they are; a notice of plain words is markdown.
func TestMarkupGoesOutAsText(t *testing.T) {
	for _, path := range []string{"/*", `https://example.com/img/.*\.jpg$`, "[x](http://evil.example/)", "<font color=red>x</font>", "a_b_c"} {
		n := notifytest.Notice(notify.TaskFailed)
		n.Failures[0].Path = path
		m := dingtalk.Render(n, "en")
		if m.MsgType != "text" || m.Markdown != nil || !strings.Contains(m.Body(), " "+path+" — ") {
			t.Errorf("path %q: %s %q, want a text message with the path as it is", path, m.MsgType, m.Body())
		}
	}
	if m := dingtalk.Render(notifytest.Notice(notify.TaskFailed), "en"); m.MsgType != "markdown" || m.Text != nil {
		t.Errorf("plain notice: %s", m.MsgType)
	}
}
