package msgtext_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/msgtext"
	"cdnwatch/shared/notify/notifytest"
)

func TestFitKeepsAPrefixAndCountsTheRest(t *testing.T) {
	d := msgtext.Build(notifytest.ManyFailures(50, 450), &msgtext.English)
	if got := d.Shown() + d.Omitted(); got != 500 {
		t.Fatalf("built doc accounts for %d failures, want 500", got)
	}
	for _, limit := range []int{0, 1, 7, 25} {
		f := msgtext.Fit(d, func(d msgtext.Doc) bool { return d.Shown() <= limit })
		if f.Shown() != min(limit, d.Shown()) || f.Shown()+f.Omitted() != 500 {
			t.Errorf("limit %d: shown %d omitted %d", limit, f.Shown(), f.Omitted())
		}
		if f.Shown() > 0 && f.Lists[0].Items[0] != d.Lists[0].Items[0] {
			t.Errorf("limit %d: the first item changed", limit)
		}
	}
	if d.Lists[0].Items[0].ID != "16520000" || len(d.Lists[0].Items) != msgtext.MaxListed {
		t.Errorf("first list: %d items starting %q", len(d.Lists[0].Items), d.Lists[0].Items[0].ID)
	}
}

func TestTruncateBytesKeepsUTF8(t *testing.T) {
	s := strings.Repeat("失败", 100)
	for n := 0; n < 40; n++ {
		got := msgtext.TruncateBytes(s, n)
		if len(got) > max(n, len("…")) || !utf8.ValidString(got) {
			t.Errorf("TruncateBytes(%d) = %q (%d bytes)", n, got, len(got))
		}
	}
}

func TestChineseIsComplete(t *testing.T) {
	// Every English string has a Chinese one with the same format verbs.
	en, zh := msgtext.English, msgtext.Chinese
	pairs := [][2]string{
		{en.Complete, zh.Complete}, {en.Failed, zh.Failed}, {en.Unknown, zh.Unknown}, {en.Pending, zh.Pending},
		{en.OfTotal, zh.OfTotal}, {en.Completed, zh.Completed}, {en.StillRunning, zh.StillRunning},
		{en.FailuresTitle, zh.FailuresTitle}, {en.UnknownTitle, zh.UnknownTitle}, {en.PendingTitle, zh.PendingTitle},
		{en.RunningTitle, zh.RunningTitle}, {en.More, zh.More}, {en.TimeoutNote, zh.TimeoutNote},
		{en.NoticeRef, zh.NoticeRef}, {en.FallbackIn, zh.FallbackIn}, {en.WatchRef, zh.WatchRef}, {en.Updated, zh.Updated},
	}
	verbs := func(s string) string {
		var v []string
		for i := 0; i < len(s)-1; i++ {
			if s[i] == '%' {
				v = append(v, s[i:i+2])
			}
		}
		return strings.Join(v, ",")
	}
	for _, p := range pairs {
		if p[1] == "" || verbs(p[0]) != verbs(p[1]) {
			t.Errorf("%q / %q: verbs differ or translation missing", p[0], p[1])
		}
	}
	if msgtext.For("zh") != &msgtext.Chinese || msgtext.For("") != &msgtext.English || msgtext.For("fr") != &msgtext.English {
		t.Error("For picks the wrong language")
	}
	if got := msgtext.Title(notifytest.Notice(notify.WatchTimeout), &zh); !strings.HasPrefix(got, "⏰ 已超时") {
		t.Errorf("zh title = %q", got)
	}
}

// Clean keeps text on one line and visible: controls become Control Pictures, bytes
// that are not UTF-8 and bidirectional controls U+FFFD, one per byte as encoding/json
// does; plain text is returned as it is.
func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"https://x/a_b*c.js":      "https://x/a_b*c.js",
		"a\nb\r\n\tc\x00\x7f":     "a␊b␍␊␉c␀␡",
		"bad\xff\xfe!":            "bad\ufffd\ufffd!",
		"\u202eevil\u2066 \u2028": "\ufffdevil\ufffd ␤",
		"中文 ✅":                    "中文 ✅",
	} {
		if got := msgtext.Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := msgtext.Truncate("a\nb", 10); got != "a␊b" {
		t.Errorf("Truncate does not clean: %q", got)
	}
}
