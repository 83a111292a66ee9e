package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/internal/hookhttp"
)

// Environment variables of the bot.
const (
	EnvBotToken = "CDNWATCH_SLACK_BOT_TOKEN"
	EnvChannel  = "CDNWATCH_SLACK_CHANNEL"
	EnvAPIURL   = "CDNWATCH_SLACK_API_URL"
)

// DefaultAPIURL is the base of Slack's Web API methods (https://api.slack.com/web).
const DefaultAPIURL = "https://slack.com/api/"

// Bot is the Slack channel driven by a bot token through the Web API. It keeps one live
// message per watch: the first notice posts it (chat.postMessage), every hop's progress
// edits it in place (chat.update), failures go into its thread (thread_ts), and the
// final summary goes into the thread and puts the live message in its final state. The thread handle it returns, and the
// dispatcher keeps in the watch's outbox, is "<channel id>:<message ts>".
//
// Slack has no idempotency key for chat.postMessage: if Slack took a reply but the
// answer was lost, the retry posts it again. Edits of the live message are idempotent.
type Bot struct {
	token   string
	channel string
	apiURL  string
	client  *http.Client
	lang    string
	secrets []string
}

var (
	_ notify.Channel         = (*Bot)(nil)
	_ notify.ProgressChannel = (*Bot)(nil)
)

// BotConfig configures a Bot.
type BotConfig struct {
	Token   string // xoxb-…; a secret
	Channel string // channel id (C…) or name (#cdn-ops) the bot is a member of
	// APIURL is the Web API base ("https://slack.com/api"); empty means Slack's.
	APIURL     string
	HTTPClient *http.Client
	Lang       string // CDNWATCH_LANG value
}

// NewBot returns the bot channel.
func NewBot(cfg BotConfig) (*Bot, error) {
	token := strings.TrimSpace(cfg.Token)
	if token == "" {
		return nil, errors.New("slack bot: token is empty")
	}
	if strings.TrimSpace(cfg.Channel) == "" {
		return nil, errors.New("slack bot: " + EnvChannel + " is required with a bot token")
	}
	api := DefaultAPIURL
	if cfg.APIURL != "" {
		u, err := url.Parse(cfg.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("slack bot: API URL must be an absolute http(s) URL")
		}
		api = strings.TrimSuffix(cfg.APIURL, "/") + "/"
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	// Slack's API does not redirect; a redirect would take the token (Go keeps the
	// Authorization header on a redirect to the same host) where nobody configured it.
	client = hookhttp.NoRedirects(client)
	return &Bot{
		token:   token,
		channel: strings.TrimSpace(cfg.Channel),
		apiURL:  api,
		client:  client,
		lang:    cfg.Lang,
		secrets: []string{token},
	}, nil
}

// Name implements notify.Channel.
func (b *Bot) Name() string { return Name }

// LiveProgress implements notify.ProgressChannel: the bot edits its message every hop.
func (b *Bot) LiveProgress() bool { return true }

// Secrets returns the strings that must never be logged.
func (b *Bot) Secrets() []string { return b.secrets }

// Send implements notify.Channel; see Bot.
func (b *Bot) Send(ctx context.Context, n notify.Notice, thread string) (string, error) {
	if n.Kind == notify.SweepDigest {
		// A digest belongs to no watch: one standalone message.
		_, _, err := b.post(ctx, b.channel, "", RenderLang(n, b.lang))
		return thread, err
	}
	status := RenderStatus(n, b.lang)
	chID, ts := parseThread(thread, b.channel)
	var err error
	if ts == "" {
		if chID, ts, err = b.post(ctx, b.channel, "", status); err != nil {
			return thread, err
		}
		thread = chID + ":" + ts
	} else if n.Kind == notify.TaskFailed || n.Kind == notify.TaskUnknown {
		// The reply is the news; the live message moves with this hop's progress
		// notice, which the engine sends right after (with a truer percentage than
		// counts alone give), so no edit here.
	} else if err = b.update(ctx, chID, ts, status); err != nil {
		if !messageGone(err) {
			return thread, err
		}
		// Someone deleted the live message, or it is too old to edit: start a new one
		// rather than lose the watch's thread for good.
		if chID, ts, err = b.post(ctx, b.channel, "", status); err != nil {
			return thread, err
		}
		thread = chID + ":" + ts
	}
	if n.Kind == notify.Progress {
		return thread, nil
	}
	_, _, err = b.post(ctx, chID, ts, RenderLang(n, b.lang))
	return thread, err
}

// parseThread splits a thread handle; a bare ts (no channel) uses the configured one.
func parseThread(thread, channel string) (chID, ts string) {
	if thread == "" {
		return channel, ""
	}
	if c, t, ok := strings.Cut(thread, ":"); ok {
		return c, t
	}
	return channel, thread
}

// postMessage is the JSON body of chat.postMessage
// (https://api.slack.com/methods/chat.postMessage): where, the message, and whether it
// is a reply. Link and media unfurls are off: a notice's paths are not for previews.
type postMessage struct {
	Channel     string  `json:"channel"`
	ThreadTS    string  `json:"thread_ts,omitempty"`
	Text        string  `json:"text,omitempty"`
	Blocks      []Block `json:"blocks,omitempty"`
	UnfurlLinks bool    `json:"unfurl_links"`
	UnfurlMedia bool    `json:"unfurl_media"`
}

// updateMessage is the JSON body of chat.update (https://api.slack.com/methods/chat.update):
// the message ts says which message; text and blocks replace the old ones.
type updateMessage struct {
	Channel string  `json:"channel"`
	TS      string  `json:"ts"`
	Text    string  `json:"text,omitempty"`
	Blocks  []Block `json:"blocks,omitempty"`
}

// apiResult is what both methods answer: ok, or an error code; on success the channel
// id and the message's ts.
type apiResult struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	Message struct {
		TS string `json:"ts"`
	} `json:"message"`
}

