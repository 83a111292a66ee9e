// Package wecom delivers cdnwatch notices to a WeCom (企业微信) group robot as markdown
// messages. The robot's key in the webhook URL is its only credential.
package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
type Channel struct {
	url     string
	client  *http.Client
	lang    string
	secrets []string
}

var _ notify.Channel = (*Channel)(nil)

// New returns the channel posting to webhookURL (…/cgi-bin/webhook/send?key=…).
func New(webhookURL string, client *http.Client, lang string) (*Channel, error) {
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("wecom: webhook URL must be an absolute http(s) URL")
	}
	c := &Channel{url: webhookURL, client: hookhttp.NoRedirects(client), lang: lang, secrets: []string{webhookURL}}
	if key := u.Query().Get("key"); key != "" {
		c.secrets = append(c.secrets, key)
	}
	return c, nil
}

// FromEnv builds the channel from CDNWATCH_WECOM_WEBHOOK_URL; ok is false when unset.
func FromEnv(getenv func(string) string, client *http.Client, lang string) (*Channel, bool, error) {
	raw := strings.TrimSpace(getenv(EnvURL))
	if raw == "" {
		return nil, false, nil
	}
	c, err := New(raw, client, lang)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", EnvURL, err)
	}
	return c, true, nil
}

// Name implements notify.Channel.
func (c *Channel) Name() string { return Name }

// Secrets returns the strings that must never be logged.
func (c *Channel) Secrets() []string { return c.secrets }

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
	body, err := json.Marshal(Render(n, c.lang))
	if err != nil {
		return thread, &notify.DeliveryError{Channel: Name, Permanent: true, Err: err}
	}
	a, err := hookhttp.PostJSON(ctx, c.client, c.url, body, nil, c.secrets...)
	if err != nil {
		return thread, &notify.DeliveryError{Channel: Name, Err: err}
	}
	return thread, c.classify(a)
}

// classify reads WeCom's errcode, which says more than the HTTP status (WeCom answers
// refusals with HTTP 200). Codes not known to be temporary are permanent: retrying a
// refusal hop after hop would keep the watch from ever finishing.
func (c *Channel) classify(a *hookhttp.Answer) error {
	var ans struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if json.Unmarshal(a.Body, &ans) != nil || ans.ErrCode == nil {
		if de := hookhttp.StatusError(Name, a); de != nil {
			return de
		}
		return &notify.DeliveryError{Channel: Name, Status: a.Status, Err: errors.New("answer without errcode")}
	}
	code := *ans.ErrCode
	if code == codeOK {
		if de := hookhttp.StatusError(Name, a); de != nil {
			return de
		}
		return nil
	}
	de := &notify.DeliveryError{Channel: Name, Status: a.Status, Code: strconv.Itoa(code), RetryAfter: a.RetryAfter}
	msg := hookhttp.Snippet(ans.ErrMsg, c.secrets...)
	switch code {
	case codeBusy:
		de.Err = errors.New("WeCom is busy: " + msg)
	case codeFreqLimit:
		if de.RetryAfter == 0 {
			de.RetryAfter = RateLimitWait
		}
		de.Err = errors.New("rate limited (20 messages a minute per robot): " + msg)
	case codeBadWebhook:
		de.Permanent, de.Auth = true, true
		de.Err = errors.New("WeCom does not know this robot key (" + EnvURL + "; robot removed?): " + msg)
	default:
		if a.Status >= 500 {
			de.Err = errors.New(msg)
			break
		}
		de.Permanent = true
		de.Err = errors.New("WeCom refused the message: " + msg)
	}
	return de
}
