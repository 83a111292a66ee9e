package wecom_test

import (
	"strings"
	"testing"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/wecom"
)

const key = "693a91f6-7c1e-4bc4-97a0-0ec2s1fa5aaa"

func newChannel(t *testing.T, base, k string) *wecom.Channel {
	t.Helper()
	return notifytest.Must(wecom.New(base+"/cgi-bin/webhook/send?key="+k, nil, "en"))(t)
}

func TestConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name:     wecom.Name,
		New:      func(t *testing.T, base string) notify.Channel { return newChannel(t, base, key) },
		Receiver: func(t *testing.T) notifytest.Receiver { return notifytest.FromTexts(wecom.NewReceiver(nil, key)) },
		Secrets:  []string{key},
	})
}

func TestErrcodes(t *testing.T) {
	cases := []struct {
		name string
		key  string
		plan int
		want notifytest.Want
	}{
		{name: "unknown key", key: "00000000-dead-beef-0000-000000000000", want: notifytest.Want{Code: "93000", Permanent: true, Auth: true}},
		{name: "rate limit", plan: 429, want: notifytest.Want{Code: "45009", MinWait: wecom.RateLimitWait}},
		{name: "busy", plan: 503, want: notifytest.Want{Code: "-1"}},
		{name: "malformed", plan: 400, want: notifytest.Want{Code: "40008", Permanent: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rcv := wecom.NewReceiver(nil, key)
			if c.plan != 0 {
				rcv.FailNext(1, c.plan, 0)
			}
			k := key
			if c.key != "" {
				k = c.key
			}
			err := notifytest.SendFailed(t, rcv, func(base string) notify.Channel { return newChannel(t, base, k) })
			notifytest.AssertDeliveryError(t, err, c.want)
			notifytest.AssertNoSecrets(t, "error", err.Error(), key, k)
		})
	}
}

// A watch with 500 failed objects: the content fits WeCom's 4096 bytes of UTF-8 (also
// in Chinese, 3 bytes a character) and listed plus announced failures add up to 500.
func TestSizeLimit(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		m := wecom.Render(notifytest.ManyFailures(50, 450), lang)
		if n := len(m.Markdown.Content); n > wecom.MaxMarkdownBytes || n < wecom.MaxMarkdownBytes-600 {
			t.Errorf("%s: %d bytes; want at most %d and not much less (the list should fill it)", lang, n, wecom.MaxMarkdownBytes)
		}
		shown, more := notifytest.Listed(m.Markdown.Content)
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
