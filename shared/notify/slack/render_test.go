package slack_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/slack"
)

var moreRE = regexp.MustCompile(`…and (\d+) more`)

// checkLimits fails t if msg breaks one of Slack's Block Kit limits, and returns how many
// list items were shown and how many the "…and N more" lines announce. It reads msg as
// slack-go does (viaSlackGo), not through our own types.
func checkLimits(t *testing.T, ours slack.Message) (shown, more int) {
	t.Helper()
	msg := viaSlackGo(t, ours)
	if msg.Text == "" {
		t.Error("no plain-text fallback")
	}
	if msg.Blocks == nil {
		t.Fatal("no blocks")
	}
	blocks := msg.Blocks.BlockSet
	if len(blocks) > slack.MaxBlocks {
		t.Errorf("%d blocks, limit %d", len(blocks), slack.MaxBlocks)
	}
	n := func(s string) int { return utf8.RuneCountInString(s) }
	for i, b := range blocks {
		switch b := b.(type) {
		case *slackapi.HeaderBlock:
			if n(b.Text.Text) > slack.MaxHeaderText {
				t.Errorf("block %d: header of %d chars", i, n(b.Text.Text))
			}
		case *slackapi.SectionBlock:
			if b.Text != nil {
				if n(b.Text.Text) > slack.MaxSectionText {
					t.Errorf("block %d: section of %d chars", i, n(b.Text.Text))
				}
				shown += strings.Count(b.Text.Text, "• ")
				for _, m := range moreRE.FindAllStringSubmatch(b.Text.Text, -1) {
					k, _ := strconv.Atoi(m[1])
					more += k
				}
			}
			if len(b.Fields) > slack.MaxFields {
				t.Errorf("block %d: %d fields", i, len(b.Fields))
			}
			for _, f := range b.Fields {
				if n(f.Text) > slack.MaxFieldText {
					t.Errorf("block %d: field of %d chars", i, n(f.Text))
				}
			}
		case *slackapi.ContextBlock:
			if len(b.ContextElements.Elements) > slack.MaxContextElements {
				t.Errorf("block %d: %d context elements", i, len(b.ContextElements.Elements))
			}
		}
	}
	return shown, more
}

func TestRenderManyFailuresStaysWithinLimits(t *testing.T) {
	for _, c := range []struct{ listed, omitted int }{{500, 0}, {500, 1200}, {3, 0}, {0, 40}} {
		n := notifytest.ManyFailures(c.listed, c.omitted)
		msg := slack.Render(n)
		shown, more := checkLimits(t, msg)
		if shown+more != c.listed+c.omitted {
			t.Errorf("%d+%d failures: %d shown + %d announced as more, want the sum %d",
				c.listed, c.omitted, shown, more, c.listed+c.omitted)
		}
		if c.listed > 0 && shown == 0 {
			t.Errorf("%d failures: none shown", c.listed)
		}
		// The real test of validity: a Slack-compatible receiver accepts it.
		body, err := json.Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		rcv := slack.NewReceiver(nil)
		rec := httptest.NewRecorder()
		rcv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body))))
		if rec.Code != http.StatusOK {
			t.Errorf("%d failures: receiver answered %d %s", c.listed, rec.Code, rec.Body)
		}
	}
}

// Huge fields everywhere: the limits hold for any input, not only the ones we cap.
func TestRenderHugeInputs(t *testing.T) {
	huge := strings.Repeat("<&>", 3000)
	n := notifytest.ManyFailures(60, 0)
	n.Kind = notify.WatchTimeout
	n.Label, n.WatchID, n.ID, n.Provider = huge, huge, huge, huge
	for i := range n.Failures {
		n.Failures[i].Path, n.Failures[i].Reason, n.Failures[i].TaskID = huge, huge, huge
	}
	for i := range 500 {
		n.Pending = append(n.Pending, huge[:i%50+1])
	}
	n.PendingOmitted = 7
	msg := slack.Render(n)
	checkLimits(t, msg)
	if !strings.Contains(slack.PlainText(msg), "…and 467 more") {
		t.Errorf("pending list does not say how many are left out")
	}
}

func TestRenderEscapesMrkdwn(t *testing.T) {
	n := notifytest.Notice(notify.TaskFailed)
	n.Label = "<!channel> & co"
	n.Failures[0].Path = "https://x.example.com/a?b=1&c=<2>"
	msg := slack.Render(n)
	raw, _ := json.Marshal(msg.Blocks)
	if strings.Contains(string(raw), "<!channel>") || strings.Contains(msg.Text, "<!channel>") {
		t.Error("a label can @-mention the channel: mrkdwn not escaped")
	}
	if !strings.Contains(string(raw), "a?b=1\\u0026amp;c=\\u0026lt;2\\u0026gt;") {
		t.Errorf("path not escaped in blocks: %s", raw)
	}
	if text := slack.PlainText(msg); !strings.Contains(text, "a?b=1&c=<2>") {
		t.Errorf("plain text does not read back the path:\n%s", text)
	}
}

