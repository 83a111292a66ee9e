// Package md renders a msgtext.Doc as the markdown dialects of the Chinese group robots
// (DingTalk, WeCom, Feishu cards) or as plain text, cut to a service's size limit, and
// reads such markdown back as a person would see it, for test receivers.
//
// None of the robots' dialects documents a way to escape markup (DingTalk and WeCom
// document no escapes at all), so user text (labels, paths, reasons, ids) is never
// escaped into markdown and hoped for: a Doc goes out as markdown only when every
// piece of its text is inert in the dialect (Inert), and otherwise as the service's
// plain-text message or element, which shows text as it is.
package md

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

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
	// Bold renders a field name, a list title and the percentage; nil means "**" + s + "**".
	Bold func(string) string
	// Active lists the characters that mean something in the dialect wherever they
	// stand, after Escape: text containing one cannot be shown in this markdown as
	// itself (see Inert). Control characters never reach here (msgtext.Clean).
	Active string
}

// PlainText is the layout without markup, for the services' text messages: the same
// lines, nothing a renderer would read.
var PlainText = Dialect{
	Break: "\n",
	Title: func(d msgtext.Doc) string { return d.Title },
	Bold:  func(s string) string { return s },
	Muted: func(s string) string { return s },
}

// Inert reports whether every string d shows (title, fields, notes, list titles and
// items, footer) is free of dl.Active, so that rendered in dl it shows as itself.
func Inert(d msgtext.Doc, dl Dialect) bool {
	if dl.Active == "" {
		return true
	}
	ok := func(s string) bool { return !strings.ContainsAny(s, dl.Active) }
	if !ok(d.Title) || !ok(d.More) {
		return false
	}
	for _, f := range d.Fields {
		if !ok(f.Name) || !ok(f.Value) {
			return false
		}
	}
	for _, n := range d.Notes {
		if !ok(n) {
			return false
		}
	}
	for _, l := range d.Lists {
		if !ok(l.Title) {
			return false
		}
		for _, it := range l.Items {
			if !ok(it.ID) || !ok(it.Path) || !ok(it.Type) || !ok(it.Reason) || !ok(it.Flag) {
				return false
			}
		}
	}
	for _, f := range d.Footer {
		if !ok(f) {
			return false
		}
	}
	return true
}

func (dl Dialect) bold(s string) string {
	if dl.Bold == nil {
		return "**" + s + "**"
	}
	return dl.Bold(s)
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
		lines = append(lines, dl.bold(dl.esc(f.Name))+colon+dl.esc(f.Value))
	}
	if d.Bar >= 0 {
		bar, pct := msgtext.Bar(d.Bar)
		lines = append(lines, dl.code(bar)+" "+dl.bold(pct))
	}
	for _, n := range d.Notes {
		lines = append(lines, dl.esc(n))
	}
	for _, l := range d.Lists {
		lines = append(lines, "", dl.bold(dl.esc(l.Title)))
		lines = append(lines, ListLines(l, d.More, dl)...)
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

// ListLines lays out the items of l in dl, several ids a line for a list of ids, with
// the "…and N more" line (more is its format) when l has Extra items.
func ListLines(l msgtext.List, more string, dl Dialect) []string {
	var lines []string
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
		lines = append(lines, dl.esc(fmt.Sprintf(more, l.Extra)))
	}
	return lines
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

// Reader is how a service shows its markdown, as far as the test receivers model it:
// stricter than the services, so markup that user text smuggled in shows up as text
// that is not what was sent.
type Reader struct {
	// CodeSpans: `code` shows its content as is (WeCom, Feishu). DingTalk documents
	// none, so there a backtick is just a character.
	CodeSpans bool
	// Entities: &lt; &gt; &amp; and numeric entities show as their characters (Feishu).
	Entities bool
}

// readerRE holds Visible's patterns, compiled on first use: only test receivers and
// the demo read markdown back, and a binary that sends should not pay for it at start.
type readerRE struct {
	codeSpan, heading, quote, fontTag, atTag, atMention, anyTag, image, link, backslash, entity *regexp.Regexp
	emphasis                                                                                    []*regexp.Regexp
}

var rx = sync.OnceValue(func() *readerRE {
	return &readerRE{
		codeSpan:  regexp.MustCompile("`[^`\n]*`"),
		heading:   regexp.MustCompile(`^#{1,6} `),
		quote:     regexp.MustCompile(`^> ?`),
		fontTag:   regexp.MustCompile(`</?font\b[^>]*>`),
		atTag:     regexp.MustCompile(`<at\b[^>]*>[^<]*</at>`),
		atMention: regexp.MustCompile(`<@([^>]*)>`),
		anyTag:    regexp.MustCompile(`</?[A-Za-z][^>]*>`),
		image:     regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`),
		link:      regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`),
		emphasis: []*regexp.Regexp{
			regexp.MustCompile(`\*\*(.+?)\*\*`), regexp.MustCompile(`__(.+?)__`), regexp.MustCompile(`~~(.+?)~~`),
			regexp.MustCompile(`\*([^*]+?)\*`), regexp.MustCompile(`_([^_]+?)_`),
		},
		backslash: regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])"),
		entity:    regexp.MustCompile(`&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});`),
	}
})

