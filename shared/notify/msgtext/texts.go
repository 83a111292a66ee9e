// Package msgtext holds every word a person reads in a cdnwatch notice, in English and
// Chinese (CDNWATCH_LANG=en|zh), and a neutral layout of a notice (Doc) that each chat
// channel turns into its own markup. Keeping the words in one place means a translation
// is one more value here and every channel speaks it.
package msgtext

import "strings"

// Texts are the strings of one language. Format verbs are part of each string's contract:
// keep them when translating.
type Texts struct {
	// Lang is the CDNWATCH_LANG value these texts are for ("en", "zh").
	Lang string

	// Header status words; the emoji only decorate, the word carries the meaning.
	Finished, FinishedFailed, FinishedUnknown string
	TaskFailed, TasksFailed                   string
	TaskUnknown, TasksUnknown                 string
	TimedOut, InProgress, SweepDigest         string
	WatchRef                                  string // "watch %s": header subject when there is no label

	// Field titles, and what separates a title from its value (": ", "：").
	Provider, Elapsed, Tasks, Progress, Window string
	Colon                                      string

	// Count phrases, "%d complete".
	Complete, Failed, Unknown, Pending, OfTotal string
	Completed, StillRunning                     string

	// List titles, "%d" is the full count including those not listed.
	FailuresTitle, UnknownTitle, PendingTitle, RunningTitle string
	More                                                    string // "…and %d more"
	UnknownStatus                                           string // marks an unknown object in a failure list
	NoReason                                                string

	NoFailedState string
	TimeoutNote   string // "%s": timeout elapsed; "%d": still pending
	NoticeRef     string // "notice %s", in the footer
	FallbackIn    string // "in %s": fallback text elapsed suffix

	// Slack bot: the live message's pointer to its thread.
	SeeThread string
	Updated   string // "updated %s"
}

// English is the default language.
var English = Texts{
	Lang:            "en",
	Finished:        "✅ Finished",
	FinishedFailed:  "❌ Finished with failures",
	FinishedUnknown: "⚠️ Finished, some tasks unknown",
	TaskFailed:      "❌ Task failed",
	TasksFailed:     "❌ Tasks failed",
	TaskUnknown:     "❔ Task unknown",
	TasksUnknown:    "❔ Tasks unknown",
	TimedOut:        "⏰ Timed out",
	InProgress:      "⏳ In progress",
	SweepDigest:     "📋 Sweep digest",
	WatchRef:        "watch %s",

	Provider: "Provider",
	Elapsed:  "Elapsed",
	Tasks:    "Tasks",
	Progress: "Progress",
	Window:   "Window",
	Colon:    ": ",

	Complete:     "%d complete",
	Failed:       "%d failed",
	Unknown:      "%d unknown",
	Pending:      "%d pending",
	OfTotal:      "of %d",
	Completed:    "%d completed",
	StillRunning: "%d still running",

	FailuresTitle: "Failures (%d)",
	UnknownTitle:  "Unknown to the provider (%d)",
	PendingTitle:  "Still pending (%d)",
	RunningTitle:  "Still running after settle (%d)",
	More:          "…and %d more",
	UnknownStatus: "unknown",
	NoReason:      "no reason given",

	NoFailedState: "CloudFront reports no failed state: an invalidation is either in progress or completed, so “no failures” here means none can be reported.",
	TimeoutNote:   "Stopped watching after %s with %d task(s) still pending; they may still finish.",
	NoticeRef:     "notice %s",
	FallbackIn:    "in %s",

	SeeThread: "Failures and the summary are in the thread.",
	Updated:   "updated %s",
}

// Chinese is CDNWATCH_LANG=zh. Task ids, paths and provider reasons stay as the
// provider gave them.
var Chinese = Texts{
	Lang:            "zh",
	Finished:        "✅ 已完成",
	FinishedFailed:  "❌ 已结束，有失败",
	FinishedUnknown: "⚠️ 已结束，部分任务未知",
	TaskFailed:      "❌ 任务失败",
	TasksFailed:     "❌ 多个任务失败",
	TaskUnknown:     "❔ 任务未知",
	TasksUnknown:    "❔ 多个任务未知",
	TimedOut:        "⏰ 已超时",
	InProgress:      "⏳ 进行中",
	SweepDigest:     "📋 巡检汇总",
	WatchRef:        "监视 %s",

	Provider: "服务商",
	Elapsed:  "耗时",
	Tasks:    "任务",
	Progress: "进度",
	Window:   "时间窗口",
	Colon:    "：",

	Complete:     "%d 个完成",
	Failed:       "%d 个失败",
	Unknown:      "%d 个未知",
	Pending:      "%d 个等待中",
	OfTotal:      "共 %d 个",
	Completed:    "%d 个已完成",
	StillRunning: "%d 个仍在运行",

	FailuresTitle: "失败（%d）",
	UnknownTitle:  "服务商不认识的任务（%d）",
	PendingTitle:  "仍在等待（%d）",
	RunningTitle:  "沉淀期后仍在运行（%d）",
	More:          "……另有 %d 项",
	UnknownStatus: "未知",
	NoReason:      "未给出原因",

	NoFailedState: "CloudFront 没有“失败”状态：失效请求只有进行中和已完成两种，所以这里的“无失败”只表示无法报告失败。",
	TimeoutNote:   "已监视 %s，仍有 %d 个任务未结束，停止监视；它们仍可能完成。",
	NoticeRef:     "通知 %s",
	FallbackIn:    "耗时 %s",

	SeeThread: "失败明细和最终汇总见消息串。",
	Updated:   "更新于 %s",
}

// For picks the texts for a CDNWATCH_LANG value; anything but "zh" is English.
func For(lang string) *Texts {
	switch strings.ToLower(strings.TrimSpace(lang)) {
	case "zh", "zh-cn", "zh_cn", "cn":
		return &Chinese
	default:
		return &English
	}
}
