package cli

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"
	"golang.org/x/term"

	"cdnwatch/shared/config"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// display shows a watch as it goes. On a terminal it is one block of a few lines that
// fits the terminal's width and is redrawn in place (the countdown ticks every second);
// anything else written meanwhile (a failure, a log line, a Slack box in the demo) goes
// above the block through Above, so no stale copy of the block is ever left behind. When
// the watch ends the block is replaced by a permanent summary. Elsewhere (CI logs, a
// pipe) it prints one plain line per hop and the same summary.
type display struct {
	mu    sync.Mutex
	w     io.Writer
	live  bool
	width func() int

	// What the block shows.
	provider, label string
	started         time.Time
	total           int
	counts          notify.Counts
	calls           int64
	tasks           map[string]taskSeen // last known of each pending task
	nextPoll        time.Time
	polling         bool
	failSince       time.Time
	failPolls       int
	failReason      string
	finished        bool
	open            bool // the block is on screen (live only)

	// Terminal bookkeeping: the block's lines as drawn, and the width they were drawn at.
	drawn      []string
	drawnWidth int
	partial    []byte // Above: bytes of a line not ended yet
	stop       chan struct{}
	stopped    chan struct{}
}

type taskSeen struct {
	running bool
	pct     float64
}

// newDisplay shows on w; live when w is a terminal (stderr of a person's shell).
func newDisplay(w io.Writer) *display {
	d := &display{w: w, tasks: map[string]taskSeen{}}
	// A dumb terminal (Emacs shell mode, some CI consoles) cannot move the cursor.
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb" {
		fd := int(f.Fd())
		d.live = true
		d.width = func() int {
			if wd, _, err := term.GetSize(fd); err == nil && wd > 0 {
				return wd
			}
			return 80
		}
	}
	return d
}

// start begins the block (and its ticking countdown) for doc.
func (d *display) start(doc *watch.Document) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.provider, d.label = doc.Provider, doc.Label
	d.total = len(doc.TaskIDs)
	d.counts = notify.Counts{Total: d.total, Pending: d.total}
	d.started = time.Now()
	if st := doc.State; st != nil {
		d.total, d.counts = st.Total, st.Counts(len(doc.TaskIDs))
		d.started, d.calls = st.StartedAt(), st.Calls
		d.finished = st.Finished != ""
	}
	d.polling = true
	if !d.live {
		return
	}
	d.open = true
	d.redraw()
	d.stop, d.stopped = make(chan struct{}), make(chan struct{})
	go d.tick(d.stop, d.stopped)
}

func (d *display) tick(stop, stopped chan struct{}) {
	defer close(stopped)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			d.mu.Lock()
			d.redraw()
			d.mu.Unlock()
		}
	}
}

// observed records what a poll returned, task by task. Called with d.mu held.
func (d *display) observed(tasks map[string]provider.Task) {
	for id, t := range tasks {
		prev := d.tasks[id]
		s := taskSeen{running: t.Status == provider.Running || prev.running, pct: prev.pct}
		if p, ok := t.MeanPercent(); ok && p > s.pct {
			s.pct = p // a provider's figure may dip; what was reached stays reached
		}
		if p := s.pct; p > 0 {
			s.running = true
		}
		d.tasks[id] = s
	}
}

// hop shows one hop: its failures above the block, then the block (or a plain line).
func (d *display) hop(h engine.Hop) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := h.Doc.State
	d.observed(observedTasks(h))
	pending := make(map[string]bool, len(h.Doc.TaskIDs))
	for _, id := range h.Doc.TaskIDs {
		pending[id] = true
	}
	for id := range d.tasks {
		if !pending[id] {
			delete(d.tasks, id) // finished: counted as 100 % through the counts
		}
	}
	d.total, d.counts, d.calls = st.Total, st.Counts(len(h.Doc.TaskIDs)), st.Calls
	d.started = st.StartedAt()
	if err, since, polls := providerTrouble(h); err != nil {
		d.failSince, d.failPolls, d.failReason = since, polls, shortReason(err)
	} else {
		d.failSince, d.failPolls, d.failReason = time.Time{}, 0, ""
	}
	var above []string
	width := 0
	if d.live {
		width = d.width()
	}
	for _, n := range h.Notices {
		if n.Kind != notify.TaskFailed && n.Kind != notify.TaskUnknown {
			continue
		}
		for _, f := range n.Failures {
			above = append(above, failureLines(f, "", width)...)
		}
		if n.FailuresOmitted > 0 {
			above = append(above, fmt.Sprintf("        …and %d more", n.FailuresOmitted))
		}
	}
	wasFinished := d.finished
	d.finished = h.Doc.Finished()
	d.polling = false
	d.nextPoll = time.Now().Add(h.Wait)
	if d.live {
		d.printAbove(above...)
		return
	}
	for _, l := range above {
		fmt.Fprintln(d.w, l)
	}
	if wasFinished {
		return // delivery-only hops: the summary says how delivery ended
	}
	line := d.statusLine()
	if !d.finished && h.Wait > 0 {
		line += fmt.Sprintf("; next poll in %s", h.Wait.Round(time.Second))
	}
	if d.failReason != "" {
		line += "; " + d.failingText()
	}
	fmt.Fprintf(d.w, "%s %s %s: %s\n", time.Now().UTC().Format("15:04:05"), d.provider, labelOr(d.label, st.ID), line)
}

