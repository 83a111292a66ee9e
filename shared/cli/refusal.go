package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"cdnwatch/shared/engine"
	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
)

// credentialHint says which variables (or credential source) give a provider its keys.
func credentialHint(name string) string {
	switch name {
	case "aliyun-cdn", "aliyun-dcdn":
		return "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN for STS), or configure an Aliyun CLI profile or RAM role"
	case "volc-cdn", "volc-mcdn":
		return "set VOLCENGINE_ACCESS_KEY and VOLCENGINE_SECRET_KEY"
	case "aws-cloudfront":
		return "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), or AWS_PROFILE for a profile, SSO or role"
	case "tencent-cdn":
		return "set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"
	}
	return "see 'cdnwatch help watch' (Environment)"
}

// refusal turns an error that ends a watch for good into an exit code and at most two
// lines that say what to do: no SDK credential-chain dump, no repeated prefixes.
func refusal(providerName string, err error) error {
	pe := providerError(err)
	switch {
	case pe != nil && pe.Code == "MissingCredentials":
		return exitf(ExitUsage, "no credentials for %s\n  %s", providerName, credentialHint(providerName))
	case pe != nil && pe.Kind == provider.KindAuth:
		return exitf(ExitRefused, "%s refused our credentials: %s\n  check them: %s", providerName,
			shortProviderMessage(pe), credentialHint(providerName))
	case pe != nil && pe.Kind == provider.KindInvalidID:
		return exitf(ExitRefused, "%s", shortProviderMessage(pe))
	}
	var ue *notify.UnconfiguredError
	if errors.As(err, &ue) {
		return exitf(ExitUsage, "%s", oneLine(ue.Error()))
	}
	var oe *engine.OpenError
	if errors.As(err, &oe) {
		msg := oneLine(oe.Err.Error())
		msg = strings.TrimPrefix(msg, "open provider "+oe.Provider+": ")
		return exitf(ExitUsage, "cannot open provider %s: %s", oe.Provider, msg)
	}
	return exitf(ExitFailed, "%s", shortReason(err))
}

func shortProviderMessage(pe *provider.Error) string {
	msg := oneLine(pe.Error())
	if len(msg) > 300 {
		msg = msg[:297] + "..."
	}
	return msg
}

// channelNames are the channel names --notify and a document's notify accept, and how
// each is configured.
var channelNames = []struct{ name, vars string }{
	{"slack", "set CDNWATCH_SLACK_WEBHOOK_URL, or CDNWATCH_SLACK_BOT_TOKEN and CDNWATCH_SLACK_CHANNEL"},
	{"webhook", "set CDNWATCH_WEBHOOK_URL (and CDNWATCH_WEBHOOK_SECRET to sign)"},
	{"dingtalk", "set CDNWATCH_DINGTALK_WEBHOOK_URL (and CDNWATCH_DINGTALK_SECRET when the robot signs)"},
	{"feishu", "set CDNWATCH_FEISHU_WEBHOOK_URL (and CDNWATCH_FEISHU_SECRET when the bot signs)"},
	{"wecom", "set CDNWATCH_WECOM_WEBHOOK_URL"},
}

// checkNotify refuses a notify list naming a channel that does not exist or is not
// configured: a typo must fail the pipeline, not pass it silently (exit 2).
func checkNotify(targets []string, configured []notify.Channel, source string) error {
	var have []string
	for _, ch := range configured {
		have = append(have, ch.Name())
	}
	for _, t := range targets {
		i := slices.IndexFunc(channelNames, func(c struct{ name, vars string }) bool { return c.name == t })
		if i < 0 {
			known := make([]string, len(channelNames))
			for j, c := range channelNames {
				known[j] = c.name
			}
			return exitf(ExitUsage, "%s names channel %q, which does not exist (channels: %s)", source, t, strings.Join(known, ", "))
		}
		if !slices.Contains(have, t) {
			return exitf(ExitUsage, "%s names channel %q, which is not configured\n  %s", source, t, channelNames[i].vars)
		}
	}
	return nil
}

// undelivered lists, channel by channel, the notices (ids) a watch could not deliver:
// those still queued for a target that has not taken them, and those a channel refused
// for good (it was disabled, so they left the queue without it).
type undelivered map[string][]string

func (u undelivered) add(channel, id string) {
	if !slices.Contains(u[channel], id) {
		u[channel] = append(u[channel], id)
	}
}

func (u undelivered) String() string {
	var chans []string
	for ch := range u {
		chans = append(chans, ch)
	}
	slices.Sort(chans)
	var parts []string
	for _, ch := range chans {
		parts = append(parts, fmt.Sprintf("%s: %s", ch, strings.Join(u[ch], ", ")))
	}
	return strings.Join(parts, "; ")
}

// noticeIDOf reads the notice id the dispatcher puts in front of each delivery error
// ("notice msg_…: deliver to webhook: HTTP 500").
func noticeIDOf(err error) string {
	s, ok := strings.CutPrefix(err.Error(), "notice ")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(s, ":")
	return id
}
