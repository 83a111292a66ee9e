package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"cdnwatch/shared/notify/msgtext"
)

// list is one titled list in a message (failures, pending ids, running tasks). lines
// are mrkdwn; extra counts the items that have no line (cut here or upstream).
type list struct {
	title string
	lines []string
	extra int
}

func (r renderer) lists() []list {
	var ls []list
	for _, ml := range msgtext.Lists(r.n, r.tx) {
		l := list{title: ml.Title, extra: ml.Extra}
		if ml.IDs {
			l.lines = idLines(ml.Items)
		} else {
			for _, it := range ml.Items {
				l.lines = append(l.lines, itemLine(it))
			}
		}
		ls = append(ls, l)
	}
	return ls
}

// itemLine shows a failure or running task as "• `id` `path` _(type)_ — reason".
func itemLine(it msgtext.Item) string {
	line := "• " + code(it.ID)
	if it.Path != "" {
		line += " " + code(it.Path)
	}
	if it.Type != "" {
		line += " _(" + esc(it.Type) + ")_"
	}
	if it.Reason != "" {
		line += " — " + esc(it.Reason)
	}
	if it.Flag != "" {
		line += " _(" + esc(it.Flag) + ")_"
	}
	return line
}

// idLines packs task ids a few per line: they are short and there may be many.
func idLines(items []msgtext.Item) []string {
	var lines []string
	for i := 0; i < len(items); i += msgtext.IDsPerLine {
		var codes []string
		for _, it := range items[i:min(i+msgtext.IDsPerLine, len(items))] {
			codes = append(codes, code(it.ID))
		}
		lines = append(lines, strings.Join(codes, ", "))
	}
	return lines
}

// pack lays a list out as section blocks of at most MaxSectionText characters, using at
// most budget blocks. Lines that do not fit are added to the "…and N more" count, for
// which every section keeps room.
func pack(l list, budget int, tx *texts) []slackapi.Block {
	if budget < 1 {
		return nil
	}
	limit := MaxSectionText - moreReserve
	var blocks []slackapi.Block
	cur := "*" + esc(l.title) + "*"
	shown := 0
	for _, line := range l.lines {
		line = truncMrkdwn(line, limit)
		if runes(cur)+1+runes(line) > limit {
			if len(blocks)+1 >= budget {
				break
			}
			blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(cur), nil, nil))
			cur = line
		} else {
			cur += "\n" + line
		}
		shown++
	}
	if more := len(l.lines) - shown + l.extra; more > 0 {
		cur += "\n_" + esc(fmt.Sprintf(tx.More, more)) + "_"
	}
	return append(blocks, slackapi.NewSectionBlock(mrkdwn(cur), nil, nil))
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// truncate cuts s to at most n runes, marking the cut with "…".
func truncate(s string, n int) string { return msgtext.Truncate(s, n) }

// truncMrkdwn is truncate for escaped text: it does not leave half an entity ("&am").
func truncMrkdwn(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	t := string([]rune(s)[:n-1])
	if amp := strings.LastIndexByte(t, '&'); amp >= 0 && !strings.Contains(t[amp:], ";") {
		t = t[:amp]
	}
	return t + "…"
}

// esc escapes the three characters Slack's mrkdwn treats as control characters.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func esc(s string) string { return escaper.Replace(s) }

// code shows s as inline code; a backtick inside would end the span early.
func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + esc(strings.ReplaceAll(s, "`", "'")) + "`"
}
