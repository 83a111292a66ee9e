package wecom_test

import (
	"fmt"
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

// A watch with 500 failed objects: the content fits WeCom's limit in bytes of UTF-8
// (also in Chinese, 3 bytes a character) and listed plus announced failures add up to
// 500. Its paths carry "<&>", so it goes out as text, whose limit is 2048 bytes; the
// same list with plain paths goes out as markdown, within 4096.
func TestSizeLimit(t *testing.T) {
	plainPaths := notifytest.ManyFailures(50, 450)
	for i := range plainPaths.Failures {
		plainPaths.Failures[i].Path = fmt.Sprintf("https://static.example.com/a/very/long/path/%04d/segment-%s", i, strings.Repeat("x", 60))
		plainPaths.Failures[i].Reason = "origin timed out after 30s while prefetching the object"
	}
	for _, tt := range []struct {
		n     notify.Notice
		kind  string
		limit int
	}{{notifytest.ManyFailures(50, 450), "text", wecom.MaxTextBytes}, {plainPaths, "markdown", wecom.MaxMarkdownBytes}} {
		for _, lang := range []string{"en", "zh"} {
			m := wecom.Render(tt.n, lang)
			if n := len(m.Body()); m.MsgType != tt.kind || n > tt.limit || n < tt.limit-600 {
				t.Errorf("%s: %s of %d bytes; want %s of at most %d and not much less (the list should fill it)",
					lang, m.MsgType, n, tt.kind, tt.limit)
			}
			shown, more := notifytest.Listed(m.Body())
			if shown == 0 || shown+more != 500 {
				t.Errorf("%s: %d listed + %d announced = %d, want 500", lang, shown, more, shown+more)
			}
		}
	}
}

func TestChinese(t *testing.T) {
	m := wecom.Render(notifytest.Notice(notify.WatchTimeout), "zh")
	for _, want := range []string{"已超时", "仍在等待（3）", notifytest.FixturePending, `<font color="warning">`} {
		if !strings.Contains(m.Body(), want) {
			t.Errorf("zh message lacks %q:\n%s", want, m.Body())
		}
	}
}

// A label with a mention goes out as text, with the mention broken by an invisible
// WORD JOINER (WeCom reads <@userid> in text messages too); a failure reason with
// markdown goes out as text as it is.
func TestMarkupGoesOutAsText(t *testing.T) {
	n := notifytest.Notice(notify.TaskFailed)
	n.Label = "deploy <@all>"
	n.Failures[0].Reason = "**urgent** [x](http://evil.example/)"
	m := wecom.Render(n, "en")
	if m.MsgType != "text" || m.Markdown != nil {
		t.Fatalf("%s, want text", m.MsgType)
	}
	if strings.Contains(m.Body(), "<@all>") || !strings.Contains(m.Body(), "deploy <\u2060@all>") {
		t.Errorf("the mention is not broken:\n%q", m.Body())
	}
	if !strings.Contains(m.Body(), "— **urgent** [x](http://evil.example/)") {
		t.Errorf("the reason is not as it is:\n%s", m.Body())
	}
}
