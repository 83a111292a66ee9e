// Package feishu delivers cdnwatch notices to a Feishu / Lark (飞书) group through a
// custom bot webhook, as interactive cards, optionally signed ("签名校验": timestamp and
// sign fields in the body).
package feishu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
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
const Name = "feishu"

// Environment variables read by FromEnv.
const (
	EnvURL    = "CDNWATCH_FEISHU_WEBHOOK_URL"
	EnvSecret = "CDNWATCH_FEISHU_SECRET"
)

// Limits of the custom bot (open.feishu.cn, "自定义机器人使用指南").
const (
	// MaxBodyBytes bounds the whole request body: Feishu limits a custom bot's request
	// to 20 KB. The encoded JSON is measured, escapes included, and 20,000 is used
	// rather than 20,480 to stay clear of the edge.
	MaxBodyBytes = 20000
	// RateLimitWait is how long to wait after a frequency-limit answer: a custom bot
	// may send 100 messages a minute and 5 a second.
	RateLimitWait = 2 * time.Second
)

// Feishu codes cdnwatch acts on ("code" in the JSON answer; HTTP 200 or 400).
const (
	codeOK           = 0
	codeBadRequest   = 9499  // "Bad Request"; also "too many request" under load
	codeFrequency    = 11232 // frequency limited
	codeTokenInvalid = 19001 // param invalid: incoming webhook access token invalid
	codeSign         = 19021 // sign match fail or timestamp is not within one hour
	codeIP           = 19022 // ip not allowed
	codeKeyword      = 19024 // key words not found
)

// Channel is the Feishu bot channel.
type Channel struct{ r *hookhttp.Robot }

var _ notify.Channel = (*Channel)(nil)

// Config configures a Channel.
type Config struct {
	URL        string // https://open.feishu.cn/open-apis/bot/v2/hook/…; a secret
	Secret     string // signing secret; optional
	HTTPClient *http.Client
	Lang       string
	Now        func() time.Time
}

// New returns the channel.
func New(cfg Config) (*Channel, error) {
	r, err := hookhttp.NewRobot(cfg.URL, "feishu: webhook URL", cfg.Secret, cfg.HTTPClient, cfg.Lang, cfg.Now, hookToken)
	if err != nil {
		return nil, err
	}
	return &Channel{r}, nil
}

// hookToken is the last segment of the hook path, when it is long enough to be one.
func hookToken(u *url.URL) string {
	if i := strings.LastIndexByte(u.Path, '/'); i >= 0 && len(u.Path)-i > 8 {
		return u.Path[i+1:]
	}
	return ""
}

// FromEnv builds the channel from CDNWATCH_FEISHU_WEBHOOK_URL (+ _SECRET); ok is false
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

// Message is the bot's request body: an interactive card, plus the signature fields.
type Message struct {
	Timestamp string `json:"timestamp,omitempty"`
	Sign      string `json:"sign,omitempty"`
	MsgType   string `json:"msg_type"`
	Card      Card   `json:"card"`
}

// Card is a message card: the title in the header, cdnwatch's own words in markdown
// elements, and every list of user text (ids, paths, reasons) and the footer in
// plain_text.
type Card struct {
	Config   CardConfig `json:"config"`
	Header   Header     `json:"header"`
	Elements []Element  `json:"elements"`
}

// CardConfig is the card's config.
type CardConfig struct {
	WideScreenMode bool `json:"wide_screen_mode"`
}

// Header is the card's coloured title bar; its title is plain_text.
type Header struct {
	Title    Text   `json:"title"`
	Template string `json:"template"`
}

// Text is a text object: "plain_text" shows its content as it is, "lark_md" reads
// markdown.
type Text struct {
	Tag     string `json:"tag"`
	Content string `json:"content"`
}

// Element is a card element: "markdown" (Content), "div" (Text) or "note" (Elements).
type Element struct {
	Tag      string `json:"tag"`
	Content  string `json:"content,omitempty"`
	Text     *Text  `json:"text,omitempty"`
	Elements []Text `json:"elements,omitempty"`
}

