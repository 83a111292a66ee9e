package config

import (
	"fmt"
	"log/slog"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/dingtalk"
	"cdnwatch/shared/notify/feishu"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/notify/webhook"
	"cdnwatch/shared/notify/wecom"
)

// Channels builds every channel whose variables are set, in the order "every channel"
// means: slack (the bot when CDNWATCH_SLACK_BOT_TOKEN is set, else the incoming
// webhook), webhook, dingtalk, feishu, wecom. A variable that is set but wrong is an
// error naming the variable (never its value: the values are secrets).
func (e *Env) Channels(logger *slog.Logger) ([]notify.Channel, error) {
	var out []notify.Channel
	add := func(name string, ch notify.Channel, ok bool, err error) error {
		if err != nil {
			return fmt.Errorf("%s channel: %w", name, err)
		}
		if ok {
			out = append(out, ch)
		}
		return nil
	}
	sl, _, ok, err := slack.ChannelFromEnv(e.Get, e.HTTPClient, e.Lang)
	if err := add(slack.Name, sl, ok, err); err != nil {
		return nil, err
	}
	wh, ok, err := webhook.FromEnv(e.Get, e.HTTPClient)
	if err := add(webhook.Name, wh, ok, err); err != nil {
		return nil, err
	}
	dt, ok, err := dingtalk.FromEnv(e.Get, e.HTTPClient, e.Lang)
	if err := add(dingtalk.Name, dt, ok, err); err != nil {
		return nil, err
	}
	fs, ok, err := feishu.FromEnv(e.Get, e.HTTPClient, e.Lang)
	if err := add(feishu.Name, fs, ok, err); err != nil {
		return nil, err
	}
	wc, ok, err := wecom.FromEnv(e.Get, e.HTTPClient, e.Lang)
	if err := add(wecom.Name, wc, ok, err); err != nil {
		return nil, err
	}
	if len(out) == 0 && logger != nil {
		logger.Info("no notification channel configured; notices are only logged")
	}
	return out, nil
}

// SecretsOf collects the secrets of chans (webhook URLs, tokens, signing secrets), for
// notify.NewRedactingHandler at the root logger.
func SecretsOf(chans []notify.Channel) []string {
	var out []string
	for _, ch := range chans {
		if s, ok := ch.(interface{ Secrets() []string }); ok {
			out = append(out, s.Secrets()...)
		}
	}
	return out
}