// providerFailing shows a poll that failed for now (the watch goes on).
func (d *display) providerFailing(err error, next time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failSince.IsZero() {
		d.failSince = time.Now()
	}
	d.failPolls++
	d.failReason = shortReason(err)
	d.polling = false
	d.nextPoll = time.Now().Add(next)
	if d.live {
		d.redraw()
		return
	}
	fmt.Fprintf(d.w, "%s %s %s: %s; next try in %s\n", time.Now().UTC().Format("15:04:05"), d.provider,
		labelOr(d.label, ""), d.failingText(), next.Round(time.Second))
}

func (d *display) failingText() string {
	return fmt.Sprintf("provider failing since %s (%s): %s", d.failSince.Local().Format("15:04:05"), plural(int64(d.failPolls), "poll"), d.failReason)
}

// failureLines is one failed object: "FAILED  task ID  PATH  REASON" on one line, or, on
// a terminal too narrow for that, the reason on a second line under the path.
func failureLines(f notify.Failure, indent string, width int) []string {
	word := "FAILED "
	if f.Status == "unknown" {
		word = "UNKNOWN"
	}
	one := strings.TrimRight(fmt.Sprintf("%s%s task %s  %s  %s", indent, word, f.TaskID, f.Path, f.Reason), " ")
	if width <= 0 || uniseg.StringWidth(one) < width || f.Reason == "" {
		return []string{one}
	}
	return []string{
		strings.TrimRight(fmt.Sprintf("%s%s task %s  %s", indent, word, f.TaskID, f.Path), " "),
		indent + strings.Repeat(" ", 8) + f.Reason,
	}
}

// termWidth is the terminal's width, 0 when not on one (lines are then never cut).
func (d *display) termWidth() int {
	if !d.live {
		return 0
	}
	return d.width()
}

// fitTo cuts s to width-1 columns; width 0 leaves it whole.
func fitTo(s string, width int) string {
	if width <= 0 {
		return s
	}
	return fit(s, max(width-1, 20))
}

// overall is the share of the work done: finished tasks count 100 %, pending ones their
// last known progress. It never goes backwards: a task's figure only grows, and a task
// that finishes moves from its figure to 100.
func (d *display) overall() float64 {
	if d.total == 0 {
		return 100
	}
	done := float64(d.counts.Complete+d.counts.Failed+d.counts.Unknown) * 100
	for _, t := range d.tasks {
		done += t.pct
	}
	p := min(100, done/float64(d.total))
	if d.counts.Pending > 0 {
		p = min(p, 99.4) // never "100%" while a task is pending, rounding or not
	}
	return p
}

func (d *display) running() int {
	n := 0
	for _, t := range d.tasks {
		if t.running {
			n++
		}
	}
	return min(n, d.counts.Pending)
}

func (d *display) statusLine() string {
	c := d.counts
	s := fmt.Sprintf("%d/%d complete, %d failed, %d unknown, %d pending", c.Complete, c.Total, c.Failed, c.Unknown, c.Pending)
	if r := d.running(); r > 0 {
		s += fmt.Sprintf(" (%d running)", r)
	}
	return s + fmt.Sprintf(", %.0f%% overall", d.overall())
}

// block is what the terminal shows, each line cut to width-1 columns so that no line
// ever wraps (a wrapped line is what leaves stale copies behind on a redraw).
func (d *display) block(width int) []string {
	w := max(width-1, 20)
	title := "cdnwatch · " + d.provider
	if d.label != "" {
		title = "cdnwatch · " + d.label + " · " + d.provider
	}
	title += fmt.Sprintf(" · %d tasks", d.total)
	pct := d.overall()
	label := fmt.Sprintf(" %3.0f%%", pct)
	barW := w - len(label) - 2
	bar := ""
	if barW >= 10 {
		fill := int(float64(barW) * pct / 100)
		bar = "[" + strings.Repeat("=", fill) + strings.Repeat(" ", barW-fill) + "]"
	}
	c := d.counts
	counts := fmt.Sprintf("%d complete · %d failed · %d unknown · %d pending", c.Complete, c.Failed, c.Unknown, c.Pending)
	if r := d.running(); r > 0 {
		counts += fmt.Sprintf(" (%d running)", r)
	}
	var status string
	switch {
	case d.finished:
		status = "finished; delivering notices"
	case d.polling:
		status = "polling…"
	default:
		left := time.Until(d.nextPoll)
		if left < 0 {
			left = 0
		}
		status = fmt.Sprintf("next poll in %s", left.Round(time.Second))
	}
	status += fmt.Sprintf(" · elapsed %s · %s", time.Since(d.started).Round(time.Second), plural(d.calls, "call"))
	lines := []string{title, bar + label, counts, status}
	if d.failReason != "" {
		lines = append(lines, d.failingText())
	}
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return lines
}

