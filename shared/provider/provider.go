// Package provider is the portable face of every CDN API cdnwatch polls.
//
// Each CDN is a Driver: one API call that describes at most Limits().IDsPerCall task ids.
// The portable Client wraps a Driver with what every provider needs and none should write
// again: batching, a client-side token bucket at the documented rate, enough concurrency to
// reach that rate, grouping of multi-object answers by task id, and marking ids the provider
// did not return as unknown. Drivers register themselves by provider id (see Register).
package provider

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Status is the one status vocabulary every provider maps onto.
type Status string

const (
	Pending  Status = "pending"
	Running  Status = "running"
	Complete Status = "complete"
	Failed   Status = "failed"
	// Unknown means the provider does not know the id: never existed, or past its retention.
	Unknown Status = "unknown"
)

// Terminal reports whether a task in this status will not change any more.
func (s Status) Terminal() bool { return s == Complete || s == Failed || s == Unknown }

// Object is one row of a provider's answer: one object (URL, directory, regex) of a task.
// One task id may cover several objects (Aliyun merges URLs submitted together).
type Object struct {
	TaskID    string
	Path      string
	Type      string // as reported: file, directory, preload, regex, ...
	Status    Status
	RawStatus string // the provider's own word, e.g. "Refreshing"
	Progress  string // as reported, e.g. "99.37%"
	Reason    string // failure description, e.g. "Origin Timeout"
	Created   time.Time
}

// Percent parses Progress ("99.37%") into a number; ok is false when there is none.
func (o Object) Percent() (float64, bool) { return parsePercent(o.Progress) }

// Task is every object of one task id, with the aggregate status.
type Task struct {
	ID      string
	Status  Status
	Objects []Object
}

// MeanPercent is the mean reported progress of the task's objects; ok is false when none
// reports any.
func (t Task) MeanPercent() (float64, bool) {
	var sum float64
	n := 0
	for _, o := range t.Objects {
		if p, ok := o.Percent(); ok {
			sum += p
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// Limits are the provider's documented bounds.
type Limits struct {
	IDsPerCall int           // ids one call may carry
	QPS        float64       // calls per second per account
	Retention  time.Duration // how far back tasks can be queried
}

// Driver is what each provider implements.
type Driver interface {
	// Name is the provider id, e.g. "aliyun-cdn".
	Name() string
	Limits() Limits
	// Describe makes one API call for at most Limits().IDsPerCall ids and returns every row.
	// Ids the provider does not know are simply absent. Errors should be *Error where the
	// provider said why.
	Describe(ctx context.Context, ids []string) ([]Object, error)
}

// IDChecker is an optional Driver interface: drivers that can tell a malformed id without a
// call implement it, so one bad id is named before it fails a whole batch.
type IDChecker interface {
	CheckID(id string) error
}

// Aggregate folds the rows of one task id into its status: finished when every object is;
// failed if any object failed; running while any object runs.
func Aggregate(id string, objs []Object) Task {
	t := Task{ID: id, Objects: objs}
	if len(objs) == 0 {
		t.Status = Unknown
		return t
	}
	terminal, failed, running, unknown := true, false, false, 0
	for _, o := range objs {
		switch o.Status {
		case Failed:
			failed = true
		case Running:
			running = true
		case Unknown:
			unknown++
		}
		if !o.Status.Terminal() {
			terminal = false
		}
	}
	switch {
	case terminal && failed:
		t.Status = Failed
	case terminal && unknown == len(objs):
		t.Status = Unknown
	case terminal:
		t.Status = Complete
	case running:
		t.Status = Running
	default:
		t.Status = Pending
	}
	return t
}

func parsePercent(s string) (float64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 100 {
		return 0, false
	}
	return v, true
}
