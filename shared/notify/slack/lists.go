package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"cdnwatch/shared/notify/msgtext"
)

// list is one titled list in a message (failures, pending ids, running tasks). lines
// are mrkdwn, or plain text when plain; extra counts the items that have no line (cut
// here or upstream).
type list struct {
	title string
	lines []string
	extra int
	plain bool
}

func (r renderer) lists() []list {
	var ls []list
	for _, ml := range msgtext.Lists(r.n, r.tx) {
		l := list{title: ml.Title, extra: ml.Extra, plain: !inertList(ml)}
		switch {
		case ml.IDs && l.plain:
			l.lines = plainIDLines(ml.Items)
		case ml.IDs:
			l.lines = idLines(ml.Items)
		default:
			for _, it := range ml.Items {
				if l.plain {
					l.lines = append(l.lines, plainItemLine(it))
				} else {
					l.lines = append(l.lines, itemLine(it))
				}
			}
		}
		ls = append(ls, l)
	}
	return ls
}

// Slack's mrkdwn (https://api.slack.com/reference/surfaces/formatting) has escapes for
// &, < and > only (esc); *bold*, _italic_, ~strike~, `code` and :emoji: cannot be
// escaped. Inside a code span they are inert, but a backtick cannot be put in one. So a
// list goes out as mrkdwn, ids and paths in code spans, only when its text is inert
// there; otherwise as plain_text, which shows its content as it is (no formatting, no
// mentions, no links, and with emoji off no :emoji:).

// inertCode: s shows as itself in a code span (after esc).
func inertCode(s string) bool { return !strings.Contains(s, "`") }

// inertText: s shows as itself in mrkdwn outside a code span (after esc): no emphasis
// or code marker, and no emoji shortcode (":name:").
func inertText(s string) bool {
	if strings.ContainsAny(s, "*_~`") {
		return false
	}
	for i := strings.IndexByte(s, ':'); i >= 0; {
		j := i + 1
		for j < len(s) && isShortcodeByte(s[j]) {
			j++
		}
		if j < len(s) && s[j] == ':' && j > i+1 {
			return false
		}
		k := strings.IndexByte(s[j:], ':')
		if k < 0 {
			break
		}
		i = j + k
	}
	return true
}

func isShortcodeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_+'-", c) >= 0
}

func inertList(l msgtext.List) bool {
	if !inertText(l.Title) {
		return false
	}
	for _, it := range l.Items {
		if !inertCode(it.ID) || !inertCode(it.Path) || !inertText(it.Type) || !inertText(it.Reason) || !inertText(it.Flag) {
			return false
		}
	}
	return true
}

// plainItemLine is itemLine for plain_text: "• id path (type) — reason".
func plainItemLine(it msgtext.Item) string {
	line := "• " + it.ID
	if it.Path != "" {
		line += " " + it.Path
	}
	if it.Type != "" {
		line += " (" + it.Type + ")"
	}
	if it.Reason != "" {
		line += " — " + it.Reason
	}
	if it.Flag != "" {
		line += " (" + it.Flag + ")"
	}
	return line
}

func plainIDLines(items []msgtext.Item) []string {
	var lines []string
	for i := 0; i < len(items); i += msgtext.IDsPerLine {
		var ids []string
		for _, it := range items[i:min(i+msgtext.IDsPerLine, len(items))] {
			ids = append(ids, it.ID)
		}
		lines = append(lines, strings.Join(ids, ", "))
	}
	return lines
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
func pack(l list, budget int, tx *texts) []Block {
	if budget < 1 {
		return nil
	}
	limit := MaxSectionText - moreReserve
	text, cut, cur := mrkdwn, truncMrkdwn, "*"+esc(l.title)+"*"
	if l.plain {
		text, cut, cur = plain, truncate, l.title
	}
	var blocks []Block
	shown := 0
	for _, line := range l.lines {
		line = cut(line, limit)
		if runes(cur)+1+runes(line) > limit {
			if len(blocks)+1 >= budget {
				break
			}
			blocks = append(blocks, sectionBlock(text(cur)))
			cur = line
		} else {
			cur += "\n" + line
		}
		shown++
	}
	if more := len(l.lines) - shown + l.extra; more > 0 {
		if l.plain {
			cur += "\n" + fmt.Sprintf(tx.More, more)
		} else {
			cur += "\n_" + esc(fmt.Sprintf(tx.More, more)) + "_"
		}
	}
	return append(blocks, sectionBlock(text(cur)))
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
