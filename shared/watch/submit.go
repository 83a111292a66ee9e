package watch

import (
	"fmt"
	"strings"
	"time"

	"cdnwatch/shared/notify"
)

// Submit is the submit part of a submit document:
//
//	{"v":1,"submit":{"provider":"aliyun-cdn","type":"file","urls":["https://..."]},
//	 "label":"web v1.4.2","notify":["slack"]}
//
// It asks cdnwatch to submit the URLs once and then watch the tasks created. Before the
// submit it holds the URLs; once submitted (At set) it is the record of what was done:
// the URLs are dropped (the task ids and the state stand for them, and a document must
// stay small enough for its hops), the counts remain, and the document's TaskIDs hold the
// ids returned. A document whose submit is recorded is never submitted again.
type Submit struct {
	Provider string `json:"provider,omitempty"`
	// Kind is "refresh" (default) or "prefetch". Type "prefetch" is accepted for it.
	Kind string `json:"kind,omitempty"`
	// Type is the object type of a refresh: "file" (default), "directory", "regex".
	Type string   `json:"type,omitempty"`
	URLs []string `json:"urls,omitempty"`
	// Ref is the submission's reference (see submit.Ref), set when it is submitted; a
	// user may set it to name a submission (then retries with the same ref are one).
	Ref string `json:"ref,omitempty"`

	// The record, set once submitted.
	At        int64 `json:"at,omitempty"` // unix seconds of the submit
	Submitted int   `json:"submitted,omitempty"`
	Rejected  int   `json:"rejected,omitempty"`
}

// MaxSubmitURLs bounds the URLs of one submit document.
const MaxSubmitURLs = 100000

// Done reports whether the submit was carried out (its record is set).
func (s *Submit) Done() bool { return s != nil && s.At > 0 }

// Pending reports whether d is a submit document not yet submitted.
func (d *Document) SubmitPending() bool { return d.Submit != nil && !d.Submit.Done() }

// normalise validates the submit part. For a document not yet submitted it validates the
// rest as a watch would be (through the same rules, with a placeholder id standing for
// the ids to come) and reports pending = true, so normalise stops there.
func (s *Submit) normalise(d *Document) (pending bool, err error) {
	if s == nil {
		return false, nil
	}
	s.Provider = strings.TrimSpace(s.Provider)
	d.Provider = strings.TrimSpace(d.Provider)
	switch {
	case s.Provider == "" && d.Provider == "":
		return false, &DecodeError{Field: "submit.provider", Problem: "missing"}
	case s.Provider == "":
		s.Provider = d.Provider
	case d.Provider == "":
		d.Provider = s.Provider
	case s.Provider != d.Provider:
		return false, &DecodeError{Field: "submit.provider", Problem: fmt.Sprintf("%q differs from provider %q", s.Provider, d.Provider)}
	}
	s.Kind, s.Type = strings.ToLower(strings.TrimSpace(s.Kind)), strings.ToLower(strings.TrimSpace(s.Type))
	if s.Type == "prefetch" || s.Type == "preload" {
		if s.Kind == "refresh" {
			return false, &DecodeError{Field: "submit.type", Problem: "prefetch with kind refresh"}
		}
		s.Kind, s.Type = "prefetch", "file"
	}
	if s.Kind == "" {
		s.Kind = "refresh"
	}
	if s.Type == "" {
		s.Type = "file"
	}
	switch {
	case s.Kind != "refresh" && s.Kind != "prefetch":
		return false, &DecodeError{Field: "submit.kind", Problem: fmt.Sprintf("%q: want refresh or prefetch", s.Kind)}
	case s.Type != "file" && s.Type != "directory" && s.Type != "regex":
		return false, &DecodeError{Field: "submit.type", Problem: fmt.Sprintf("%q: want file, directory or regex", s.Type)}
	case s.Kind == "prefetch" && s.Type != "file":
		return false, &DecodeError{Field: "submit.type", Problem: "a prefetch names files"}
	case len(s.Ref) > 128:
		return false, &DecodeError{Field: "submit.ref", Problem: "longer than 128 characters"}
	case s.Submitted < 0 || s.Rejected < 0 || s.At < 0:
		return false, &DecodeError{Field: "submit", Problem: "negative counts"}
	}
	if s.Done() {
		if len(s.URLs) > 0 {
			return false, &DecodeError{Field: "submit.urls", Problem: "a submitted record carries no URLs"}
		}
		return false, nil
	}
	if d.State != nil || len(d.TaskIDs) > 0 {
		return false, &DecodeError{Field: "submit", Problem: "a document not yet submitted has no taskIds or state"}
	}
	n := 0
	for i, u := range s.URLs {
		u = strings.TrimSpace(u)
		s.URLs[i] = u
		if u == "" {
			return false, &DecodeError{Field: fmt.Sprintf("submit.urls[%d]", i), Problem: "empty"}
		}
		if strings.ContainsAny(u, "\r\n\t") {
			return false, &DecodeError{Field: fmt.Sprintf("submit.urls[%d]", i), Problem: "control characters"}
		}
		n++
	}
	if n == 0 {
		return false, &DecodeError{Field: "submit.urls", Problem: "no URLs"}
	}
	if n > MaxSubmitURLs {
		return false, &DecodeError{Field: "submit.urls", Problem: fmt.Sprintf("%d URLs is over the limit of %d", n, MaxSubmitURLs)}
	}
	// The rest of the document is validated as the watch it becomes.
	probe := *d
	probe.Submit = nil
	probe.TaskIDs = []string{"0"}
	if err := probe.normalise(); err != nil {
		return false, err
	}
	d.Notify, d.Label = probe.Notify, probe.Label
	return true, nil
}