func (b *Bot) post(ctx context.Context, channel, threadTS string, msg Message) (string, string, error) {
	ans, err := b.call(ctx, "chat.postMessage", postMessage{Channel: channel, ThreadTS: threadTS, Text: msg.Text, Blocks: msg.Blocks})
	if err != nil {
		return "", "", err
	}
	ts := ans.TS
	if ts == "" {
		ts = ans.Message.TS
	}
	if ans.Channel == "" || ts == "" {
		return "", "", &notify.DeliveryError{Channel: Name, Err: errors.New("chat.postMessage: answer without channel or ts")}
	}
	return ans.Channel, ts, nil
}

func (b *Bot) update(ctx context.Context, channel, ts string, msg Message) error {
	_, err := b.call(ctx, "chat.update", updateMessage{Channel: channel, TS: ts, Text: msg.Text, Blocks: msg.Blocks})
	return err
}

// call makes one Web API call as a JSON POST with the token in the Authorization header,
// as Slack asks of JSON bodies (https://api.slack.com/web#posting_json), and classifies
// its answer.
func (b *Bot) call(ctx context.Context, method string, args any) (*apiResult, error) {
	body, err := json.Marshal(args)
	if err != nil {
		return nil, &notify.DeliveryError{Channel: Name, Permanent: true, Err: fmt.Errorf("%s: %w", method, err)}
	}
	header := http.Header{"Authorization": {"Bearer " + b.token}}
	a, err := hookhttp.PostJSON(ctx, b.client, b.apiURL+method, body, header, b.secrets...)
	if err != nil {
		// No answer: network error, timeout, cancelled context. Worth another try.
		return nil, &notify.DeliveryError{Channel: Name, Err: notify.Redact(fmt.Errorf("%s: %w", method, err), b.secrets...)}
	}
	return b.answer(method, a)
}

// Slack Web API error codes, by what they mean for delivery.
var (
	// authCodes: the token is refused. Permanent, and a configuration error.
	authCodes = map[string]bool{
		"invalid_auth": true, "not_authed": true, "account_inactive": true,
		"token_revoked": true, "token_expired": true, "no_permission": true,
		"missing_scope": true, "ekm_access_denied": true, "team_access_not_granted": true,
		"not_allowed_token_type": true, "org_login_required": true,
	}
	// retryCodes: Slack's side is busy or failing; another try may work.
	retryCodes = map[string]bool{
		"ratelimited": true, "rate_limited": true, "fatal_error": true, "internal_error": true,
		"service_unavailable": true, "request_timeout": true, "team_added_to_org": true,
	}
	// goneCodes: the live message can no longer be edited; post a new one.
	goneCodes = map[string]bool{
		"message_not_found": true, "cant_update_message": true, "edit_window_closed": true,
	}
)

