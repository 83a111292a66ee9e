package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// Caps on what one digest notice lists; the counts always cover everything, and each
// channel cuts further to its own size limits with an "…and N more" line.
const (
	MaxFailuresListed = 200
	MaxRunningListed  = 200
)

// Digest is one window's tasks, grouped. It holds every task id, uncapped, for callers
// that want the whole picture (tests, `cdnwatch sweep --json`); the notice is capped.
type Digest struct {
	Window   Window   `json:"window"`
	Total    int      `json:"total"`
	Complete []string `json:"complete"`
	Failed   []string `json:"failed"`
	// Running are tasks still pending or running after settle.
	Running []string `json:"running"`
	// Failures are the failed objects of the failed tasks (path and reason).
	Failures []notify.Failure `json:"failures,omitempty"`
	// Stragglers are the running tasks, one line each (first unfinished object).
	Stragglers []notify.Failure `json:"stragglers,omitempty"`
}

// SweepID names a sweep configuration: provider, scope, domains and window length. Two
// sweeps differing in any of these are different sweeps, so their digests never share
// an id.
func SweepID(s Spec) string {
	h := sha256.New()
	h.Write([]byte(s.Provider))
	keys := make([]string, 0, len(s.Scope))
	for k := range s.Scope {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k + "=" + s.Scope[k]))
	}
	doms := slices.Clone(s.Domains)
	slices.Sort(doms)
	h.Write([]byte{1})
	h.Write([]byte(strings.Join(doms, ",")))
	h.Write([]byte{1})
	h.Write([]byte(s.Window.D.String()))
	return "sw_" + hex.EncodeToString(h.Sum(nil))[:20]
}

// NoticeID is the digest's id: the sweep and the window's start. A retried or late tick
// reports the same window and so repeats the id, which receivers use to drop the
// duplicate (the webhook-id header).
func NoticeID(s Spec, w Window) string {
	return watch.NoticeID(SweepID(s), string(notify.SweepDigest), w.From.UTC().Format(time.RFC3339))
}

// Group sorts the window's tasks: complete, failed (each failed object with its path and
// reason), and still running (pending or running; unknown is not listed by a provider
// that lists, but would count as running). Tasks are ordered by id for stable output.
func Group(w Window, tasks []provider.Task) Digest {
	ts := slices.Clone(tasks)
	slices.SortFunc(ts, func(a, b provider.Task) int {
		if c := len(a.ID) - len(b.ID); c != 0 { // numeric ids sort by length first
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	d := Digest{Window: w, Total: len(ts), Complete: []string{}, Failed: []string{}, Running: []string{}}
	for _, t := range ts {
		switch t.Status {
		case provider.Complete:
			d.Complete = append(d.Complete, t.ID)
		case provider.Failed:
			d.Failed = append(d.Failed, t.ID)
			for _, o := range t.Objects {
				if o.Status == provider.Failed {
					d.Failures = append(d.Failures, notify.Failure{TaskID: t.ID, Path: o.Path, Type: o.Type,
						Reason: o.Reason, Status: string(provider.Failed)})
				}
			}
		default:
			d.Running = append(d.Running, t.ID)
			d.Stragglers = append(d.Stragglers, straggler(t))
		}
	}
	return d
}

// straggler is one line for a task still running: its first unfinished object, its raw
// status and progress, and how many objects are still unfinished.
func straggler(t provider.Task) notify.Failure {
	f := notify.Failure{TaskID: t.ID, Status: string(t.Status)}
	unfinished := 0
	for _, o := range t.Objects {
		if o.Status.Terminal() {
			continue
		}
		unfinished++
		if unfinished == 1 {
			f.Path, f.Type = o.Path, o.Type
			f.Reason = strings.TrimSpace(o.RawStatus + " " + o.Progress)
		}
	}
	if unfinished > 1 {
		f.Reason += " (" + strconv.Itoa(unfinished) + " objects unfinished)"
	}
	return f
}

// Notice is the digest as a notice: counts of everything, failures and stragglers
// capped at MaxFailuresListed and MaxRunningListed. at is the tick's own time, so a
// retried tick builds the identical notice.
func Notice(s Spec, d Digest, at time.Time) notify.Notice {
	n := notify.Notice{
		ID:       NoticeID(s, d.Window),
		Kind:     notify.SweepDigest,
		WatchID:  SweepID(s),
		Label:    s.Label,
		Provider: s.Provider,
		At:       at.UTC(),
		Counts: notify.Counts{Total: d.Total, Complete: len(d.Complete), Failed: len(d.Failed),
			Pending: len(d.Running)},
		WindowFrom: d.Window.From,
		WindowTo:   d.Window.To,
	}
	n.Failures, n.FailuresOmitted = capList(d.Failures, MaxFailuresListed)
	n.Running, _ = capList(d.Stragglers, MaxRunningListed)
	return n
}

func capList(fs []notify.Failure, n int) ([]notify.Failure, int) {
	if len(fs) <= n {
		return slices.Clone(fs), 0
	}
	return slices.Clone(fs[:n]), len(fs) - n
}
