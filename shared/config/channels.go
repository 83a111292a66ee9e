package config

import (
	"fmt"
	"log/slog"
	"slices"

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

// channelVariables names, for each channel, the variables that configure it.
var channelVariables = map[string]string{
	slack.Name:    "CDNWATCH_SLACK_WEBHOOK_URL, or CDNWATCH_SLACK_BOT_TOKEN and CDNWATCH_SLACK_CHANNEL",
	webhook.Name:  "CDNWATCH_WEBHOOK_URL and CDNWATCH_WEBHOOK_SECRET",
	dingtalk.Name: "CDNWATCH_DINGTALK_WEBHOOK_URL",
	feishu.Name:   "CDNWATCH_FEISHU_WEBHOOK_URL",
	wecom.Name:    "CDNWATCH_WECOM_WEBHOOK_URL",
}

// CheckNotify returns a *notify.UnconfiguredError when names (a watch's notify list)
// include a channel that does not exist or is not configured among chans. An empty list
// means every configured channel and is always fine.
func CheckNotify(chans []notify.Channel, names []string) error {
	var e notify.UnconfiguredError
	for _, n := range names {
		if slices.ContainsFunc(chans, func(c notify.Channel) bool { return c.Name() == n }) {
			continue
		}
		if vars, ok := channelVariables[n]; ok {
			if e.Unset == nil {
				e.Unset = map[string]string{}
			}
			e.Unset[n] = vars
		} else if !slices.Contains(e.Unknown, n) {
			e.Unknown = append(e.Unknown, n)
		}
	}
	if len(e.Unknown) == 0 && len(e.Unset) == 0 {
		return nil
	}
	return &e
}
