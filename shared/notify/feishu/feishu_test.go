package feishu_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/feishu"
	"cdnwatch/shared/notify/notifytest"
)

const (
	hook   = "7f3c2a1b-90de-4c8f-b6a5-d4e3f2a1b0c9"
	secret = "dV9sZWFrX21lX25vdF9mZWlzaHU"
)

type receiver struct{ *feishu.Receiver }

func (r receiver) Received() []notifytest.Message {
	var out []notifytest.Message
	for _, t := range r.Texts() {
		out = append(out, notifytest.Message{Text: t})
	}
	return out
}

func newChannel(t *testing.T, base, h, s string) *feishu.Channel {
	t.Helper()
	c, err := feishu.New(feishu.Config{URL: base + "/open-apis/bot/v2/hook/" + h, Secret: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name:     feishu.Name,
		New:      func(t *testing.T, base string) notify.Channel { return newChannel(t, base, hook, secret) },
		Receiver: func(t *testing.T) notifytest.Receiver { return receiver{feishu.NewReceiver(nil, hook, secret)} },
		Secrets:  []string{hook, secret},
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
		status    int
		code      string
		permanent bool
		auth      bool
		minWait   time.Duration
	}{
		{name: "wrong secret", sec: "wrong", status: 200, code: "19021", permanent: true, auth: true},
		{name: "unknown hook", hook: "00000000-0000-0000-0000-000000000000", status: 200, code: "19001", permanent: true, auth: true},
		// A 400 that carries a rate-limit code stays retryable.
		{name: "frequency limited", plan: 429, status: 400, code: "11232", minWait: feishu.RateLimitWait},
		{name: "bad request", plan: 400, status: 400, code: "9499", permanent: true},
		{name: "gateway 502", plan: 502, status: 502},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rcv := feishu.NewReceiver(nil, hook, secret)
			if c.plan != 0 {
				rcv.FailNext(1, c.plan, 0)
			}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			h, s := hook, secret
			if c.hook != "" {
				h = c.hook
			}
			if c.sec != "" {
				s = c.sec
			}
			_, err := newChannel(t, srv.URL, h, s).Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
			var de *notify.DeliveryError
			if !errors.As(err, &de) || de.Status != c.status || de.Code != c.code || de.Permanent != c.permanent || de.Auth != c.auth || de.RetryAfter < c.minWait {
				t.Fatalf("err = %#v, want status %d code %q permanent %v auth %v wait ≥ %v", err, c.status, c.code, c.permanent, c.auth, c.minWait)
			}
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

var moreRE = regexp.MustCompile(`(?:…and|另有) (\d+) (?:more|项)`)

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
		content := m.Card.Elements[0].Content
		shown := strings.Count(content, "\n- ")
		more := 0
		for _, g := range moreRE.FindAllStringSubmatch(content, -1) {
			k, _ := strconv.Atoi(g[1])
			more += k
		}
		if shown == 0 || shown+more != 500 {
			t.Errorf("%s: %d listed + %d announced = %d, want 500", lang, shown, more, shown+more)
		}
		if strings.Contains(content, "<&>") {
			t.Errorf("%s: '<' and '>' are not escaped in card markdown", lang)
		}
	}
}

func TestChinese(t *testing.T) {
	m := feishu.Render(notifytest.Notice(notify.TaskFailed), "zh")
	if m.Card.Header.Title.Content != "❌ 多个任务失败 — "+notifytest.FixtureLabel || m.Card.Header.Template != "red" {
		t.Errorf("header = %+v", m.Card.Header)
	}
	if c := m.Card.Elements[0].Content; !strings.Contains(c, "失败（2）") {
		t.Errorf("zh card lacks the list title:\n%s", c)
	}
}

func httpHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(body))
	}
}
