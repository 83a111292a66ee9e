package slack

import (
	"regexp"
	"strings"
	"sync"
)

// Terminal layout of Format. The frame is open on the right: emoji and CJK text have
// widths a plain rune count gets wrong, and a ragged right border looks worse than none.
const (
	frameWidth = 76
	wrapWidth  = 96
)

// Format renders msg as plain text lines in a frame, roughly as Slack would show it:
// the header, the fields as aligned "Title  value" rows, sections as paragraphs, context
// lines after a thin rule. title names the frame ("slack · message 3").
func Format(msg Message, title string) string {
	lines := textLines(msg)
	var sb strings.Builder
	top := "╭─ " + title + " "
	sb.WriteString(top + strings.Repeat("─", max(frameWidth-runes(top), 4)) + "\n")
	for _, l := range lines {
		for _, part := range strings.Split(l, "\n") {
			for _, w := range wrap(part, wrapWidth) {
				sb.WriteString(strings.TrimRight("│ "+w, " ") + "\n")
			}
		}
	}
	sb.WriteString("╰" + strings.Repeat("─", frameWidth-1) + "\n")
	return sb.String()
}

// PlainText is the visible text of msg without frame or wrapping, one block per
// paragraph; tests search it.
func PlainText(msg Message) string {
	return strings.Join(textLines(msg), "\n")
}

func textLines(msg Message) []string {
	var lines []string
	blocks := msg.Blocks
	if len(blocks) == 0 {
		lines = append(lines, plainText(msg.Text))
	}
	for i, b := range blocks {
		switch b.Type {
		case BlockHeader:
			if b.Text != nil {
				lines = append(lines, shown(b.Text))
			}
		case BlockSection:
			if i > 0 {
				lines = append(lines, "")
			}
			if b.Text != nil {
				lines = append(lines, shown(b.Text))
			}
			lines = append(lines, fieldRows(b.Fields)...)
		case BlockContext:
			if i == len(blocks)-1 {
				lines = append(lines, "", strings.Repeat("┈", 24))
			} else if i > 0 {
				lines = append(lines, "")
			}
			var parts []string
			for _, e := range b.Elements {
				if e != nil && (e.Type == TextPlain || e.Type == TextMrkdwn) { // not images
					parts = append(parts, shown(e))
				}
			}
			lines = append(lines, strings.Join(parts, "  "))
		case BlockDivider:
			lines = append(lines, strings.Repeat("─", 24))
		}
	}
	return lines
}

// fieldRows lays fields ("*Title*\nvalue") out as aligned rows.
func fieldRows(fields []*TextObject) []string {
	type row struct{ title, value string }
	var rows []row
	width := 0
	for _, f := range fields {
		if f == nil {
			continue
		}
		title, value, _ := strings.Cut(shown(f), "\n")
		rows = append(rows, row{title, value})
		width = max(width, runes(title))
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		pad := strings.Repeat(" ", width-runes(r.title)+2)
		value := strings.ReplaceAll(r.value, "\n", "\n"+strings.Repeat(" ", width+2))
		out = append(out, r.title+pad+value)
	}
	return out
}

// shown is what Slack shows for a text object: plain_text as it is (emoji shortcodes
// turned into emoji unless emoji is false: it is on when absent), mrkdwn read as mrkdwn.
func shown(t *TextObject) string {
	if t.Type == TextPlain {
		if t.Emoji == nil || *t.Emoji {
			return rx().emoji.ReplaceAllString(t.Text, "◌")
		}
		return t.Text
	}
	return plainText(t.Text)
}

// printRE holds the patterns that read mrkdwn back, compiled on first use: only the
// receiver, the demo and tests print messages, and sending should not pay for them at
// start.
type printRE struct{ emphasis, codeSpan, control, emoji *regexp.Regexp }

var rx = sync.OnceValue(func() *printRE {
	return &printRE{
		// *bold*, _italic_ and ~strike~ spans that start and end at word boundaries, as
		// Slack reads them.
		emphasis: regexp.MustCompile(`(^|[\s(])[*_~]([^*_~\n]+)[*_~]($|[\s),.:;!?])`),
		codeSpan: regexp.MustCompile("`[^`]*`"),
		// <!channel>, <!here>, <@U…>, <#C…>, <url|text>, <url>: mentions and links.
		control: regexp.MustCompile(`<([!@#]?)([^>|]*)(?:\|([^>]*))?>`),
		emoji:   regexp.MustCompile(`:[A-Za-z0-9_+'-]+:`),
	}
})

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// plainText turns mrkdwn into what a reader sees: code spans as they are, elsewhere no
// emphasis markers, mentions and links as Slack shows them ("@channel", the link's
// text), emoji shortcodes as an emoji ("◌"), and entities decoded.
func plainText(s string) string {
	var sb strings.Builder
	last := 0
	for _, m := range rx().codeSpan.FindAllStringIndex(s, -1) {
		sb.WriteString(mrkdwnText(s[last:m[0]]))
		sb.WriteString(unescaper.Replace(s[m[0]+1 : m[1]-1]))
		last = m[1]
	}
	sb.WriteString(mrkdwnText(s[last:]))
	return sb.String()
}

func mrkdwnText(s string) string {
	// Twice: a match consumes the space a following span would start at.
	s = rx().emphasis.ReplaceAllString(s, "$1$2$3")
	s = rx().emphasis.ReplaceAllString(s, "$1$2$3")
	s = rx().control.ReplaceAllStringFunc(s, func(m string) string {
		g := rx().control.FindStringSubmatch(m)
		switch {
		case g[1] != "":
			return "@" + g[2]
		case g[3] != "":
			return g[3]
		}
		return g[2]
	})
	s = rx().emoji.ReplaceAllString(s, "◌")
	return unescaper.Replace(s)
}

// wrap breaks s at spaces into lines of at most width runes; continuation lines are
// indented so a wrapped list item stays visibly one item.
func wrap(s string, width int) []string {
	if runes(s) <= width {
		return []string{s}
	}
	var out []string
	line := ""
	for _, word := range strings.Split(s, " ") {
		switch {
		case line == "":
			line = word
		case runes(line)+1+runes(word) > width:
			out = append(out, line)
			line = "    " + word
		default:
			line += " " + word
		}
	}
	return append(out, line)
}
