package msgtext

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"cdnwatch/shared/notify"
)

// Presentation caps shared by the markdown channels: a message is read at a glance, so
// lists are cut well before any service limit; the count of what was left out is always
// shown. Fit cuts further when a service's size limit demands it.
const (
	MaxListed        = 25  // failures / running tasks listed per message
	MaxPendingListed = 40  // pending ids listed in a timeout notice
	IDsPerLine       = 8   // pending ids per line
	MaxPath          = 200 // runes of an object path in a list line
	MaxReason        = 200 // runes of a failure reason
	MaxID            = 64  // runes of a task id
	MaxSubject       = 150 // runes of a label in a title
	ProgressCells    = 20  // width of the text progress bar
)

// Level is the mood of a notice, for channels that colour their cards.
type Level string

const (
	LevelOK   Level = "ok"
	LevelWarn Level = "warn"
	LevelFail Level = "fail"
	LevelInfo Level = "info"
)

// Doc is a notice laid out for people, in plain text: the markdown channels escape and
// decorate it in their own dialect. All strings are already translated and truncated.
type Doc struct {
	Title  string // status word + subject: "❌ Finished with failures — web v1.4.2"
	Level  Level
	Fields []Field
	// Bar is the progress in percent when the notice shows a progress bar, else < 0.
	Bar    float64
	Notes  []string
	Lists  []List
	Footer []string // "watch w_…", "notice msg_…", "2025-05-01 10:04 UTC"
	// Summary is a one-line plain text of the whole notice (notification previews).
	Summary string
	More    string // the "…and %d more" format of the language
	Colon   string // between a field's name and value
}

// Field is one "name: value" line.
type Field struct{ Name, Value string }

// List is a titled list; Extra counts the items it has no line for.
type List struct {
	Title string
	Items []Item
	Extra int
	// IDs marks a list of bare task ids, laid out several per line.
	IDs bool
}

// Item is one listed object.
type Item struct {
	ID, Path, Type, Reason string
	Flag                   string // "unknown" marker, translated
}

// Shown returns how many items the doc lists in all.
func (d Doc) Shown() int {
	n := 0
	for _, l := range d.Lists {
		n += len(l.Items)
	}
	return n
}

// Omitted returns how many items the "…and N more" lines announce in all.
func (d Doc) Omitted() int {
	n := 0
	for _, l := range d.Lists {
		n += l.Extra
	}
	return n
}

// Build lays n out in the language of tx.
func Build(n notify.Notice, tx *Texts) Doc {
	b := builder{n: n, tx: tx}
	d := Doc{
		Title:   b.title(),
		Level:   b.level(),
		Fields:  b.fields(),
		Bar:     -1,
		Lists:   b.lists(),
		Footer:  b.footer(),
		Summary: b.summary(),
		More:    tx.More,
		Colon:   tx.Colon,
	}
	if n.Kind == notify.Progress || (n.Kind == notify.WatchTimeout && n.Progress > 0) {
		d.Bar = n.Progress
	}
	if n.Kind == notify.WatchTimeout {
		d.Notes = append(d.Notes, fmt.Sprintf(tx.TimeoutNote, Human(n.Elapsed()), n.Counts.Pending))
	}
	if n.NoFailedState && n.Kind != notify.SweepDigest {
		d.Notes = append(d.Notes, tx.NoFailedState)
	}
	return d
}

// Fit returns d with as many list items as fits allows, cutting from the end (the last
// list first, then earlier ones) and counting every cut item in its list's Extra. fits
// must be monotonic: if a doc fits, the same doc with fewer items fits too. When not
// even the doc without any item fits, that doc is returned and the caller's own
// truncation is the last resort.
func Fit(d Doc, fits func(Doc) bool) Doc {
	total := d.Shown()
	if fits(d) {
		return d
	}
	// The largest k in [0, total) such that the first k items fit.
	k := sort.Search(total, func(k int) bool { return !fits(keepFirst(d, k+1)) })
	return keepFirst(d, k)
}

// keepFirst keeps the first k items across the lists, in order.
func keepFirst(d Doc, k int) Doc {
	out := d
	out.Lists = make([]List, len(d.Lists))
	for i, l := range d.Lists {
		keep := min(len(l.Items), k)
		k -= keep
		l.Extra += len(l.Items) - keep
		l.Items = l.Items[:keep]
		out.Lists[i] = l
	}
	return out
}

type builder struct {
	n  notify.Notice
	tx *Texts
}

// Title is the header of n in the language of tx: status word, then what it is about.
func Title(n notify.Notice, tx *Texts) string { return builder{n: n, tx: tx}.title() }

func (b builder) title() string {
	return Status(b.n, b.tx) + " — " + Truncate(Subject(b.n, b.tx), MaxSubject)
}

