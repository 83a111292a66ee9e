// Package wecom delivers cdnwatch notices to a WeCom (企业微信) group robot as markdown
// messages. The robot's key in the webhook URL is its only credential.
package wecom

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/internal/hookhttp"
	"cdnwatch/shared/notify/internal/md"
	"cdnwatch/shared/notify/msgtext"
)

// Name is the channel name used in a watch's "notify" list.
const Name = "wecom"

// EnvURL is read by FromEnv.
const EnvURL = "CDNWATCH_WECOM_WEBHOOK_URL"

// Limits of the group robot (developer.work.weixin.qq.com, "群机器人配置说明").
const (
	// MaxMarkdownBytes bounds markdown.content: at most 4096 bytes of UTF-8.
	MaxMarkdownBytes = 4096
	// RateLimitWait is how long to wait after errcode 45009: a robot may send 20
	// messages a minute.
	RateLimitWait = time.Minute
)

// WeCom error codes cdnwatch acts on (errcode in the JSON answer, with HTTP 200).
const (
	codeOK         = 0
	codeBusy       = -1    // system busy
	codeFreqLimit  = 45009 // api freq out of limit
	codeBadWebhook = 93000 // invalid webhook url (key unknown or robot removed)
	codeTooLong    = 40058 // markdown.content exceed max length
)

// Channel is the WeCom robot channel.
type Channel struct{ r *hookhttp.Robot }

var _ notify.Channel = (*Channel)(nil)

// New returns the channel posting to webhookURL (…/cgi-bin/webhook/send?key=…).
func New(webhookURL string, client *http.Client, lang string) (*Channel, error) {
	r, err := hookhttp.NewRobot(webhookURL, "wecom: webhook URL", "", client, lang, nil,
		func(u *url.URL) string { return u.Query().Get("key") })
	if err != nil {
		return nil, err
	}
	return &Channel{r}, nil
}

// FromEnv builds the channel from CDNWATCH_WECOM_WEBHOOK_URL; ok is false when unset.
func FromEnv(getenv func(string) string, client *http.Client, lang string) (*Channel, bool, error) {
	return hookhttp.FromEnv(getenv, EnvURL, EnvURL, func(raw string) (*Channel, error) {
		return New(raw, client, lang)
	})
}

// Name implements notify.Channel.
func (c *Channel) Name() string { return Name }

// Secrets returns the strings that must never be logged.
func (c *Channel) Secrets() []string { return c.r.Secrets }

// Message is the robot's markdown message.
type Message struct {
	MsgType  string   `json:"msgtype"`
	Markdown Markdown `json:"markdown"`
}

// Markdown is the markdown part of a Message.
type Markdown struct {
	Content string `json:"content"`
}

// colour maps a level onto WeCom's three font colours.
var colour = map[msgtext.Level]string{
	msgtext.LevelOK: "info", msgtext.LevelFail: "warning", msgtext.LevelWarn: "warning", msgtext.LevelInfo: "comment",
}

// Dialect is WeCom's markdown subset: headings, bold, inline code, quotes and
// <font color="info|comment|warning">; a newline breaks the line.
var Dialect = md.Dialect{
	Break: "\n",
	Title: func(d msgtext.Doc) string {
		return `### <font color="` + colour[d.Level] + `">` + d.Title + `</font>`
	},
	Code: func(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" },
	Muted: func(s string) string {
		return `<font color="comment">` + s + `</font>`
	},
}

// Render builds the message for n, cut to MaxMarkdownBytes with "…and N more".
func Render(n notify.Notice, lang string) Message {
	text, _ := md.Fit(msgtext.Build(n, msgtext.For(lang)), Dialect, MaxMarkdownBytes, nil)
	return Message{MsgType: "markdown", Markdown: Markdown{Content: text}}
}

// Send posts n. thread is passed through: robots have no threads.
func (c *Channel) Send(ctx context.Context, n notify.Notice, thread string) (string, error) {
	return thread, c.r.Send(ctx, Name, c.r.URL, Render(n, c.r.Lang), c.classify)
}

// classify reads WeCom's errcode, which says more than the HTTP status (WeCom answers
// refusals with HTTP 200); see hookhttp.ClassifyCode.
func (c *Channel) classify(a *hookhttp.Answer) error {
	return hookhttp.ClassifyCode(Name, "WeCom", a, &hookhttp.ErrCode{}, c.r.Secrets, refusal)
}

// refusal reads the errcodes WeCom documents.
func refusal(code int, _ string) (hookhttp.Refusal, bool) {
	switch code {
	case codeBusy:
		return hookhttp.Refusal{Err: "WeCom is busy"}, true
	case codeFreqLimit:
		return hookhttp.Refusal{Err: "rate limited (20 messages a minute per robot)", RateLimit: RateLimitWait}, true
	case codeBadWebhook:
		return hookhttp.Refusal{Permanent: true, Auth: true, Err: "WeCom does not know this robot key (" + EnvURL + "; robot removed?)"}, true
	}
	return hookhttp.Refusal{}, false
}