// NotSubmittedID is the task id failures of URLs that were never submitted carry.
const NotSubmittedID = "not-submitted"

// NotSubmitted is one URL that could not be submitted, and why.
type NotSubmitted struct {
	URL, Reason string
}

// Submitted turns a submit document into the watch of what was submitted: TaskIDs are the
// ids the provider returned, the submit part becomes its record (URLs dropped), and URLs
// that were not submitted are folded into the state as failed objects of one
// pseudo-task NotSubmittedID, each with its reason (the first MaxFailures listed, the
// rest counted), so the watch ends failed and every notice names them. The label says
// how many URLs were submitted. d itself is not changed.
func Submitted(d *Document, ids []string, submitted int, rejected []NotSubmitted, ref string, now time.Time) *Document {
	out := d.clone()
	s := *d.Submit
	s.URLs, s.At, s.Submitted, s.Rejected, s.Ref = nil, now.Unix(), submitted, len(rejected), ref
	out.Submit = &s
	out.Provider = s.Provider
	out.TaskIDs = SplitIDs(ids)
	what := "URLs"
	if s.Type == "directory" {
		what = "directories"
	}
	note := fmt.Sprintf("%d %s submitted", submitted, what)
	if len(rejected) > 0 {
		note += fmt.Sprintf(", %d not", len(rejected))
	}
	if out.Label == "" {
		out.Label = note
	} else {
		out.Label = truncate(out.Label, 200-len(note)-3) + " (" + note + ")"
	}
	if len(rejected) == 0 {
		return out
	}
	st := &State{V: StateVersion, Started: now.Unix(), Total: len(out.TaskIDs) + 1, Failed: 1, Objects: len(rejected)}
	st.ID = WatchID(out)
	for _, r := range rejected {
		st.addFailure(notify.Failure{TaskID: NotSubmittedID, Path: r.URL, Type: s.Type, Reason: r.Reason,
			Status: "failed"})
	}
	out.State = st
	return out
}

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if i > n {
			break
		}
		cut = i
	}
	return s[:cut]
}