// Status is the status word of n's title, in the language of tx.
func Status(n notify.Notice, tx *Texts) string {
	switch n.Kind {
	case notify.TaskFailed:
		return plural(len(n.Failures)+n.FailuresOmitted, tx.TaskFailed, tx.TasksFailed)
	case notify.TaskUnknown:
		return plural(len(n.Failures)+n.FailuresOmitted, tx.TaskUnknown, tx.TasksUnknown)
	case notify.WatchFinished:
		switch {
		case n.Counts.Failed > 0:
			return tx.FinishedFailed
		case n.Counts.Unknown > 0:
			return tx.FinishedUnknown
		default:
			return tx.Finished
		}
	case notify.WatchTimeout:
		return tx.TimedOut
	case notify.Progress:
		return tx.InProgress
	case notify.SweepDigest:
		return tx.SweepDigest
	default:
		return string(n.Kind)
	}
}

// Subject is what n's title is about, untruncated: its label, else the provider of a
// sweep digest, else its watch.
func Subject(n notify.Notice, tx *Texts) string {
	switch {
	case n.Label != "":
		return Clean(n.Label)
	case n.Kind == notify.SweepDigest:
		return Clean(n.Provider)
	default:
		return fmt.Sprintf(tx.WatchRef, Clean(n.WatchID))
	}
}

func (b builder) level() Level {
	n := b.n
	switch n.Kind {
	case notify.TaskFailed:
		return LevelFail
	case notify.TaskUnknown, notify.WatchTimeout:
		return LevelWarn
	case notify.WatchFinished:
		switch {
		case n.Counts.Failed > 0:
			return LevelFail
		case n.Counts.Unknown > 0:
			return LevelWarn
		}
		return LevelOK
	case notify.SweepDigest:
		if n.Counts.Failed > 0 {
			return LevelFail
		}
	}
	return LevelInfo
}

func (b builder) fields() []Field {
	n, tx := b.n, b.tx
	fs := []Field{{tx.Provider, Clean(n.Provider)}}
	if n.Kind == notify.SweepDigest {
		return append(fs, Field{tx.Window, Window(n.WindowFrom, n.WindowTo)}, Field{tx.Tasks, DigestCounts(n, tx)})
	}
	if !n.Started.IsZero() && !n.At.IsZero() {
		fs = append(fs, Field{tx.Elapsed, Human(n.Elapsed())})
	}
	return append(fs, Field{tx.Tasks, Counts(n, tx)})
}

