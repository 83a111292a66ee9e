package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"cdnwatch/shared/notify/internal/fakehook"
)

// WebAPI is a local stand-in for the two Slack Web API methods the bot uses,
// chat.postMessage and chat.update (https://api.slack.com/methods/chat.postMessage,
// https://api.slack.com/methods/chat.update), mounted under /api/ like slack.com/api/.
// It takes both of Slack's POST bodies (https://api.slack.com/web#posting_json):
// form-encoded, with the token as the token argument or a bearer token, and JSON, whose
// token must be in the Authorization header. It answers the way Slack does: HTTP 200 with
// {"ok":false,"error":"…"} for refusals (a missing or wrong token, an unknown channel, a
// bot outside the channel, an unknown ts, blocks that break Slack's rules: see
// checkMessage), HTTP 429 with Retry-After when told to rate-limit. It records every
// message with its edits and prints each post and edit like Receiver does.
type WebAPI struct {
	base     fakehook.State // its lock guards the fields below too
	out      io.Writer
	token    string
	channels map[string]string // name or id → id
	members  map[string]bool   // channel ids the bot is in
	nextTS   int64
	messages []*APIMessage
}

// APIMessage is one message as the fake Slack keeps it.
type APIMessage struct {
	Channel  string
	TS       string
	ThreadTS string // "" for a top-level message
	Msg      Message
	Edits    int // chat.update calls that changed it
}

// NewWebAPI returns a fake Slack accepting token for a bot that is a member of the
// channel called name (with or without '#') with id chID. w receives the printed
// messages (nil: print nothing).
func NewWebAPI(w io.Writer, token, name, chID string) *WebAPI {
	if w == nil {
		w = io.Discard
	}
	name = strings.TrimPrefix(name, "#")
	return &WebAPI{
		out:      w,
		token:    token,
		channels: map[string]string{name: chID, "#" + name: chID, chID: chID},
		members:  map[string]bool{chID: true},
		nextTS:   1714557600_000100,
	}
}

// AddChannel makes another channel known; member says whether the bot is in it.
func (a *WebAPI) AddChannel(name, chID string, member bool) *WebAPI {
	a.base.Lock()
	defer a.base.Unlock()
	a.channels[name], a.channels["#"+name], a.channels[chID] = chID, chID, chID
	a.members[chID] = member
	return a
}

// FailNext makes the next n requests fail the way Slack answers status: 429 with
// Retry-After, 5xx as is, and for 403/404/410 HTTP 200 with invalid_auth,
// channel_not_found and is_archived.
func (a *WebAPI) FailNext(n, status int, retryAfter time.Duration) {
	code := ""
	switch status {
	case http.StatusForbidden, http.StatusUnauthorized:
		code = "invalid_auth"
	case http.StatusNotFound:
		code = "channel_not_found"
	case http.StatusGone:
		code = "is_archived"
	case http.StatusTooManyRequests:
		code = "ratelimited"
	case http.StatusBadRequest:
		code = "invalid_blocks"
	default:
		if status >= 500 {
			code = "fatal_error"
		}
	}
	a.FailNextCode(n, status, code, retryAfter)
}

// FailNextCode makes the next n requests fail with an explicit Slack error code. A status
// below 500 other than 429 is sent as HTTP 200, as Slack does.
func (a *WebAPI) FailNextCode(n, status int, code string, retryAfter time.Duration) {
	a.base.FailNext(n, status, code, retryAfter)
}

// Requests counts every request, failed ones included.
func (a *WebAPI) Requests() int { return a.base.Requests() }

// Messages returns copies of the messages, in posting order.
func (a *WebAPI) Messages() []APIMessage {
	a.base.Lock()
	defer a.base.Unlock()
	out := make([]APIMessage, len(a.messages))
	for i, m := range a.messages {
		out[i] = *m
	}
	return out
}

