package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"cdnwatch/shared/config"
	"cdnwatch/shared/submit"
	"cdnwatch/shared/watch"
)

// writeGitHub writes the job summary (markdown, appended to --summary FILE or
// $GITHUB_STEP_SUMMARY) and, inside GitHub Actions ($GITHUB_OUTPUT set), the step outputs
// the action.yml at the repository root declares. Problems writing them are reported and
// do not change the exit code: the watch's outcome is what the step is about.
func writeGitHub(stderr io.Writer, name string, o SubmitOptions, getenv config.Getenv, doc *watch.Document, res *submit.Result, exit int) {
	path := o.Summary
	if path == "" {
		path = getenv("GITHUB_STEP_SUMMARY")
	}
	if path != "" {
		if err := appendFile(path, Summary(name, doc, res, exit)); err != nil {
			fmt.Fprintf(stderr, "%s: job summary: %v\n", name, err)
		}
	}
	if out := getenv("GITHUB_OUTPUT"); out != "" {
		if err := appendFile(out, outputs(doc, res, exit)); err != nil {
			fmt.Fprintf(stderr, "%s: step outputs: %v\n", name, err)
		}
	}
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// summaryCounts are the numbers both the summary and the outputs show.
type summaryCounts struct {
	taskIDs                                   []string
	submitted, notSubmitted                   int
	tasks, complete, failed, unknown, pending int
}

func countsOf(doc *watch.Document, res *submit.Result) summaryCounts {
	var c summaryCounts
	if doc == nil {
		if res != nil {
			c.submitted, c.notSubmitted = res.Submitted, len(res.Rejected)
		}
		return c
	}
	if doc.Submit != nil {
		c.submitted, c.notSubmitted = doc.Submit.Submitted, doc.Submit.Rejected
	}
	c.pending = len(doc.TaskIDs)
	if st := doc.State; st != nil {
		c.tasks, c.complete, c.failed, c.unknown = st.Total, st.Complete, st.Failed, st.Unknown
		if c.notSubmitted > 0 {
			// The not-submitted pseudo-task is counted in the state, not a task of the provider.
			c.tasks--
			c.failed--
		}
	} else {
		c.tasks = len(doc.TaskIDs)
	}
	c.taskIDs = doc.TaskIDs
	if res != nil {
		c.taskIDs = res.TaskIDs // the document keeps only the pending ones
	}
	return c
}

// Summary renders the markdown job summary: a table of counts and every failure with
// its path and reason (all URLs not submitted when this run submitted them; failed
// objects as far as the watch state keeps them, with the number left out).
func Summary(name string, doc *watch.Document, res *submit.Result, exit int) string {
	var b strings.Builder
	c := countsOf(doc, res)
	title := name
	if doc != nil {
		title += ": " + doc.Provider
		if doc.Label != "" {
			title += " — " + doc.Label
		}
	}
	fmt.Fprintf(&b, "### %s\n\n| | count |\n|---|---:|\n", cell(title))
	for _, r := range []struct {
		k string
		v int
	}{{"URLs submitted", c.submitted}, {"URLs not submitted", c.notSubmitted}, {"tasks", c.tasks},
		{"complete", c.complete}, {"failed", c.failed}, {"unknown", c.unknown}, {"pending", c.pending}} {
		fmt.Fprintf(&b, "| %s | %d |\n", r.k, r.v)
	}
	fmt.Fprintf(&b, "| exit code | %d |\n", exit)
	type row struct{ id, path, reason string }
	var rows []row
	if res != nil {
		for _, r := range res.Rejected {
			rows = append(rows, row{watch.NotSubmittedID, r.URL, r.Reason})
		}
	}
	omitted := 0
	if doc != nil && doc.State != nil {
		for _, f := range doc.State.Failures {
			if res != nil && f.TaskID == watch.NotSubmittedID {
				continue // listed in full above
			}
			rows = append(rows, row{f.TaskID, f.Path, f.Reason})
		}
		omitted = doc.State.FailuresOmitted
		if res != nil && c.notSubmitted > 0 {
			// Omitted not-submitted URLs are all listed above.
			omitted -= max(0, c.notSubmitted-countNotSubmitted(doc))
			omitted = max(omitted, 0)
		}
	}
	if len(rows) > 0 {
		b.WriteString("\n#### Failures\n\n| task | path | reason |\n|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(r.id), cell(r.path), cell(r.reason))
		}
		if omitted > 0 {
			fmt.Fprintf(&b, "\n%d more failed object(s) not listed (the watch keeps the first %d).\n", omitted, watch.MaxFailures)
		}
	}
	b.WriteString("\n")
	return b.String()
}

func countNotSubmitted(doc *watch.Document) int {
	n := 0
	for _, f := range doc.State.Failures {
		if f.TaskID == watch.NotSubmittedID {
			n++
		}
	}
	return n
}

// cell makes s safe in a markdown table cell.
func cell(s string) string {
	s = strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ").Replace(s)
	return s
}

func outputs(doc *watch.Document, res *submit.Result, exit int) string {
	c := countsOf(doc, res)
	return fmt.Sprintf("task-ids=%s\nsubmitted=%d\nnot-submitted=%d\ntasks=%d\ncomplete=%d\nfailed=%d\nunknown=%d\npending=%d\nexit-code=%d\n",
		strings.Join(c.taskIDs, ","), c.submitted, c.notSubmitted, c.tasks, c.complete, c.failed, c.unknown, c.pending, exit)
}
