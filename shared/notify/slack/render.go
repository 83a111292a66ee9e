package slack

import (
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"cdnwatch/shared/notify"
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
	maxListed        = 25  // failures / running tasks listed per message
	maxPendingListed = 40  // pending ids listed in a timeout notice
	idsPerLine       = 8   // pending ids per line
	maxPath          = 200 // runes of an object path in a list line
	maxReason        = 200 // runes of a failure reason
	maxID            = 64  // runes of a task id
	moreReserve      = 40  // room kept in a section for the "…and N more" line
	progressCells    = 20  // width of the text progress bar
)

// Render builds the Slack message for n in English. It is pure, so a Slack bot (or any
// Block Kit consumer) can reuse it.
func Render(n notify.Notice) slackapi.WebhookMessage { return RenderLang(n, "") }

// RenderLang is Render with the message text in lang (a CDNWATCH_LANG value).
func RenderLang(n notify.Notice, lang string) slackapi.WebhookMessage {
	r := renderer{n: n, tx: textsFor(lang)}
	return r.message()
}

type renderer struct {
	n  notify.Notice
	tx *texts
}

func (r renderer) message() slackapi.WebhookMessage {
	n, tx := r.n, r.tx
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(plain(truncate(r.title(), MaxHeaderText))),
		slackapi.NewSectionBlock(nil, r.fields(), nil),
	}
	if n.Kind == notify.Progress || (n.Kind == notify.WatchTimeout && n.Progress > 0) {
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(progressBar(n.Progress)), nil, nil))
	}
	if n.Kind == notify.WatchTimeout {
		note := fmt.Sprintf(tx.TimeoutNote, human(n.Elapsed()), n.Counts.Pending)
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(esc(note)), nil, nil))
	}
	if n.NoFailedState && n.Kind != notify.SweepDigest {
		blocks = append(blocks, slackapi.NewContextBlock("", mrkdwn(esc(tx.NoFailedState))))
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

	return slackapi.WebhookMessage{
		Text:   r.fallback(),
		Blocks: &slackapi.Blocks{BlockSet: blocks},
	}
}

// title is the header: status word, then what the watch is about.
func (r renderer) title() string {
	n, tx := r.n, r.tx
	var status string
	switch n.Kind {
	case notify.TaskFailed:
		status = plural(len(n.Failures)+n.FailuresOmitted, tx.TaskFailed, tx.TasksFailed)
	case notify.TaskUnknown:
		status = plural(len(n.Failures)+n.FailuresOmitted, tx.TaskUnknown, tx.TasksUnknown)
	case notify.WatchFinished:
		switch {
		case n.Counts.Failed > 0:
			status = tx.FinishedFailed
		case n.Counts.Unknown > 0:
			status = tx.FinishedUnknown
		default:
			status = tx.Finished
		}
	case notify.WatchTimeout:
		status = tx.TimedOut
	case notify.Progress:
		status = tx.InProgress
	case notify.SweepDigest:
		status = tx.SweepDigest
	default:
		status = string(n.Kind)
	}
	return status + " — " + r.subject()
}

func (r renderer) subject() string {
	switch {
	case r.n.Label != "":
		return r.n.Label
	case r.n.Kind == notify.SweepDigest:
		return r.n.Provider
	default:
		return fmt.Sprintf(r.tx.WatchRef, r.n.WatchID)
	}
}

func (r renderer) fields() []*slackapi.TextBlockObject {
	n, tx := r.n, r.tx
	field := func(title, value string) *slackapi.TextBlockObject {
		return mrkdwn(truncMrkdwn("*"+esc(title)+"*\n"+value, MaxFieldText))
	}
	fs := []*slackapi.TextBlockObject{field(tx.Provider, code(n.Provider))}
	if n.Kind == notify.SweepDigest {
		fs = append(fs, field(tx.Window, esc(window(n.WindowFrom, n.WindowTo))))
		fs = append(fs, field(tx.Tasks, esc(r.digestCounts())))
		return fs
	}
	if !n.Started.IsZero() && !n.At.IsZero() {
		fs = append(fs, field(tx.Elapsed, esc(human(n.Elapsed()))))
	}
	fs = append(fs, field(tx.Tasks, esc(r.counts())))
	return fs
}

