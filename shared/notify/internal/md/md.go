// Package md renders a msgtext.Doc as the markdown dialects of the Chinese group robots
// (DingTalk, WeCom, Feishu cards), cut to a service's size limit, and turns such
// markdown back into plain text for test receivers.
package md

import (
	"fmt"
	"regexp"
	"strings"

	"cdnwatch/shared/notify/msgtext"
)

// Dialect is what differs between the services' markdown.
type Dialect struct {
	// Title renders the title line; nil means "### " + text.
	Title func(d msgtext.Doc) string
	// Escape makes free text safe; nil leaves it as is.
	Escape func(string) string
	// Code renders an id or a path; nil means plain escaped text (DingTalk has no
	// inline code).
	Code func(string) string
	// Break separates lines: "\n" where a newline breaks the line (WeCom, Feishu),
	// "\n\n" where only a blank line does (DingTalk).
	Break string
	// Muted renders the footer; nil means "> " + text.
	Muted func(string) string
}

func (dl Dialect) esc(s string) string {
	if dl.Escape == nil {
		return s
	}
	return dl.Escape(s)
}

func (dl Dialect) code(s string) string {
	if s == "" {
		return ""
	}
	if dl.Code == nil {
		return dl.esc(s)
	}
	return dl.Code(s)
}

// Render lays d out in dialect dl.
func Render(d msgtext.Doc, dl Dialect) string {
	br := dl.Break
	if br == "" {
		br = "\n"
	}
	var lines []string
	if dl.Title != nil {
		lines = append(lines, dl.Title(d)) // "" when the service shows the title apart
	} else {
		lines = append(lines, "### "+dl.esc(d.Title))
	}
	for _, f := range d.Fields {
		colon := d.Colon
		if colon == "" {
			colon = ": "
		}
		lines = append(lines, "**"+dl.esc(f.Name)+"**"+colon+dl.esc(f.Value))
	}
	if d.Bar >= 0 {
		bar, pct := msgtext.Bar(d.Bar)
		lines = append(lines, dl.code(bar)+" **"+pct+"**")
	}
	for _, n := range d.Notes {
		lines = append(lines, dl.esc(n))
	}
	for _, l := range d.Lists {
		lines = append(lines, "", "**"+dl.esc(l.Title)+"**")
		if l.IDs {
			for i := 0; i < len(l.Items); i += msgtext.IDsPerLine {
				var ids []string
				for _, it := range l.Items[i:min(i+msgtext.IDsPerLine, len(l.Items))] {
					ids = append(ids, dl.code(it.ID))
				}
				lines = append(lines, strings.Join(ids, ", "))
			}
		} else {
			for _, it := range l.Items {
				lines = append(lines, dl.item(it))
			}
		}
		if l.Extra > 0 {
			lines = append(lines, dl.esc(fmt.Sprintf(d.More, l.Extra)))
		}
	}
	footer := strings.Join(d.Footer, " · ")
	lines = append(lines, "")
	if dl.Muted != nil {
		lines = append(lines, dl.Muted(dl.esc(footer)))
	} else {
		lines = append(lines, "> "+dl.esc(footer))
	}
	// Blank entries separate paragraphs; the dialect says how lines break.
	var sb strings.Builder
	blank := false
	for _, l := range lines {
		if l == "" {
			blank = true
			continue
		}
		if sb.Len() > 0 {
			sb.WriteString(br)
			if blank && br == "\n" {
				sb.WriteString("\n")
			}
		}
		blank = false
		sb.WriteString(l)
	}
	return sb.String()
}

func (dl Dialect) item(it msgtext.Item) string {
	line := "- " + dl.code(it.ID)
	if it.Path != "" {
		line += " " + dl.code(it.Path)
	}
	if it.Type != "" {
		line += " (" + dl.esc(it.Type) + ")"
	}
	if it.Reason != "" {
		line += " — " + dl.esc(it.Reason)
	}
	if it.Flag != "" {
		line += " (" + dl.esc(it.Flag) + ")"
	}
	return line
}

// Fit renders d in dl with as many list items as keep size(rendered) <= limit, and
// returns the text and the doc it rendered. When even the doc without items is too
// large (an absurd label), the text is cut to limit bytes as a last resort.
func Fit(d msgtext.Doc, dl Dialect, limit int, size func(string) int) (string, msgtext.Doc) {
	if size == nil {
		size = func(s string) int { return len(s) }
	}
	fitted := msgtext.Fit(d, func(d msgtext.Doc) bool { return size(Render(d, dl)) <= limit })
	out := Render(fitted, dl)
	if n := size(out); n > limit {
		out = msgtext.TruncateBytes(out, max(len(out)-(n-limit), 0))
	}
	return out, fitted
}

var (
	fontTag  = regexp.MustCompile(`</?font[^>]*>`)
	heading  = regexp.MustCompile(`(?m)^#{1,6} `)
	quote    = regexp.MustCompile(`(?m)^> ?`)
	entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// Plain turns the markdown Render produces back into the text a reader sees: no
// headings, bold, code spans, font tags or entities. Test receivers use it.
func Plain(s string) string {
	s = fontTag.ReplaceAllString(s, "")
	s = heading.ReplaceAllString(s, "")
	s = quote.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "**", "")
	s = strings.ReplaceAll(s, "`", "")
	return entities.Replace(s)
}