var template = map[msgtext.Level]string{
	msgtext.LevelOK: "green", msgtext.LevelFail: "red", msgtext.LevelWarn: "orange", msgtext.LevelInfo: "blue",
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Dialect is the card's markdown element
// (https://open.feishu.cn/document/common-capabilities/message-card/message-cards-content/using-markdown-tags):
// '<' and '>' must be entities, since they start tags such as <at> and <font>. It
// renders only cdnwatch's own words (field names and values, the progress bar, notes,
// list titles); the title is in the header.
var Dialect = md.Dialect{
	Break:  "\n",
	Title:  func(msgtext.Doc) string { return "" },
	Escape: escaper.Replace,
	Code:   func(s string) string { return "`" + escaper.Replace(strings.ReplaceAll(s, "`", "'")) + "`" },
}

// Render builds the unsigned message for n, cut so that the encoded body (with room for
// the signature fields) stays within MaxBodyBytes.
//
// Feishu's card markdown documents no complete escape (only some characters have
// entity forms), so user text never goes into markdown: the title sits in the header's
// plain_text, each list's lines in a div's plain_text, the footer in a note's
// plain_text. plain_text shows its content as it is: no emphasis, links, <at> mentions
// or <font> colours (card text objects,
// https://open.feishu.cn/document/common-capabilities/message-card/message-cards-content/embedded-non-interactive-elements/text).
func Render(n notify.Notice, lang string) Message {
	d := msgtext.Build(n, msgtext.For(lang))
	msg := func(d msgtext.Doc) Message {
		return Message{MsgType: "interactive", Card: card(d)}
	}
	// timestamp (10 digits) and sign (44 chars of base64) with their keys and quotes.
	const signRoom = 80
	fits := func(d msgtext.Doc) bool {
		b, _ := json.Marshal(msg(d))
		return len(b)+signRoom <= MaxBodyBytes
	}
	// The doc without items is a title of at most msgtext.MaxSubject runes, a few
	// fields and a footer: far below the limit, so Fit always finds a size that fits.
	return msg(msgtext.Fit(d, fits))
}

func card(d msgtext.Doc) Card {
	head := d
	head.Lists, head.Footer = nil, nil
	els := []Element{{Tag: "markdown", Content: strings.TrimSpace(fieldsOnly(md.Render(head, Dialect)))}}
	for _, l := range d.Lists {
		els = append(els, Element{Tag: "markdown", Content: "**" + escaper.Replace(l.Title) + "**"})
		if lines := md.ListLines(l, d.More, md.PlainText); len(lines) > 0 {
			els = append(els, Element{Tag: "div", Text: &Text{Tag: "plain_text", Content: strings.Join(lines, "\n")}})
		}
	}
	els = append(els, Element{Tag: "note", Elements: []Text{{Tag: "plain_text", Content: strings.Join(d.Footer, " · ")}}})
	return Card{
		Config:   CardConfig{WideScreenMode: true},
		Header:   Header{Title: Text{Tag: "plain_text", Content: d.Title}, Template: template[d.Level]},
		Elements: els,
	}
}

// fieldsOnly drops the footer line md.Render ends with (the card has a note for it).
func fieldsOnly(s string) string {
	if i := strings.LastIndex(s, "\n\n> "); i >= 0 {
		return s[:i]
	}
	return s
}

// Sign returns the sign field for a timestamp in seconds: base64 of HMAC-SHA256 keyed
// with "timestamp\nsecret" over an empty message, as Feishu specifies.
func Sign(secret string, timestamp int64) string {
	m := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Send posts n. thread is passed through: webhook bots cannot thread.
func (c *Channel) Send(ctx context.Context, n notify.Notice, thread string) (string, error) {
	m := Render(n, c.r.Lang)
	if c.r.Secret != "" {
		ts := c.r.Now().Unix()
		m.Timestamp, m.Sign = strconv.FormatInt(ts, 10), Sign(c.r.Secret, ts)
	}
	return thread, c.r.Send(ctx, Name, c.r.URL, m, c.classify)
}

// classify reads Feishu's code before the HTTP status: Feishu answers refusals with
// HTTP 200 or 400 and a code, and a 400 carrying a rate-limit code is worth another
// try; see hookhttp.ClassifyCode.
func (c *Channel) classify(a *hookhttp.Answer) error {
	return hookhttp.ClassifyCode(Name, "Feishu", a, &hookhttp.Code{}, c.r.Secrets, refusal)
}

// refusal reads the codes Feishu documents; msg is Feishu's message as sent.
func refusal(code int, msg string) (hookhttp.Refusal, bool) {
	switch {
	case code == codeFrequency || (code == codeBadRequest && strings.Contains(strings.ToLower(msg), "too many request")):
		return hookhttp.Refusal{Err: "rate limited (100 messages a minute, 5 a second per bot)", RateLimit: RateLimitWait}, true
	case code == codeSign:
		return hookhttp.Refusal{Permanent: true, Auth: true, Err: "signature refused (check " + EnvSecret + " and the clock)"}, true
	case code == codeTokenInvalid, code == codeIP:
		return hookhttp.Refusal{Permanent: true, Auth: true, Err: "Feishu refused this bot (" + EnvURL + ")"}, true
	case code == codeKeyword:
		return hookhttp.Refusal{Permanent: true, Err: "the bot's keyword filter refused the message"}, true
	}
	return hookhttp.Refusal{}, false
}
