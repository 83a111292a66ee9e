package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"cdnwatch/shared/notify"
)

// list is one titled list in a message (failures, pending ids, running tasks). lines
// are mrkdwn; extra counts the items that have no line (cut here or upstream).
type list struct {
	title string
	lines []string
	extra int
}

func (r renderer) lists() []list {
	n, tx := r.n, r.tx
	var ls []list
	if len(n.Failures) > 0 || n.FailuresOmitted > 0 {
		title := tx.FailuresTitle
		if n.Kind == notify.TaskUnknown {
			title = tx.UnknownTitle
		}
		ls = append(ls, r.failureList(title, n.Failures, n.FailuresOmitted))
	}
	if n.Kind == notify.WatchTimeout && (len(n.Pending) > 0 || n.PendingOmitted > 0) {
		ls = append(ls, pendingList(fmt.Sprintf(tx.PendingTitle, len(n.Pending)+n.PendingOmitted), n.Pending, n.PendingOmitted))
	}
	if n.Kind == notify.SweepDigest && len(n.Running) > 0 {
		total := max(n.Counts.Pending, len(n.Running))
		ls = append(ls, r.failureList(tx.RunningTitle, n.Running, total-len(n.Running)))
	}
	return ls
}

// failureList lists objects as "• `id` `path` — reason".
func (r renderer) failureList(titleFormat string, fs []notify.Failure, omitted int) list {
	l := list{title: fmt.Sprintf(titleFormat, len(fs)+omitted), extra: omitted}
	shown := fs[:min(len(fs), maxListed)]
	l.extra += len(fs) - len(shown)
	for _, f := range shown {
		line := "• " + code(truncate(f.TaskID, maxID))
		if f.Path != "" {
			line += " " + code(truncate(f.Path, maxPath))
		}
		if f.Type != "" && f.Type != "file" {
			line += " _(" + esc(f.Type) + ")_"
		}
		reason := f.Reason
		if reason == "" && r.n.Kind != notify.SweepDigest {
			reason = r.tx.NoReason
		}
		if reason != "" {
			line += " — " + esc(truncate(reason, maxReason))
		}
		if f.Status == "unknown" && r.n.Kind != notify.TaskUnknown {
			line += " _(" + esc(r.tx.UnknownStatus) + ")_"
		}
		l.lines = append(l.lines, line)
	}
	return l
}

// pendingList packs task ids a few per line: they are short and there may be many.
func pendingList(title string, ids []string, omitted int) list {
	l := list{title: title, extra: omitted}
	shown := ids[:min(len(ids), maxPendingListed)]
	l.extra += len(ids) - len(shown)
	for i := 0; i < len(shown); i += idsPerLine {
		var codes []string
		for _, id := range shown[i:min(i+idsPerLine, len(shown))] {
			codes = append(codes, code(truncate(id, maxID)))
		}
		l.lines = append(l.lines, strings.Join(codes, ", "))
	}
	return l
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
func truncate(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

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