// fit cuts s to at most w terminal columns.
func fit(s string, w int) string {
	if uniseg.StringWidth(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if used+cw > w-3 {
			break
		}
		b.WriteString(g.Str())
		used += cw
	}
	return b.String() + "..."
}

// clear erases the block as drawn; the cursor ends where the block began. Lines drawn at
// a wider width may have been re-wrapped by the terminal since, so count their rows now.
func (d *display) clear() {
	if len(d.drawn) == 0 {
		return
	}
	width := d.width()
	rows := 0
	for _, l := range d.drawn {
		lw := max(uniseg.StringWidth(l), 1)
		if width < d.drawnWidth {
			rows += (lw + width - 1) / width
		} else {
			rows++
		}
	}
	fmt.Fprintf(d.w, "\x1b[%dA\r\x1b[J", rows)
	d.drawn = nil
}

func (d *display) redraw() {
	if !d.live || !d.open {
		return
	}
	width := d.width()
	lines := d.block(width)
	var b bytes.Buffer
	if len(d.drawn) > 0 {
		rows := 0
		for _, l := range d.drawn {
			lw := max(uniseg.StringWidth(l), 1)
			if width < d.drawnWidth {
				rows += (lw + width - 1) / width
			} else {
				rows++
			}
		}
		fmt.Fprintf(&b, "\x1b[%dA\r", rows)
	}
	// Overwrite line by line, clearing each line's rest, then anything below: one write,
	// so the terminal never shows a half-drawn block.
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\x1b[K\n")
	}
	b.WriteString("\x1b[J")
	_, _ = d.w.Write(b.Bytes())
	d.drawn, d.drawnWidth = lines, width
}

// printAbove prints whole lines above the block and redraws it below them.
func (d *display) printAbove(lines ...string) {
	if len(lines) == 0 {
		d.redraw()
		return
	}
	d.clear()
	for _, l := range lines {
		fmt.Fprintln(d.w, l)
	}
	d.redraw()
}

// Above is a writer whose output goes above the block (logs, the demo's Slack boxes):
// complete lines only, so a redraw never lands in the middle of one.
func (d *display) Above(w io.Writer) io.Writer { return &aboveWriter{d: d, w: w} }

type aboveWriter struct {
	d *display
	w io.Writer
}

func (a *aboveWriter) Write(p []byte) (int, error) {
	d := a.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.live || !d.open {
		return a.w.Write(p)
	}
	d.partial = append(d.partial, p...)
	i := bytes.LastIndexByte(d.partial, '\n')
	if i < 0 {
		return len(p), nil
	}
	d.clear()
	_, err := a.w.Write(d.partial[:i+1])
	d.partial = append(d.partial[:0], d.partial[i+1:]...)
	d.redraw()
	return len(p), err
}

// close removes the block and stops the countdown; what follows is permanent text.
func (d *display) close() {
	d.mu.Lock()
	stop, stopped := d.stop, d.stopped
	d.stop = nil
	d.mu.Unlock()
	// The ticker redraws under the lock; stop it before the block goes.
	if stop != nil {
		close(stop)
		<-stopped
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.live && d.open {
		d.open = false
		d.clear()
		if len(d.partial) > 0 {
			_, _ = d.w.Write(append(d.partial, '\n'))
			d.partial = nil
		}
	}
}

func labelOr(label, id string) string {
	if label != "" {
		return label
	}
	return id
}

// shortReason is the first line of an error, without the chain of wrapping prefixes a
// person does not need on a status line ("query aliyun-cdn tasks [..]: ...").
func shortReason(err error) string {
	msg := queryPrefix.ReplaceAllString(oneLine(err.Error()), "")
	if pe := providerError(err); pe != nil {
		msg = oneLine(pe.Error())
	}
	if len(msg) > 160 {
		msg = msg[:157] + "..."
	}
	return msg
}

// queryPrefix is the client's "query aliyun-cdn tasks [1 2 3]: " in front of a poll error.
var queryPrefix = regexp.MustCompile(`^query \S+ tasks \[[^\]]*\]: `)

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return dedupePrefixes(s)
}

// dedupePrefixes drops a ": "-separated segment that repeats the one before it, as in
// "open provider x: open provider x: ...".
func dedupePrefixes(s string) string {
	parts := strings.Split(s, ": ")
	out := make([]string, 0, len(parts))
	for i, p := range parts {
		if i > 0 && p == parts[i-1] {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

// cliLogger logs as text on w: warnings and errors by default, only errors under a live
// display (which itself shows a failing provider, and whose summary names what was not
// delivered); CDNWATCH_LOG_LEVEL sets it either way.
func cliLogger(w io.Writer, env *config.Env, getenv config.Getenv, live bool) *slog.Logger {
	lvl := env.LogLevel
	if getenv("CDNWATCH_LOG_LEVEL") == "" {
		lvl = slog.LevelWarn
		if live {
			lvl = slog.LevelError
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}
