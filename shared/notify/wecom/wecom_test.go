package wecom_test

import (
	"errors"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/wecom"
)

const key = "693a91f6-7c1e-4bc4-97a0-0ec2s1fa5aaa"

type receiver struct{ *wecom.Receiver }

func (r receiver) Received() []notifytest.Message {
	var out []notifytest.Message
	for _, t := range r.Texts() {
		out = append(out, notifytest.Message{Text: t})
	}
	return out
}

func newChannel(t *testing.T, base, k string) *wecom.Channel {
	t.Helper()
	c, err := wecom.New(base+"/cgi-bin/webhook/send?key="+k, nil, "en")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name:     wecom.Name,
		New:      func(t *testing.T, base string) notify.Channel { return newChannel(t, base, key) },
		Receiver: func(t *testing.T) notifytest.Receiver { return receiver{wecom.NewReceiver(nil, key)} },
		Secrets:  []string{key},
	})
}

func TestErrcodes(t *testing.T) {
	cases := []struct {
		name      string
		key       string
		plan      int
		code      string
		permanent bool
		auth      bool
		minWait   time.Duration
	}{
		{name: "unknown key", key: "00000000-dead-beef-0000-000000000000", code: "93000", permanent: true, auth: true},
		{name: "rate limit", plan: 429, code: "45009", minWait: wecom.RateLimitWait},
		{name: "busy", plan: 503, code: "-1"},
		{name: "malformed", plan: 400, code: "40008", permanent: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rcv := wecom.NewReceiver(nil, key)
			if c.plan != 0 {
				rcv.FailNext(1, c.plan, 0)
			}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			k := key
			if c.key != "" {
				k = c.key
			}
			_, err := newChannel(t, srv.URL, k).Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
			var de *notify.DeliveryError
			if !errors.As(err, &de) || de.Code != c.code || de.Permanent != c.permanent || de.Auth != c.auth || de.RetryAfter < c.minWait {
				t.Fatalf("err = %#v, want code %s permanent %v auth %v wait ≥ %v", err, c.code, c.permanent, c.auth, c.minWait)
			}
			notifytest.AssertNoSecrets(t, "error", err.Error(), key, k)
		})
	}
}

var moreRE = regexp.MustCompile(`(?:…and|另有) (\d+) (?:more|项)`)

// A watch with 500 failed objects: the content fits WeCom's 4096 bytes of UTF-8 (also
// in Chinese, 3 bytes a character) and listed plus announced failures add up to 500.
func TestSizeLimit(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		m := wecom.Render(notifytest.ManyFailures(50, 450), lang)
		if n := len(m.Markdown.Content); n > wecom.MaxMarkdownBytes || n < wecom.MaxMarkdownBytes-600 {
			t.Errorf("%s: %d bytes; want at most %d and not much less (the list should fill it)", lang, n, wecom.MaxMarkdownBytes)
		}
		shown := strings.Count(m.Markdown.Content, "\n- ")
		more := 0
		for _, g := range moreRE.FindAllStringSubmatch(m.Markdown.Content, -1) {
			k, _ := strconv.Atoi(g[1])
			more += k
		}
		if shown == 0 || shown+more != 500 {
			t.Errorf("%s: %d listed + %d announced = %d, want 500", lang, shown, more, shown+more)
		}
	}
}

func TestChinese(t *testing.T) {
	m := wecom.Render(notifytest.Notice(notify.WatchTimeout), "zh")
	for _, want := range []string{"已超时", "仍在等待（3）", notifytest.FixturePending, `<font color="warning">`} {
		if !strings.Contains(m.Markdown.Content, want) {
			t.Errorf("zh message lacks %q:\n%s", want, m.Markdown.Content)
		}
	}
}