// ServeHTTP implements /api/chat.postMessage and /api/chat.update.
func (a *WebAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	a.base.Lock()
	defer a.base.Unlock()
	a.base.Count()
	method := strings.TrimPrefix(req.URL.Path, "/api/")
	if req.Method != http.MethodPost || (method != "chat.postMessage" && method != "chat.update") {
		apiAnswer(w, http.StatusNotFound, map[string]any{"ok": false, "error": "unknown_method"})
		return
	}
	if status, code, ok := a.base.Failure(w); ok {
		if status < 500 && status != http.StatusTooManyRequests {
			status = http.StatusOK
		}
		apiAnswer(w, status, map[string]any{"ok": false, "error": code})
		return
	}
	req.Body = http.MaxBytesReader(w, req.Body, maxBody)
	args, code := readArgs(req)
	if code != "" {
		apiError(w, code)
		return
	}
	switch {
	case args.token == "":
		apiError(w, "not_authed")
		return
	case args.token != a.token:
		apiError(w, "invalid_auth")
		return
	}
	chID, ok := a.channels[args.channel]
	if !ok {
		apiError(w, "channel_not_found")
		return
	}
	if !a.members[chID] {
		apiError(w, "not_in_channel")
		return
	}
	msg, code := checkMessage(args.text, args.blocks)
	if code != "" {
		apiError(w, code)
		return
	}
	if method == "chat.update" {
		ts := args.ts
		i := slices.IndexFunc(a.messages, func(m *APIMessage) bool { return m.Channel == chID && m.TS == ts })
		if i < 0 {
			apiError(w, "message_not_found")
			return
		}
		m := a.messages[i]
		m.Msg = msg
		m.Edits++
		fmt.Fprint(a.out, Format(msg, fmt.Sprintf("slack bot · message %d · edit %d", i+1, m.Edits)))
		apiAnswer(w, http.StatusOK, map[string]any{"ok": true, "channel": chID, "ts": ts, "text": msg.Text})
		return
	}
	threadTS := args.threadTS
	title := fmt.Sprintf("slack bot · message %d", len(a.messages)+1)
	if threadTS != "" {
		parent := slices.IndexFunc(a.messages, func(m *APIMessage) bool { return m.Channel == chID && m.TS == threadTS })
		if parent < 0 {
			// Slack posts a reply to a deleted parent unthreaded; a test wants to know.
			threadTS = ""
		} else {
			title = fmt.Sprintf("slack bot · reply in thread of message %d", parent+1)
		}
	}
	a.nextTS++
	ts := fmt.Sprintf("%d.%06d", a.nextTS/1_000_000, a.nextTS%1_000_000)
	a.messages = append(a.messages, &APIMessage{Channel: chID, TS: ts, ThreadTS: threadTS, Msg: msg})
	fmt.Fprint(a.out, Format(msg, title))
	apiAnswer(w, http.StatusOK, map[string]any{"ok": true, "channel": chID, "ts": ts,
		"message": map[string]any{"text": msg.Text, "ts": ts, "thread_ts": threadTS}})
}

// DeleteMessage removes a message, as a person deleting it in Slack would.
func (a *WebAPI) DeleteMessage(ts string) {
	a.base.Lock()
	defer a.base.Unlock()
	a.messages = slices.DeleteFunc(a.messages, func(m *APIMessage) bool { return m.TS == ts })
}

// apiArgs are the arguments of a call, from either kind of body.
type apiArgs struct {
	token, channel, ts, threadTS string
	text                         *string
	blocks                       json.RawMessage
}

// readArgs reads a call's arguments, or returns Slack's error code for a body it cannot
// read. A JSON body's token comes only from the Authorization header, as Slack requires;
// a form's from its token argument or the header.
func readArgs(req *http.Request) (apiArgs, string) {
	var args apiArgs
	bearer, hasBearer := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var body struct {
			Channel  string          `json:"channel"`
			TS       string          `json:"ts"`
			ThreadTS string          `json:"thread_ts"`
			Text     *string         `json:"text"`
			Blocks   json.RawMessage `json:"blocks"`
		}
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			return args, "invalid_json"
		}
		args = apiArgs{channel: body.Channel, ts: body.TS, threadTS: body.ThreadTS, text: body.Text, blocks: body.Blocks}
	case "application/x-www-form-urlencoded", "":
		if err := req.ParseForm(); err != nil {
			return args, "invalid_form_data"
		}
		f := req.PostForm
		args = apiArgs{token: f.Get("token"), channel: f.Get("channel"), ts: f.Get("ts"), threadTS: f.Get("thread_ts")}
		if f.Has("text") {
			t := f.Get("text")
			args.text = &t
		}
		if b := f.Get("blocks"); b != "" {
			args.blocks = json.RawMessage(b)
		}
	default:
		return args, "invalid_post_type"
	}
	if hasBearer {
		args.token = bearer
	}
	return args, ""
}

func apiError(w http.ResponseWriter, code string) {
	apiAnswer(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

func apiAnswer(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
