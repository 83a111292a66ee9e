package feishu

import (
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/notify/internal/fakerobot"
	"cdnwatch/shared/notify/internal/md"
)

// Receiver is a local stand-in for the Feishu custom bot endpoint: it checks the hook
// token in the path, the signature (when the bot has a secret; timestamps within an
// hour) and the body size, and answers with Feishu's codes.
type Receiver struct{ *fakerobot.Receiver }

// NewReceiver returns a bot at /open-apis/bot/v2/hook/<hook> with secret ("" for an
// unsigned bot), printing accepted cards to w.
func NewReceiver(w io.Writer, hook, secret string) *Receiver {
	return &Receiver{fakerobot.New(&service{hook: hook, secret: secret, now: time.Now}, w)}
}

// mdReader is how a card's markdown reads: code spans and HTML entities.
var mdReader = md.Reader{CodeSpans: true, Entities: true}

// text is what a text object shows: plain_text as it is, lark_md as markdown.
func text(t Text) string {
	if t.Tag == "lark_md" {
		return mdReader.Visible(t.Content)
	}
	return t.Content
}

type service struct {
	hook, secret string
	now          func() time.Time
}

type answer struct {
	Code int            `json:"code"`
	Msg  string         `json:"msg"`
	Data map[string]any `json:"data"`
}

func fail(code int, msg string) answer { return answer{code, msg, map[string]any{}} }

func (s *service) Label() string { return "feishu" }
func (s *service) OK() any       { return fail(0, "success") }

func (s *service) Fail(status int) (int, any) {
	switch {
	case status == http.StatusTooManyRequests:
		return http.StatusBadRequest, fail(codeFrequency, "frequency limited")
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		return http.StatusOK, fail(codeSign, "sign match fail or timestamp is not within one hour from current time")
	case status == http.StatusNotFound || status == http.StatusGone:
		return http.StatusOK, fail(codeTokenInvalid, "param invalid: incoming webhook access token invalid")
	case status == http.StatusBadRequest:
		return http.StatusBadRequest, fail(codeBadRequest, "Bad Request")
	}
	return status, http.StatusText(status) // 5xx: an HTML error page from the gateway
}

func (s *service) Accept(r *http.Request, body []byte) (string, int, any) {
	if r.URL.Path != "/open-apis/bot/v2/hook/"+s.hook {
		return "", http.StatusOK, fail(codeTokenInvalid, "param invalid: incoming webhook access token invalid")
	}
	if len(body) > MaxBodyBytes {
		return "", http.StatusBadRequest, fail(codeBadRequest, "Bad Request: request body too large")
	}
	var m Message
	if json.Unmarshal(body, &m) != nil || m.MsgType != "interactive" || len(m.Card.Elements) == 0 {
		return "", http.StatusBadRequest, fail(codeBadRequest, "Bad Request")
	}
	if s.secret != "" {
		ts, err := strconv.ParseInt(m.Timestamp, 10, 64)
		d := s.now().Sub(time.Unix(ts, 0))
		if err != nil || d > time.Hour || d < -time.Hour || !hmac.Equal([]byte(m.Sign), []byte(Sign(s.secret, ts))) {
			return "", http.StatusOK, fail(codeSign, "sign match fail or timestamp is not within one hour from current time")
		}
	}
	var sb strings.Builder
	sb.WriteString(text(m.Card.Header.Title))
	for _, e := range m.Card.Elements {
		switch e.Tag {
		case "markdown":
			sb.WriteString("\n" + mdReader.Visible(e.Content))
		case "div":
			if e.Text == nil {
				return "", http.StatusBadRequest, fail(codeBadRequest, "Bad Request: div without text")
			}
			sb.WriteString("\n" + text(*e.Text))
		case "note":
			for _, t := range e.Elements {
				sb.WriteString("\n" + text(t))
			}
		default:
			return "", http.StatusBadRequest, fail(codeBadRequest, "Bad Request: unknown element "+e.Tag)
		}
	}
	return sb.String(), 0, nil
}