// Visible turns markdown into the text a reader sees: headings, quotes, bold, italics,
// strike-through, links, images, font tags and mentions are read as the markup they
// are (a mention shows as "@name", a link as its text), so a literal "<@all>" or
// "[x](http://evil)" that reached the markdown does not read back as itself.
func (rd Reader) Visible(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = rx().heading.ReplaceAllString(l, "")
		l = rx().quote.ReplaceAllString(l, "")
		if !rd.CodeSpans {
			lines[i] = rd.inline(l)
			continue
		}
		var sb strings.Builder
		last := 0
		for _, m := range rx().codeSpan.FindAllStringIndex(l, -1) {
			sb.WriteString(rd.inline(l[last:m[0]]))
			sb.WriteString(rd.entities(l[m[0]+1 : m[1]-1]))
			last = m[1]
		}
		sb.WriteString(rd.inline(l[last:]))
		lines[i] = sb.String()
	}
	return strings.Join(lines, "\n")
}

func (rd Reader) inline(s string) string {
	// A backslash escape shows its character as it is: hide it from the markup rules
	// below (as a private-use rune) and put it back at the end.
	s = rx().backslash.ReplaceAllStringFunc(s, func(m string) string { return string(rune(0xE000 + int(m[1]))) })
	s = rx().fontTag.ReplaceAllString(s, "")
	s = rx().atTag.ReplaceAllString(s, "@mention")
	s = rx().atMention.ReplaceAllString(s, "@$1")
	s = rx().anyTag.ReplaceAllString(s, "")
	s = rx().image.ReplaceAllString(s, "$1")
	s = rx().link.ReplaceAllString(s, "$1")
	for _, re := range rx().emphasis {
		s = re.ReplaceAllString(s, "$1")
	}
	s = strings.Map(func(r rune) rune {
		if r >= 0xE000 && r < 0xE080 {
			return r - 0xE000
		}
		return r
	}, s)
	return rd.entities(s)
}

func (rd Reader) entities(s string) string {
	if !rd.Entities {
		return s
	}
	return rx().entity.ReplaceAllStringFunc(s, func(e string) string {
		switch e {
		case "&lt;":
			return "<"
		case "&gt;":
			return ">"
		case "&amp;":
			return "&"
		case "&quot;":
			return `"`
		}
		var r rune
		if _, err := fmt.Sscanf(strings.ToLower(e), "&#x%x;", &r); err != nil {
			if _, err := fmt.Sscanf(e, "&#%d;", &r); err != nil {
				return e
			}
		}
		return string(r)
	})
}