// messageGone reports whether an update failed because the live message is gone.
func messageGone(err error) bool {
	var de *notify.DeliveryError
	return errors.As(err, &de) && goneCodes[de.Code]
}

// answer reads a Web API answer. Slack answers HTTP 200 with {"ok":false,"error":"…"}
// for refusals, and 429 with Retry-After when rate limiting
// (https://api.slack.com/apis/rate-limits); any other status is an HTTP error whose body
// (often HTML from in front of Slack) is not read.
//
// Every Slack error code that is not known to be temporary is permanent: retrying a
// refusal hop after hop would keep the watch from ever finishing. The error never holds
// the token.
func (b *Bot) answer(method string, a *hookhttp.Answer) (*apiResult, error) {
	de := &notify.DeliveryError{Channel: Name, Status: a.Status, RetryAfter: a.RetryAfter}
	switch {
	case a.Status == http.StatusTooManyRequests:
		de.Code = "ratelimited"
		de.Err = errors.New(method + ": Slack rate limit")
		return nil, de
	case a.Status >= 300 && a.Status < 400:
		return nil, hookhttp.StatusError(Name, a) // not followed, and permanent
	case a.Status != http.StatusOK:
		de.Permanent = notify.PermanentStatus(a.Status)
		de.Err = errors.New(method + ": " + http.StatusText(a.Status))
		return nil, de
	}
	de.Status = 0 // a refusal at 200 is Slack's code, not an HTTP error
	var ans apiResult
	if err := json.Unmarshal(a.Body, &ans); err != nil {
		// Not Slack's JSON (a proxy's page, a cut answer): worth another try.
		de.Err = fmt.Errorf("%s: unreadable answer: %w", method, err)
		return nil, de
	}
	if ans.OK {
		return &ans, nil
	}
	de.Code = ans.Error
	switch {
	case retryCodes[ans.Error]:
	case goneCodes[ans.Error]:
		// Not permanent: Send recovers by posting a new live message.
	default:
		de.Permanent = true
		de.Auth = authCodes[ans.Error]
	}
	de.Err = errors.New(method + ": " + b.hint(ans.Error))
	return nil, de
}

// hint says what a Slack error code means for the person reading the log.
func (b *Bot) hint(code string) string {
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive":
		return "Slack refused the bot token (" + EnvBotToken + "): it is invalid, revoked, or its app was uninstalled"
	case "missing_scope", "no_permission", "not_allowed_token_type":
		return "the bot token may not post messages: give the app the chat:write scope and reinstall it"
	case "channel_not_found":
		return fmt.Sprintf("Slack knows no channel %q for this bot (%s): use a channel id (C…) or a name the bot can see", b.channel, EnvChannel)
	case "not_in_channel":
		return fmt.Sprintf("the bot is not a member of channel %q: invite it with /invite @your-bot", b.channel)
	case "is_archived", "channel_is_archived":
		return fmt.Sprintf("channel %q is archived", b.channel)
	case "ratelimited", "rate_limited":
		return "Slack rate limit"
	case "message_not_found", "cant_update_message", "edit_window_closed":
		return "the live message can no longer be edited"
	case "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "invalid_arguments":
		return "Slack rejected the message as malformed (a cdnwatch bug: please report it)"
	}
	return "Slack refused the call"
}

// ChannelFromEnv builds the "slack" channel: the bot when CDNWATCH_SLACK_BOT_TOKEN is
// set, else the incoming webhook when CDNWATCH_SLACK_WEBHOOK_URL is; ok is false when
// neither is. secrets lists what a redacting log handler must hide.
func ChannelFromEnv(getenv func(string) string, client *http.Client, lang string) (ch notify.Channel, secrets []string, ok bool, err error) {
	if token := strings.TrimSpace(getenv(EnvBotToken)); token != "" {
		bot, err := NewBot(BotConfig{
			Token: token, Channel: getenv(EnvChannel), APIURL: strings.TrimSpace(getenv(EnvAPIURL)),
			HTTPClient: client, Lang: lang,
		})
		if err != nil {
			return nil, nil, false, err
		}
		return bot, bot.Secrets(), true, nil
	}
	var opts []Option
	if client != nil {
		opts = append(opts, WithHTTPClient(client))
	}
	opts = append(opts, WithLang(lang))
	w, ok, err := FromEnv(getenv, opts...)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	return w, w.Secrets(), true, nil
}
