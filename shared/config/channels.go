package config

import (
	"fmt"
	"log/slog"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/slack"
)

// Channels builds every channel whose variables are set. A variable that is set but wrong
// is an error naming the variable (never its value: the values are secrets).
func (e *Env) Channels(logger *slog.Logger) ([]notify.Channel, error) {
	var out []notify.Channel
	sw, ok, err := slack.FromEnv(e.Get, slack.WithHTTPClient(e.HTTPClient), slack.WithLang(e.Lang))
	if err != nil {
		return nil, fmt.Errorf("slack channel: %w", err)
	}
	if ok {
		out = append(out, sw)
	}
	if len(out) == 0 && logger != nil {
		logger.Info("no notification channel configured; notices are only logged")
	}
	return out, nil
}
