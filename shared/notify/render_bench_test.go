package notify_test

import (
	"testing"

	"cdnwatch/shared/notify/dingtalk"
	"cdnwatch/shared/notify/feishu"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/notify/wecom"
)

// BenchmarkRender renders the largest notice a watch makes (50 failures listed, 450 more
// counted) for every channel, with allocations.
func BenchmarkRender(b *testing.B) {
	n := notifytest.ManyFailures(50, 450)
	b.Run("slack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			slack.RenderLang(n, "en")
		}
	})
	b.Run("dingtalk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dingtalk.Render(n, "zh")
		}
	})
	b.Run("feishu", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			feishu.Render(n, "en")
		}
	})
	b.Run("wecom", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			wecom.Render(n, "en")
		}
	})
}
