package slack

import (
	"fmt"
	"strings"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/msgtext"
)

// Slack's Block Kit limits (https://api.slack.com/reference/block-kit). Render never
// exceeds them; the Receiver rejects messages that do, as Slack does.
const (
	MaxBlocks          = 50
	MaxSectionText     = 3000
	MaxHeaderText      = 150
	MaxFields          = 10
	MaxFieldText       = 2000
	MaxContextElements = 10
	MaxContextText     = 2000
)

// Presentation choices: a message should be read at a glance, so lists are cut well
// before Slack's limits; the count of what was left out is always shown.
const (
	// The caps on lists (items listed, runes of an id, path or reason) are msgtext's,
	// shared with the other chat channels.
	moreReserve = 40 // room kept in a section for the "…and N more" line
)

// Render builds the Slack message for n in English. It is pure, so a Slack bot (or any
// Block Kit consumer) can reuse it.
func Render(n notify.Notice) Message { return RenderLang(n, "") }

// RenderLang is Render with the message text in lang (a CDNWATCH_LANG value).
func RenderLang(n notify.Notice, lang string) Message {
	r := renderer{n: n, tx: textsFor(lang)}
	return r.message()
}

type renderer struct {
	n  notify.Notice
	tx *texts
}

func (r renderer) message() Message {
	n, tx := r.n, r.tx
	blocks := []Block{
		headerBlock(plain(truncate(r.title(), MaxHeaderText))),
		fieldsBlock(r.fields()),
	}
	if n.Kind == notify.Progress || (n.Kind == notify.WatchTimeout && n.Progress > 0) {
		blocks = append(blocks, sectionBlock(mrkdwn(progressBar(n.Progress))))
	}
	if n.Kind == notify.WatchTimeout {
		note := fmt.Sprintf(tx.TimeoutNote, msgtext.Human(n.Elapsed()), n.Counts.Pending)
		blocks = append(blocks, sectionBlock(mrkdwn(esc(note))))
	}
	if n.NoFailedState && n.Kind != notify.SweepDigest {
		blocks = append(blocks, contextBlock(mrkdwn(esc(tx.NoFailedState))))
	}

	lists := r.lists()
	footer := r.footer()
	// Every list gets at least its first section; the rest of the budget goes in order.
	budget := MaxBlocks - len(blocks) - 1 - len(lists)
	for _, l := range lists {
		budget++ // this list's own reserved block
		packed := pack(l, budget, tx)
		budget -= len(packed)
		blocks = append(blocks, packed...)
	}
	blocks = append(blocks, footer)

	return Message{Text: r.fallback(), Blocks: blocks}
}

// title is the header: status word, then what the watch is about (not cut: the header
// block is cut as a whole).
func (r renderer) title() string {
	return msgtext.Status(r.n, r.tx) + " — " + msgtext.Subject(r.n, r.tx)
}

func (r renderer) fields() []*TextObject {
	n, tx := r.n, r.tx
	field := func(title, value string) *TextObject {
		return mrkdwn(truncMrkdwn("*"+esc(title)+"*\n"+value, MaxFieldText))
	}
	fs := []*TextObject{field(tx.Provider, code(n.Provider))}
	if n.Kind == notify.SweepDigest {
		fs = append(fs, field(tx.Window, esc(msgtext.Window(n.WindowFrom, n.WindowTo))))
		fs = append(fs, field(tx.Tasks, esc(msgtext.DigestCounts(n, tx))))
		return fs
	}
	if !n.Started.IsZero() && !n.At.IsZero() {
		fs = append(fs, field(tx.Elapsed, esc(msgtext.Human(n.Elapsed()))))
	}
	fs = append(fs, field(tx.Tasks, esc(msgtext.Counts(n, tx))))
	return fs
}

// footer: the watch and notice ids in code spans, or all plain_text when an id would
// not show as itself there.
func (r renderer) footer() Block {
	ids := msgtext.Footer(r.n, r.tx, nil)
	for _, p := range ids {
		if !inertCode(p) {
			return contextBlock(plain(truncate(strings.Join(ids, " · "), MaxContextText)))
		}
	}
	parts := msgtext.Footer(r.n, r.tx, code)
	return contextBlock(mrkdwn(truncMrkdwn(strings.Join(parts, " · "), MaxContextText)))
}

// fallback is the plain `text` Slack shows in notifications and where blocks cannot be
// displayed: the header plus the counts.
func (r renderer) fallback() string {
	return esc(truncate(msgtext.Summary(r.n, r.tx, r.title()), MaxSectionText))
}

// progressBar draws "`[████████░░░░░░░░░░░░]` *41.5%*".
func progressBar(pct float64) string {
	bar, percent := msgtext.Bar(pct)
	return "`" + bar + "` *" + percent + "*"
}