// Counts reads "17 complete · 2 failed · 1 unknown · 3 pending, of 23". Failed is shown
// even at zero (it is the number people look for) unless the provider has no failed
// state; unknown and pending only when there are some.
func Counts(n notify.Notice, tx *Texts) string {
	c := n.Counts
	parts := []string{fmt.Sprintf(tx.Complete, c.Complete)}
	if c.Failed > 0 || !n.NoFailedState {
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

// DigestCounts: for sweep.digest, Counts.Complete/Failed are the window's finished tasks
// and Counts.Pending those still running after settle.
func DigestCounts(n notify.Notice, tx *Texts) string {
	c := n.Counts
	return strings.Join([]string{
		fmt.Sprintf(tx.Completed, c.Complete),
		fmt.Sprintf(tx.Failed, c.Failed),
		fmt.Sprintf(tx.StillRunning, max(c.Pending, len(n.Running))),
	}, " · ")
}

// Lists returns the lists of n (failures, pending ids, running tasks), cut to the
// presentation caps, in the language of tx.
func Lists(n notify.Notice, tx *Texts) []List { return builder{n: n, tx: tx}.lists() }

func (b builder) lists() []List {
	n, tx := b.n, b.tx
	var ls []List
	if len(n.Failures) > 0 || n.FailuresOmitted > 0 {
		title := tx.FailuresTitle
		if n.Kind == notify.TaskUnknown {
			title = tx.UnknownTitle
		}
		ls = append(ls, b.failureList(title, n.Failures, n.FailuresOmitted))
	}
	if n.Kind == notify.WatchTimeout && (len(n.Pending) > 0 || n.PendingOmitted > 0) {
		l := List{Title: fmt.Sprintf(tx.PendingTitle, len(n.Pending)+n.PendingOmitted), Extra: n.PendingOmitted, IDs: true}
		shown := n.Pending[:min(len(n.Pending), MaxPendingListed)]
		l.Extra += len(n.Pending) - len(shown)
		for _, id := range shown {
			l.Items = append(l.Items, Item{ID: Truncate(id, MaxID)})
		}
		ls = append(ls, l)
	}
	if n.Kind == notify.SweepDigest && len(n.Running) > 0 {
		total := max(n.Counts.Pending, len(n.Running))
		ls = append(ls, b.failureList(tx.RunningTitle, n.Running, total-len(n.Running)))
	}
	return ls
}

func (b builder) failureList(titleFormat string, fs []notify.Failure, omitted int) List {
	l := List{Title: fmt.Sprintf(titleFormat, len(fs)+omitted), Extra: omitted}
	shown := fs[:min(len(fs), MaxListed)]
	l.Extra += len(fs) - len(shown)
	for _, f := range shown {
		it := Item{ID: Truncate(f.TaskID, MaxID), Path: Truncate(f.Path, MaxPath)}
		if f.Type != "" && f.Type != "file" {
			it.Type = Truncate(f.Type, MaxID)
		}
		reason := f.Reason
		if reason == "" && b.n.Kind != notify.SweepDigest {
			reason = b.tx.NoReason
		}
		it.Reason = Truncate(reason, MaxReason)
		if f.Status == "unknown" && b.n.Kind != notify.TaskUnknown {
			it.Flag = b.tx.UnknownStatus
		}
		l.Items = append(l.Items, it)
	}
	return l
}

func (b builder) footer() []string { return Footer(b.n, b.tx, nil) }

// Footer returns the parts of n's footer: its watch, its notice id (each cut to MaxID
// and shown with id, nil: as is) and its time; its kind when it has none of them.
func Footer(n notify.Notice, tx *Texts, id func(string) string) []string {
	if id == nil {
		id = func(s string) string { return s }
	}
	var parts []string
	if n.WatchID != "" {
		parts = append(parts, fmt.Sprintf(tx.WatchRef, id(Truncate(n.WatchID, MaxID))))
	}
	if n.ID != "" {
		parts = append(parts, fmt.Sprintf(tx.NoticeRef, id(Truncate(n.ID, MaxID))))
	}
	if !n.At.IsZero() {
		parts = append(parts, n.At.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if len(parts) == 0 {
		parts = append(parts, string(n.Kind))
	}
	return parts
}

func (b builder) summary() string { return Summary(b.n, b.tx, b.title()) }

// Summary is a one-line plain text of n after title: its counts, elapsed time or
// window, and provider.
func Summary(n notify.Notice, tx *Texts, title string) string {
	s := title + ": "
	if n.Kind == notify.SweepDigest {
		s += DigestCounts(n, tx) + " (" + Window(n.WindowFrom, n.WindowTo) + ")"
	} else {
		s += Counts(n, tx)
		if !n.Started.IsZero() && !n.At.IsZero() {
			s += " " + fmt.Sprintf(tx.FallbackIn, Human(n.Elapsed()))
		}
	}
	if n.Provider != "" {
		s += " · " + Clean(n.Provider)
	}
	return s
}

// Human prints a duration the way people say it: "4m12s", "2h0m5s", "0s".
func Human(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Round(time.Second).String()
}

// Window prints a sweep window "2025-05-01 10:00–10:10 UTC".
func Window(from, to time.Time) string {
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

// Bar draws "[████████░░░░░░░░░░░░]" and the percentage "41.5%".
func Bar(pct float64) (bar, percent string) {
	pct = min(max(pct, 0), 100)
	full := int(pct / 100 * ProgressCells)
	bar = "[" + strings.Repeat("█", full) + strings.Repeat("░", ProgressCells-full) + "]"
	percent = strings.TrimSuffix(fmt.Sprintf("%.1f", pct), ".0") + "%"
	return bar, percent
}

// Truncate makes s safe to show (Clean) and cuts it to at most n runes, marking the cut
// with "…". Every piece of user text a notice shows (labels, paths, reasons, ids) goes
// through it.
func Truncate(s string, n int) string {
	s = Clean(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Clean returns s as text that shows as what it is on one line: each byte that is not
// UTF-8 becomes U+FFFD (as encoding/json does), control characters become their visible
// Control Pictures (a newline "␊", a tab "␉"), so that a path cannot start a line of its
// own and pose as a list item or a heading; line and paragraph separators become "␤";
// the invisible bidirectional controls, which could reorder what a reader sees, and
// the C1 controls become U+FFFD.
func Clean(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			r = utf8.RuneError
		case r < 0x20:
			r = 0x2400 + r
		case r == 0x7f:
			r = 0x2421
		case r >= 0x80 && r <= 0x9f:
			r = utf8.RuneError
		case r == 0x2028 || r == 0x2029:
			r = 0x2424
		case r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			r = utf8.RuneError
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// TruncateBytes cuts s to at most n bytes of UTF-8 without splitting a character,
// marking the cut with "…".
func TruncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := max(n-len(ell), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

func plural(count int, one, many string) string {
	if count > 1 {
		return many
	}
	return one
}
