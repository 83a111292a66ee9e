// Package dingtalk delivers cdnwatch notices to a DingTalk (钉钉) group through a custom
// robot webhook, as markdown messages (or text messages, see Render), optionally signed
// ("加签": timestamp + HMAC-SHA256 sign query parameters).
package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/internal/hookhttp"
	"cdnwatch/shared/notify/internal/md"
	"cdnwatch/shared/notify/msgtext"
)

// Name is the channel name used in a watch's "notify" list.
const Name = "dingtalk"

// Environment variables read by FromEnv.
const (
	EnvURL    = "CDNWATCH_DINGTALK_WEBHOOK_URL"
	EnvSecret = "CDNWATCH_DINGTALK_SECRET"
)

// Limits of the custom robot (open.dingtalk.com, "自定义机器人发送群消息").
const (
	// MaxMarkdownBytes bounds markdown.text: DingTalk documents 20,000 bytes for a
	// robot message's content.
	MaxMarkdownBytes = 20000
	// MaxTextBytes bounds text.content, held to the same 20,000 bytes.
	MaxTextBytes = 20000
	// MaxTitleRunes bounds markdown.title, which only shows in the chat list preview.
	MaxTitleRunes = 64
	// RateLimitWait is how long to wait after errcode 130101: a robot may send 20
	// messages a minute and is throttled once over it.
	RateLimitWait = time.Minute
)

// DingTalk error codes cdnwatch acts on (errcode in the JSON answer, with HTTP 200).
const (
	codeOK          = 0
	codeBusy        = -1     // system busy
	codeTooFast     = 130101 // send too fast, exceed 20 times per minute
	codeSecurity    = 310000 // keywords not in content / sign not match / ip not in whitelist
	codeNoToken     = 300001 // token is not exist
	codeTokenAbsent = 300005 // token is not exist (robot deleted)
	codeTooLong     = 460101 // message too long
)

// Channel is the DingTalk robot channel.
type Channel struct{ r *hookhttp.Robot }

var _ notify.Channel = (*Channel)(nil)

// Config configures a Channel.
type Config struct {
	URL        string // https://oapi.dingtalk.com/robot/send?access_token=…; a secret
	Secret     string // "SEC…" when the robot signs; optional
	HTTPClient *http.Client
	Lang       string
	Now        func() time.Time
}

// New returns the channel.
func New(cfg Config) (*Channel, error) {
	r, err := hookhttp.NewRobot(cfg.URL, "dingtalk: webhook URL", cfg.Secret, cfg.HTTPClient, cfg.Lang, cfg.Now,
		func(u *url.URL) string { return u.Query().Get("access_token") })
	if err != nil {
		return nil, err
	}
	return &Channel{r}, nil
}

// FromEnv builds the channel from CDNWATCH_DINGTALK_WEBHOOK_URL (+ _SECRET); ok is false
// when no URL is set.
func FromEnv(getenv func(string) string, client *http.Client, lang string) (*Channel, bool, error) {
	return hookhttp.FromEnv(getenv, EnvURL, EnvURL, func(raw string) (*Channel, error) {
		return New(Config{URL: raw, Secret: strings.TrimSpace(getenv(EnvSecret)), HTTPClient: client, Lang: lang})
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
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Text is the text part of a Message: shown as it is. Only the "at" field of a message
// mentions anyone, and cdnwatch sends none, so an "@…" in the text is just text.
type Text struct {
	Content string `json:"content"`
}

// Body is the message's markdown or text.
func (m Message) Body() string {
	if m.Markdown != nil {
		return m.Markdown.Text
	}
	if m.Text != nil {
		return m.Text.Content
	}
	return ""
}

// Dialect is DingTalk's markdown ("markdown类型" in
// https://open.dingtalk.com/document/orgapp/custom-robot-access and message types,
// https://open.dingtalk.com/document/orgapp/message-types-and-data-format): headings,
// quotes, **bold**, *italic*, [links](url), ![images](url), lists, and in practice
// <font> tags; there is no inline code, no escape syntax is documented, and a single
// newline does not break a line, so lines are separated by blank lines. Active holds
// every character that starts or ends such markup mid-line (emphasis, links, images,
// tags, entities, backslash escapes, strike-through and tables as some renderers read
// them); user text never starts a line here, so "#", ">" and "-" are inert.
var Dialect = md.Dialect{Break: "\n\n", Active: "*_`~[]<>&\\|"}

// Render builds the message for n, cut to size with "…and N more". It is markdown when
// every piece of text the notice shows is inert in Dialect, and otherwise the same
// layout as a text message, so that a CloudFront "/*" path, an Aliyun regex refresh or a
// label with "[x](http://…)" or "<font>" shows as itself rather than as emphasis, a
// link or colour.
func Render(n notify.Notice, lang string) Message {
	d := msgtext.Build(n, msgtext.For(lang))
	if md.Inert(d, Dialect) {
		text, _ := md.Fit(d, Dialect, MaxMarkdownBytes, nil)
		return Message{MsgType: "markdown", Markdown: &Markdown{Title: msgtext.Truncate(d.Title, MaxTitleRunes), Text: text}}
	}
	text, _ := md.Fit(d, md.PlainText, MaxTextBytes, nil)
	return Message{MsgType: "text", Text: &Text{Content: text}}
}

// Sign returns the sign parameter for a timestamp in milliseconds: base64 of
// HMAC-SHA256 keyed with the secret over "timestamp\nsecret" (url.Values encodes it).
func Sign(secret string, timestampMs int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestampMs, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Send posts n. thread is passed through: robots have no threads.
func (c *Channel) Send(ctx context.Context, n notify.Notice, thread string) (string, error) {
	target := c.r.URL
	if c.r.Secret != "" {
		u, _ := url.Parse(c.r.URL)
		q := u.Query()
		ts := c.r.Now().UnixMilli()
		q.Set("timestamp", strconv.FormatInt(ts, 10))
		q.Set("sign", Sign(c.r.Secret, ts))
		u.RawQuery = q.Encode()
		target = u.String()
	}
	return thread, c.r.Send(ctx, Name, target, Render(n, c.r.Lang), c.classify)
}

// classify reads DingTalk's errcode, which says more than the HTTP status (DingTalk
// answers most refusals with HTTP 200); see hookhttp.ClassifyCode.
func (c *Channel) classify(a *hookhttp.Answer) error {
	return hookhttp.ClassifyCode(Name, "DingTalk", a, &hookhttp.ErrCode{}, c.r.Secrets, refusal)
}

// refusal reads the errcodes DingTalk documents.
func refusal(code int, _ string) (hookhttp.Refusal, bool) {
	switch code {
	case codeBusy:
		return hookhttp.Refusal{Err: "DingTalk is busy"}, true
	case codeTooFast:
		return hookhttp.Refusal{Err: "rate limited (20 messages a minute per robot)", RateLimit: RateLimitWait}, true
	case codeSecurity:
		return hookhttp.Refusal{Permanent: true, Auth: true,
			Err: "the robot's security settings refused the message (sign mismatch, keyword or IP allowlist; check " + EnvSecret + ")"}, true
	case codeNoToken, codeTokenAbsent:
		return hookhttp.Refusal{Permanent: true, Auth: true, Err: "the robot's access_token is not valid (robot deleted?)"}, true
	}
	return hookhttp.Refusal{}, false
}
