package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"cdnwatch/shared/notify"
)

// Environment variables of the bot.
const (
	EnvBotToken = "CDNWATCH_SLACK_BOT_TOKEN"
	EnvChannel  = "CDNWATCH_SLACK_CHANNEL"
	EnvAPIURL   = "CDNWATCH_SLACK_API_URL"
)

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
	api := slackapi.APIURL
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
	c := b.call()
	if n.Kind == notify.SweepDigest {
		// A digest belongs to no watch: one standalone message.
		_, _, err := c.post(ctx, b.channel, "", RenderLang(n, b.lang))
		return thread, err
	}
	status := RenderStatus(n, b.lang)
	chID, ts := parseThread(thread, b.channel)
	var err error
	if ts == "" {
		if chID, ts, err = c.post(ctx, b.channel, "", status); err != nil {
			return thread, err
		}
		thread = chID + ":" + ts
	} else if n.Kind == notify.TaskFailed || n.Kind == notify.TaskUnknown {
		// The reply is the news; the live message moves with this hop's progress
		// notice, which the engine sends right after (with a truer percentage than
		// counts alone give), so no edit here.
	} else if err = c.update(ctx, chID, ts, status); err != nil {
		if !messageGone(err) {
			return thread, err
		}
		// Someone deleted the live message, or it is too old to edit: start a new one
		// rather than lose the watch's thread for good.
		if chID, ts, err = c.post(ctx, b.channel, "", status); err != nil {
			return thread, err
		}
		thread = chID + ":" + ts
	}
	if n.Kind == notify.Progress {
		return thread, nil
	}
	_, _, err = c.post(ctx, chID, ts, RenderLang(n, b.lang))
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

// call is one Send's client: its own recorder transport keeps the HTTP status and
// Retry-After of the last failed answer (slack-go fails on an HTTP-date Retry-After
// without saying the status was 429).
type call struct {
	b   *Bot
	api *slackapi.Client
	rec *recorder
}

func (b *Bot) call() *call {
	rec := &recorder{base: b.client.Transport}
	hc := *b.client
	hc.Transport = rec
	// slack-go logs nothing unless debug is on; OptionLog is not set so it never can.
	api := slackapi.New(b.token, slackapi.OptionAPIURL(b.apiURL), slackapi.OptionHTTPClient(&hc))
	return &call{b: b, api: api, rec: rec}
}

func msgOptions(msg slackapi.WebhookMessage) []slackapi.MsgOption {
	opts := []slackapi.MsgOption{
		slackapi.MsgOptionText(msg.Text, false),
		slackapi.MsgOptionDisableLinkUnfurl(),
		slackapi.MsgOptionDisableMediaUnfurl(),
	}
	if msg.Blocks != nil {
		opts = append(opts, slackapi.MsgOptionBlocks(msg.Blocks.BlockSet...))
	}
	return opts
}

func (c *call) post(ctx context.Context, channel, threadTS string, msg slackapi.WebhookMessage) (string, string, error) {
	opts := msgOptions(msg)
	if threadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(threadTS))
	}
	c.rec.last = nil
	chID, ts, err := c.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", "", c.b.deliveryError("chat.postMessage", err, c.rec.last)
	}
	if chID == "" || ts == "" {
		return "", "", &notify.DeliveryError{Channel: Name, Err: errors.New("chat.postMessage: answer without channel or ts")}
	}
	return chID, ts, nil
}

func (c *call) update(ctx context.Context, channel, ts string, msg slackapi.WebhookMessage) error {
	c.rec.last = nil
	if _, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, msgOptions(msg)...); err != nil {
		return c.b.deliveryError("chat.update", err, c.rec.last)
	}
	return nil
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

// deliveryError classifies a failed Web API call. Every Slack error code that is not
// known to be temporary is permanent: retrying a refusal hop after hop would keep the
// watch from ever finishing. The error never holds the token.
func (b *Bot) deliveryError(method string, err error, resp *response) error {
	de := &notify.DeliveryError{Channel: Name}
	if resp != nil {
		de.Status, de.RetryAfter = resp.status, resp.retryAfter
	}
	var (
		rl *slackapi.RateLimitedError
		se slackapi.SlackErrorResponse
		sc slackapi.StatusCodeError
	)
	switch {
	case errors.As(err, &rl):
		de.Status, de.Code = http.StatusTooManyRequests, "ratelimited"
		de.RetryAfter = max(de.RetryAfter, rl.RetryAfter)
		de.Err = errors.New(method + ": Slack rate limit")
	case errors.As(err, &se):
		de.Code = se.Err
		switch {
		case retryCodes[se.Err]:
		case goneCodes[se.Err]:
			// Not permanent: Send recovers by posting a new live message.
		default:
			de.Permanent = true
			de.Auth = authCodes[se.Err]
		}
		de.Err = errors.New(method + ": " + b.hint(se.Err))
	case errors.As(err, &sc):
		de.Status = sc.Code
		de.Permanent = notify.PermanentStatus(sc.Code)
		de.Err = errors.New(method + ": " + http.StatusText(sc.Code))
	case resp != nil && resp.status != http.StatusOK:
		// An answer slack-go could not read (an HTTP-date Retry-After, HTML from a proxy).
		de.Permanent = notify.PermanentStatus(resp.status)
		de.Err = errors.New(method + ": " + http.StatusText(resp.status))
	default:
		// No answer: network error, timeout, cancelled context. Worth another try.
		de.Err = notify.Redact(fmt.Errorf("%s: %w", method, err), b.secrets...)
	}
	return de
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