// counts reads "17 complete · 2 failed · 1 unknown · 3 pending, of 23". Failed is shown
// even at zero (it is the number people look for) unless the provider has no failed
// state; unknown and pending only when there are some.
func (r renderer) counts() string {
	c, tx := r.n.Counts, r.tx
	parts := []string{fmt.Sprintf(tx.Complete, c.Complete)}
	if c.Failed > 0 || !r.n.NoFailedState {
		parts = append(parts, fmt.Sprintf(tx.Failed, c.Failed))
	}
	if c.Unknown > 0 {
		parts = append(parts, fmt.Sprintf(tx.Unknown, c.Unknown))
	}
	if c.Pending > 0 {
		parts = append(parts, fmt.Sprintf(tx.Pending, c.Pending))
	}
	return strings.Join(parts, " · ") + ", " + fmt.Sprintf(tx.OfTotal, c.Total)
}

// digestCounts: for sweep.digest, Counts.Complete/Failed are the window's finished tasks
// and Counts.Pending those still running after settle.
func (r renderer) digestCounts() string {
	c, tx := r.n.Counts, r.tx
	return strings.Join([]string{
		fmt.Sprintf(tx.Completed, c.Complete),
		fmt.Sprintf(tx.Failed, c.Failed),
		fmt.Sprintf(tx.StillRunning, max(c.Pending, len(r.n.Running))),
	}, " · ")
}

func (r renderer) footer() slackapi.Block {
	n, tx := r.n, r.tx
	var parts []string
	if n.WatchID != "" {
		parts = append(parts, fmt.Sprintf(tx.WatchRef, code(truncate(n.WatchID, maxID))))
	}
	if n.ID != "" {
		parts = append(parts, fmt.Sprintf(tx.NoticeRef, code(truncate(n.ID, maxID))))
	}
	if !n.At.IsZero() {
		parts = append(parts, n.At.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if len(parts) == 0 {
		parts = append(parts, string(n.Kind))
	}
	return slackapi.NewContextBlock("", mrkdwn(truncMrkdwn(strings.Join(parts, " · "), MaxContextText)))
}

// fallback is the plain `text` Slack shows in notifications and where blocks cannot be
// displayed: the header plus the counts.
func (r renderer) fallback() string {
	n := r.n
	s := r.title() + ": "
	if n.Kind == notify.SweepDigest {
		s += r.digestCounts() + " (" + window(n.WindowFrom, n.WindowTo) + ")"
	} else {
		s += r.counts()
		if !n.Started.IsZero() && !n.At.IsZero() {
			s += " " + fmt.Sprintf(r.tx.FallbackIn, human(n.Elapsed()))
		}
	}
	if n.Provider != "" {
		s += " · " + n.Provider
	}
	return esc(truncate(s, MaxSectionText))
}

// human prints a duration the way people say it: "4m12s", "2h0m5s", "0s".
func human(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Round(time.Second).String()
}

func window(from, to time.Time) string {
	if from.IsZero() {
		return ""
	}
	from, to = from.UTC(), to.UTC()
	end := to.Format("15:04")
	if to.YearDay() != from.YearDay() || to.Year() != from.Year() {
		end = to.Format("2006-01-02 15:04")
	}
	return from.Format("2006-01-02 15:04") + "–" + end + " UTC"
}

// progressBar draws "`[████████░░░░░░░░░░░░]` 41.5%".
func progressBar(pct float64) string {
	pct = min(max(pct, 0), 100)
	full := int(pct / 100 * progressCells)
	bar := strings.Repeat("█", full) + strings.Repeat("░", progressCells-full)
	num := fmt.Sprintf("%.1f", pct)
	num = strings.TrimSuffix(num, ".0")
	return "`[" + bar + "]` *" + num + "%*"
}

func plural(count int, one, many string) string {
	if count > 1 {
		return many
	}
	return one
}

func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, false)
}