func TestRenderHeaders(t *testing.T) {
	for _, c := range []struct {
		mut  func(*notify.Notice)
		kind notify.Kind
		want string
	}{
		{nil, notify.TaskFailed, "❌ Tasks failed — web v1.4.2"},
		{func(n *notify.Notice) { n.Failures = n.Failures[:1] }, notify.TaskFailed, "❌ Task failed — web v1.4.2"},
		{nil, notify.WatchFinished, "❌ Finished with failures — web v1.4.2"},
		{func(n *notify.Notice) { n.Counts = notify.Counts{Total: 5, Complete: 5}; n.Failures = nil }, notify.WatchFinished, "✅ Finished — web v1.4.2"},
		{func(n *notify.Notice) { n.Counts = notify.Counts{Total: 5, Complete: 4, Unknown: 1} }, notify.WatchFinished, "⚠️ Finished, some tasks unknown — web v1.4.2"},
		{func(n *notify.Notice) { n.Label = "" }, notify.WatchTimeout, "⏰ Timed out — watch wat-3f9c2a"},
		{nil, notify.Progress, "⏳ In progress — web v1.4.2"},
		{func(n *notify.Notice) { n.Label = "" }, notify.SweepDigest, "📋 Sweep digest — aliyun-cdn"},
	} {
		n := notifytest.Notice(c.kind)
		if c.mut != nil {
			c.mut(&n)
		}
		msg := viaSlackGo(t, slack.Render(n))
		h, ok := msg.Blocks.BlockSet[0].(*slackapi.HeaderBlock)
		if !ok || h.Text.Text != c.want {
			t.Errorf("%s header = %v, want %q", c.kind, msg.Blocks.BlockSet[0], c.want)
		}
		if !strings.HasPrefix(msg.Text, c.want+": ") {
			t.Errorf("%s fallback = %q, want it to start with the header", c.kind, msg.Text)
		}
	}
}

func TestRenderFallbackText(t *testing.T) {
	got := slack.Render(notifytest.Notice(notify.WatchFinished)).Text
	want := "❌ Finished with failures — web v1.4.2: 20 complete · 2 failed · 1 unknown, of 23 in 4m12s · aliyun-cdn"
	if got != want {
		t.Errorf("fallback\n got %q\nwant %q", got, want)
	}
}

func TestRenderCloudFront(t *testing.T) {
	n := notifytest.Notice(notify.WatchFinished)
	n.NoFailedState, n.Provider = true, "aws-cloudfront"
	n.Counts, n.Failures = notify.Counts{Total: 2, Complete: 2}, nil
	text := slack.PlainText(slack.Render(n))
	if !strings.Contains(text, "CloudFront reports no failed state") {
		t.Errorf("no CloudFront note:\n%s", text)
	}
	if strings.Contains(text, "0 failed") {
		t.Errorf("a provider without a failed state should not count failures:\n%s", text)
	}
}

// A list whose text is inert in mrkdwn keeps code spans, in a verbatim mrkdwn object;
// one with a reason Slack would format ("*x*", ":fire:", a backtick) goes out as
// plain_text with emoji off, showing the text as it is.
func TestRenderFallsBackToPlainText(t *testing.T) {
	section := func(ours slack.Message, want string) *slackapi.TextBlockObject {
		for _, b := range viaSlackGo(t, ours).Blocks.BlockSet {
			if s, ok := b.(*slackapi.SectionBlock); ok && s.Text != nil && strings.Contains(s.Text.Text, want) {
				return s.Text
			}
		}
		t.Fatalf("no section holds %q", want)
		return nil
	}
	n := notifytest.Notice(notify.TaskFailed)
	got := section(slack.Render(n), "16520011")
	if got.Type != slackapi.MarkdownType || !got.Verbatim || !strings.Contains(got.Text, "`"+notifytest.FixturePath+"`") {
		t.Errorf("inert list: %+v, want verbatim mrkdwn with the path in a code span", got)
	}
	n.Failures[0].Reason = "refused: https://origin.example:8080/ answered 502"
	if got := section(slack.Render(n), "16520011"); got.Type != slackapi.MarkdownType {
		t.Errorf("a reason with colons but no shortcode went out as %s", got.Type)
	}
	for _, reason := range []string{"a *bold* claim", "it is :fire:", "use `curl`", "~gone~", "x:+1:y"} {
		n.Failures[0].Reason = reason
		got := section(slack.Render(n), "16520011")
		if got.Type != slackapi.PlainTextType || got.Emoji == nil || *got.Emoji || !strings.Contains(got.Text, "— "+reason) {
			t.Errorf("reason %q: %+v, want plain_text, emoji off, the reason as it is", reason, got)
		}
	}
}
