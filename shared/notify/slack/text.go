package slack

import "cdnwatch/shared/notify/msgtext"

// texts holds every word a person reads in a Slack message. The strings live in msgtext,
// shared with the other chat channels, so CDNWATCH_LANG=zh translates them all at once.
type texts = msgtext.Texts

// textsFor picks the strings for a CDNWATCH_LANG value: "zh" is Chinese, anything else
// English.
func textsFor(lang string) *texts { return msgtext.For(lang) }
