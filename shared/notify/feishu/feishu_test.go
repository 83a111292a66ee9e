package feishu_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/feishu"
	"cdnwatch/shared/notify/notifytest"
)

const (
	hook   = "7f3c2a1b-90de-4c8f-b6a5-d4e3f2a1b0c9"
	secret = "dV9sZWFrX21lX25vdF9mZWlzaHU"
)

func newChannel(t *testing.T, base, h, s string) *feishu.Channel {
	t.Helper()
	return notifytest.Must(feishu.New(feishu.Config{URL: base + "/open-apis/bot/v2/hook/" + h, Secret: s}))(t)
}

func TestConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name: feishu.Name,
		New:  func(t *testing.T, base string) notify.Channel { return newChannel(t, base, hook, secret) },
		Receiver: func(t *testing.T) notifytest.Receiver {
			return notifytest.FromTexts(feishu.NewReceiver(nil, hook, secret))
		},
		Secrets: []string{hook, secret},
	})
}

// Sign against a value computed independently with Python (Feishu's documented
// algorithm: the key is "timestamp\nsecret", the message is empty).
func TestSignMatchesDocumentedAlgorithm(t *testing.T) {
	if got, want := feishu.Sign("test-secret", 1599360473), "wSds2BzzFIIGf/WrhUO+NI1q/9j+FRJd3JNHKAq0NZY="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestCodes(t *testing.T) {
	cases := []struct {
		name      string
		hook, sec string
		plan      int
		want      notifytest.Want
	}{
		{name: "wrong secret", sec: "wrong", want: notifytest.Want{Status: 200, Code: "19021", Permanent: true, Auth: true}},
		{name: "unknown hook", hook: "00000000-0000-0000-0000-000000000000", want: notifytest.Want{Status: 200, Code: "19001", Permanent: true, Auth: true}},
		// A 400 that carries a rate-limit code stays retryable.
		{name: "frequency limited", plan: 429, want: notifytest.Want{Status: 400, Code: "11232", MinWait: feishu.RateLimitWait}},
		{name: "bad request", plan: 400, want: notifytest.Want{Status: 400, Code: "9499", Permanent: true}},
		{name: "gateway 502", plan: 502, want: notifytest.Want{Status: 502}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rcv := feishu.NewReceiver(nil, hook, secret)
			if c.plan != 0 {
				rcv.FailNext(1, c.plan, 0)
			}
			h, s := hook, secret
			if c.hook != "" {
				h = c.hook
			}
			if c.sec != "" {
				s = c.sec
			}
			err := notifytest.SendFailed(t, rcv, func(base string) notify.Channel { return newChannel(t, base, h, s) })
			notifytest.AssertDeliveryError(t, err, c.want)
			notifytest.AssertNoSecrets(t, "error", err.Error(), hook, secret, h)
		})
	}
}

// "too many request" under code 9499 is a rate limit, not a malformed message.
func TestBadRequestTooManyIsRetryable(t *testing.T) {
	srv := httptest.NewServer(httpHandler(`{"code":9499,"msg":"too many request","data":{}}`))
	defer srv.Close()
	_, err := newChannel(t, srv.URL, hook, "").Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary error", err)
	}
}

// A watch with 500 failed objects: the encoded request fits 20 KB and the listed plus
// announced failures add up to 500.
func TestSizeLimit(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		m := feishu.Render(notifytest.ManyFailures(50, 450), lang)
		m.Timestamp, m.Sign = "1714557600", feishu.Sign(secret, 1714557600)
		b, _ := json.Marshal(m)
		if len(b) > feishu.MaxBodyBytes {
			t.Errorf("%s: body of %d bytes, limit %d", lang, len(b), feishu.MaxBodyBytes)
		}
		var content string
		for _, e := range m.Card.Elements {
			switch {
			case e.Tag == "div" && e.Text != nil && e.Text.Tag == "plain_text":
				content += "\n" + e.Text.Content
			case e.Tag == "markdown" && strings.Contains(e.Content, "<&>"):
				t.Errorf("%s: user text in card markdown: %s", lang, e.Content)
			}
		}
		shown, more := notifytest.Listed(content)
		if shown == 0 || shown+more != 500 {
			t.Errorf("%s: %d listed + %d announced = %d, want 500", lang, shown, more, shown+more)
		}
		if !strings.Contains(content, "origin timed out & answered <504>") {
			t.Errorf("%s: the reasons do not show as they are in plain_text:\n%.500s", lang, content)
		}
	}
}

func TestChinese(t *testing.T) {
	m := feishu.Render(notifytest.Notice(notify.TaskFailed), "zh")
	if m.Card.Header.Title.Content != "❌ 多个任务失败 — "+notifytest.FixtureLabel || m.Card.Header.Template != "red" {
		t.Errorf("header = %+v", m.Card.Header)
	}
	if c := m.Card.Elements[1].Content; m.Card.Elements[1].Tag != "markdown" || c != "**失败（2）**" {
		t.Errorf("zh card's second element is not the list title: %+v", m.Card.Elements[1])
	}
	if e := m.Card.Elements[2]; e.Tag != "div" || e.Text == nil || e.Text.Tag != "plain_text" ||
		!strings.Contains(e.Text.Content, notifytest.FixturePath+" — "+notifytest.FixtureReason) {
		t.Errorf("zh card's failures are not plain_text: %+v", e)
	}
}

func httpHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(body))
	}
}

// User text never reaches the card's markdown: a label with an <at> mention stays in the
// header's plain_text, a path with emphasis in a div's plain_text, a hostile watch id in
// the note's plain_text.
func TestUserTextInPlainText(t *testing.T) {
	n := notifytest.Notice(notify.TaskFailed)
	n.Label = `<at id=all></at>`
	n.WatchID = "**w**"
	n.Failures[0].Path = "/a*b*c [x](http://evil.example/)"
	m := feishu.Render(n, "en")
	if m.Card.Header.Title.Tag != "plain_text" || !strings.HasSuffix(m.Card.Header.Title.Content, " — <at id=all></at>") {
		t.Errorf("header %+v", m.Card.Header.Title)
	}
	var plain string
	for _, e := range m.Card.Elements {
		switch e.Tag {
		case "markdown":
			for _, bad := range []string{"<at", "a*b*c", "evil", "**w**"} {
				if strings.Contains(e.Content, bad) {
					t.Errorf("user text %q in markdown: %s", bad, e.Content)
				}
			}
		case "div":
			plain += e.Text.Tag + ":" + e.Text.Content + "\n"
		case "note":
			for _, x := range e.Elements {
				plain += x.Tag + ":" + x.Content + "\n"
			}
		}
	}
	for _, want := range []string{"plain_text:- 16520011 /a*b*c [x](http://evil.example/) — ", "plain_text:watch **w** · "} {
		if !strings.Contains(plain, want) {
			t.Errorf("plain_text elements lack %q:\n%s", want, plain)
		}
	}
}
