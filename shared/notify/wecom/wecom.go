// Package wecom delivers cdnwatch notices to a WeCom (企业微信) group robot as markdown
// messages (or text messages, see Render). The robot's key in the webhook URL is its
// only credential.
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
	// MaxTextBytes bounds text.content: "最长不超过2048个字节".
	MaxTextBytes = 2048
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

// Message is the robot's message: markdown, or text when the notice carries text the
// markdown would not show as itself.
type Message struct {
	MsgType  string    `json:"msgtype"`
	Markdown *Markdown `json:"markdown,omitempty"`
	Text     *Text     `json:"text,omitempty"`
}

// Markdown is the markdown part of a Message.
type Markdown struct {
	Content string `json:"content"`
}

// Text is the text part of a Message.
type Text struct {
	Content string `json:"content"`
}

// Body is the message's markdown or text.
func (m Message) Body() string {
	if m.Markdown != nil {
		return m.Markdown.Content
	}
	if m.Text != nil {
		return m.Text.Content
	}
	return ""
}

// colour maps a level onto WeCom's three font colours.
var colour = map[msgtext.Level]string{
	msgtext.LevelOK: "info", msgtext.LevelFail: "warning", msgtext.LevelWarn: "warning", msgtext.LevelInfo: "comment",
}

// Dialect is the group robot's markdown ("markdown类型",
// https://developer.work.weixin.qq.com/document/path/91770): headings, **bold**, links,
// `inline code`, quotes, <font color="info|comment|warning"> and <@userid> mentions; a
// newline breaks the line. No escape syntax is documented, so Active holds every
// character that starts markup mid-line: emphasis, links, code, tags and mentions,
// entities, backslashes and what other renderers read as strike-through or tables.
var Dialect = md.Dialect{
	Break: "\n",
	Title: func(d msgtext.Doc) string {
		return `### <font color="` + colour[d.Level] + `">` + d.Title + `</font>`
	},
	Code: func(s string) string { return "`" + s + "`" },
	Muted: func(s string) string {
		return `<font color="comment">` + s + `</font>`
	},
	Active: "*_`~[]<>&\\|",
}

// unmention breaks "<@" with an invisible WORD JOINER (U+2060): the robot reads
// <@userid> as a mention in text messages too ("机器人的text/markdown类型消息支持在content
// 中使用<@userid>扩展语法来@群成员"), and documents no escape. The text still reads
// "<@all>".
var unmention = strings.NewReplacer("<@", "<\u2060@")

// Render builds the message for n, cut to size with "…and N more". It is markdown when
// every piece of text the notice shows is inert in Dialect, and otherwise the same
// layout as a text message (with mentions broken), so that labels, paths and reasons
// show as themselves.
func Render(n notify.Notice, lang string) Message {
	d := msgtext.Build(n, msgtext.For(lang))
	if md.Inert(d, Dialect) {
		text, _ := md.Fit(d, Dialect, MaxMarkdownBytes, nil)
		return Message{MsgType: "markdown", Markdown: &Markdown{Content: text}}
	}
	content, _ := md.Fit(d, md.PlainText, MaxTextBytes, func(s string) int { return len(unmention.Replace(s)) })
	return Message{MsgType: "text", Text: &Text{Content: unmention.Replace(content)}}
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
