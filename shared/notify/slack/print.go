package slack

import (
	"regexp"
	"strings"
	"sync"

	slackapi "github.com/slack-go/slack"
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
func Format(msg slackapi.WebhookMessage, title string) string {
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
func PlainText(msg slackapi.WebhookMessage) string {
	return strings.Join(textLines(msg), "\n")
}

func textLines(msg slackapi.WebhookMessage) []string {
	var lines []string
	var blocks []slackapi.Block
	if msg.Blocks != nil {
		blocks = msg.Blocks.BlockSet
	}
	if len(blocks) == 0 {
		lines = append(lines, plainText(msg.Text))
	}
	for i, b := range blocks {
		switch b := b.(type) {
		case *slackapi.HeaderBlock:
			if b.Text != nil {
				lines = append(lines, b.Text.Text)
			}
		case *slackapi.SectionBlock:
			if i > 0 {
				lines = append(lines, "")
			}
			if b.Text != nil {
				lines = append(lines, plainText(b.Text.Text))
			}
			lines = append(lines, fieldRows(b.Fields)...)
		case *slackapi.ContextBlock:
			if i == len(blocks)-1 {
				lines = append(lines, "", strings.Repeat("┈", 24))
			} else if i > 0 {
				lines = append(lines, "")
			}
			var parts []string
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slackapi.TextBlockObject); ok {
					parts = append(parts, plainText(t.Text))
				}
			}
			lines = append(lines, strings.Join(parts, "  "))
		case *slackapi.DividerBlock:
			lines = append(lines, strings.Repeat("─", 24))
		}
	}
	return lines
}

// fieldRows lays fields ("*Title*\nvalue") out as aligned rows.
func fieldRows(fields []*slackapi.TextBlockObject) []string {
	type row struct{ title, value string }
	var rows []row
	width := 0
	for _, f := range fields {
		if f == nil {
			continue
		}
		title, value, _ := strings.Cut(plainText(f.Text), "\n")
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

// emphasis matches *bold* and _italic_ spans that start and end at word boundaries, so
// a '*' or '_' inside a path is left alone.
// Compiled on first use, not at start: a cold start that sends nothing never pays for it.
var emphasis = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(^|[\s(])[*_]([^*_\n]+)[*_]($|[\s),.:;])`)
})

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// plainText turns our mrkdwn into what a reader sees: no markers, no entities.
func plainText(s string) string {
	// Twice: a match consumes the space a following span would start at.
	s = emphasis().ReplaceAllString(s, "$1$2$3")
	s = emphasis().ReplaceAllString(s, "$1$2$3")
	s = strings.ReplaceAll(s, "`", "")
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
