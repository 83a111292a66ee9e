package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"cdnwatch/shared/config"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/notify"
)

// progress shows each hop: a live bar when stderr is a terminal, plain lines otherwise
// (CI logs keep every line).
type progress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(100,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) hop(h engine.Hop) {
	st := h.Doc.State
	c := st.Counts(len(h.Doc.TaskIDs))
	line := fmt.Sprintf("%d/%d complete, %d failed, %d unknown, %d pending", c.Complete, c.Total, c.Failed, c.Unknown, c.Pending)
	if st.Running > 0 {
		line += fmt.Sprintf(" (%d running, %.0f%% on average)", st.Running, st.Progress)
	}
	for _, n := range h.Notices {
		if n.Kind != notify.TaskFailed && n.Kind != notify.TaskUnknown {
			continue // the summary repeats failures already printed
		}
		for _, f := range n.Failures {
			p.println(fmt.Sprintf("%s task %s  %s  %s", failWord(f), f.TaskID, f.Path, f.Reason))
		}
		if n.FailuresOmitted > 0 {
			p.println(fmt.Sprintf("        …and %d more", n.FailuresOmitted))
		}
	}
	if h.Doc.Finished() {
		line = "finished (" + st.Finished + "): " + line
	} else if h.Wait > 0 {
		line += fmt.Sprintf("; next poll in %s", h.Wait.Round(time.Second))
	}
	if p.bar != nil {
		p.bar.Describe(line)
		_ = p.bar.Set(int(h.Progress.Progress))
		return
	}
	fmt.Fprintf(p.w, "%s %s %s: %s\n", time.Now().UTC().Format("15:04:05"), h.Doc.Provider, labelOr(h.Doc.Label, st.ID), line)
}

func failWord(f notify.Failure) string {
	if f.Status == "unknown" {
		return "UNKNOWN"
	}
	return "FAILED "
}

func (p *progress) println(s string) {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.w, strings.TrimRight(s, " "))
}

func (p *progress) close() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}

func labelOr(label, id string) string {
	if label != "" {
		return label
	}
	return id
}

// cliLogger logs warnings and errors as text on stderr; CDNWATCH_LOG_LEVEL lowers it.
func cliLogger(w io.Writer, env *config.Env, getenv config.Getenv) *slog.Logger {
	lvl := env.LogLevel
	if getenv("CDNWATCH_LOG_LEVEL") == "" {
		lvl = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}
