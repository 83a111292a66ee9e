package dingtalk

import (
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"cdnwatch/shared/notify/internal/fakerobot"
	"cdnwatch/shared/notify/internal/md"
)

// Receiver is a local stand-in for the DingTalk robot endpoint: it checks the
// access_token, the sign (when the robot has a secret; timestamps within an hour, as
// DingTalk allows) and the message size, and answers with DingTalk's errcodes.
type Receiver struct{ *fakerobot.Receiver }

// NewReceiver returns a robot with token and secret ("" for an unsigned robot),
// printing accepted messages to w.
func NewReceiver(w io.Writer, token, secret string) *Receiver {
	return &Receiver{fakerobot.New(&service{token: token, secret: secret, now: time.Now}, w)}
}

type service struct {
	token, secret string
	now           func() time.Time
}

type answer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (s *service) Label() string { return "dingtalk" }
func (s *service) OK() any       { return answer{0, "ok"} }

func (s *service) Fail(status int) (int, any) {
	switch {
	case status == http.StatusTooManyRequests:
		return http.StatusOK, answer{codeTooFast, "send too fast, exceed 20 times per minute"}
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		return http.StatusOK, answer{codeSecurity, "sign not match"}
	case status == http.StatusNotFound || status == http.StatusGone:
		return http.StatusOK, answer{codeNoToken, "token is not exist"}
	case status == http.StatusBadRequest:
		return http.StatusOK, answer{40035, "缺少参数 json"}
	case status >= 500:
		return status, answer{codeBusy, "系统繁忙"}
	}
	return status, http.StatusText(status)
}

func (s *service) Accept(r *http.Request, body []byte) (string, int, any) {
	q := r.URL.Query()
	if q.Get("access_token") != s.token {
		return "", http.StatusOK, answer{codeNoToken, "token is not exist"}
	}
	if s.secret != "" {
		ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		if err != nil {
			return "", http.StatusOK, answer{codeSecurity, "invalid timestamp"}
		}
		if d := s.now().Sub(time.UnixMilli(ts)); d > time.Hour || d < -time.Hour {
			return "", http.StatusOK, answer{codeSecurity, "invalid timestamp"}
		}
		if !hmac.Equal([]byte(q.Get("sign")), []byte(Sign(s.secret, ts))) {
			return "", http.StatusOK, answer{codeSecurity, "sign not match"}
		}
	}
	var m Message
	if json.Unmarshal(body, &m) != nil {
		return "", http.StatusOK, answer{40035, "缺少参数 json"}
	}
	switch {
	case m.MsgType == "markdown" && m.Markdown != nil && m.Markdown.Text != "" && m.Markdown.Title != "":
		if len(m.Markdown.Text) > MaxMarkdownBytes {
			return "", http.StatusOK, answer{codeTooLong, "message too long"}
		}
		// No code spans, no entities: what DingTalk documents.
		return md.Reader{}.Visible(m.Markdown.Text), 0, nil
	case m.MsgType == "text" && m.Text != nil && m.Text.Content != "":
		if len(m.Text.Content) > MaxTextBytes {
			return "", http.StatusOK, answer{codeTooLong, "message too long"}
		}
		return m.Text.Content, 0, nil
	}
	return "", http.StatusOK, answer{40035, "缺少参数 json"}
}
