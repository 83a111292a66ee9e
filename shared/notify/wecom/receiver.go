package wecom

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"cdnwatch/shared/notify/internal/fakerobot"
	"cdnwatch/shared/notify/internal/md"
)

// Receiver is a local stand-in for the WeCom robot endpoint: it checks the key and the
// 4096-byte markdown limit and answers with WeCom's errcodes.
type Receiver struct{ *fakerobot.Receiver }

// NewReceiver returns a robot with key, printing accepted messages to w.
func NewReceiver(w io.Writer, key string) *Receiver {
	return &Receiver{fakerobot.New(&service{key: key}, w)}
}

type service struct{ key string }

// textMention is compiled on first use: only the receiver needs it.
var textMention = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<@([^>]*)>`) })

// visible drops the WORD JOINER, which a reader does not see.
func visible(s string) string { return strings.ReplaceAll(s, "\u2060", "") }

type answer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (s *service) Label() string { return "wecom" }
func (s *service) OK() any       { return answer{0, "ok"} }

func (s *service) Fail(status int) (int, any) {
	switch {
	case status == http.StatusTooManyRequests:
		return http.StatusOK, answer{codeFreqLimit, "api freq out of limit"}
	case status == http.StatusForbidden || status == http.StatusUnauthorized ||
		status == http.StatusNotFound || status == http.StatusGone:
		return http.StatusOK, answer{codeBadWebhook, "invalid webhook url"}
	case status == http.StatusBadRequest:
		return http.StatusOK, answer{40008, "invalid message type"}
	case status >= 500:
		return status, answer{codeBusy, "system busy"}
	}
	return status, http.StatusText(status)
}

func (s *service) Accept(r *http.Request, body []byte) (string, int, any) {
	if r.URL.Query().Get("key") != s.key {
		return "", http.StatusOK, answer{codeBadWebhook, "invalid webhook url"}
	}
	var m Message
	if json.Unmarshal(body, &m) != nil {
		return "", http.StatusOK, answer{40008, "invalid message type"}
	}
	switch {
	case m.MsgType == "markdown" && m.Markdown != nil:
		if strings.TrimSpace(m.Markdown.Content) == "" {
			return "", http.StatusOK, answer{44004, "empty content"}
		}
		if len(m.Markdown.Content) > MaxMarkdownBytes {
			return "", http.StatusOK, answer{codeTooLong, "markdown.content exceed max length 4096"}
		}
		return visible(md.Reader{CodeSpans: true}.Visible(m.Markdown.Content)), 0, nil
	case m.MsgType == "text" && m.Text != nil:
		if strings.TrimSpace(m.Text.Content) == "" {
			return "", http.StatusOK, answer{44004, "empty content"}
		}
		if len(m.Text.Content) > MaxTextBytes {
			return "", http.StatusOK, answer{codeTooLong, "content exceed max length 2048"}
		}
		// Text messages read <@userid> as a mention too.
		return visible(textMention().ReplaceAllString(m.Text.Content, "@$1")), 0, nil
	}
	return "", http.StatusOK, answer{40008, "invalid message type"}
}
