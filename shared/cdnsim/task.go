package cdnsim

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// Object types as Aliyun reports them; other providers' handlers translate.
const (
	TypeFile      = "file"
	TypeDirectory = "directory"
	TypePreload   = "preload"
)

// Failure reasons as Aliyun reports them (DescribeRefreshTaskById, Description).
var FailReasons = []string{"Internal Error", "Origin Timeout", "Origin Return StatusCode 5XX"}

// Task is one task id: one or more objects submitted together.
type Task struct {
	ID      string
	Created time.Time
	Objects []Object
	// Scope places the task where the provider keeps it, for providers whose ids are
	// only unique within something else (CloudFront: {"distributionId": "E2..."}).
	// Empty means the provider's default place.
	Scope map[string]string
}

// Object is one URL, directory or prefetch of a task, with its scripted life: it waits
// PendingFor after the task is created, then runs for Duration, reporting progress along
// Shape, then completes, or fails with FailReason when that is set.
type Object struct {
	Path       string
	Type       string // TypeFile, TypeDirectory, TypePreload
	PendingFor time.Duration
	Duration   time.Duration
	FailReason string // "" completes; else e.g. "Origin Timeout"
	// Shape is how the reported progress grows while running; "" is ShapeLinear.
	Shape Shape
}

// Shape is how a running object's reported progress relates to the share f of its run
// time that has passed. No provider documents how progress grows, so the simulator offers
// several curves: a poll schedule must hold on all of them, not only on the one its
// estimator assumes.
type Shape string

// Progress shapes.
const (
	// ShapeLinear: progress = 100·f, what an estimate elapsed × (100−p)/p assumes.
	ShapeLinear Shape = "linear"
	// ShapeStep25: progress moves in 25 % steps (0, 25, 50, 75), as a task of four equal
	// batches reports it.
	ShapeStep25 Shape = "step25"
	// ShapeSquare: progress = 100·f², slow first and fast at the end: a linear estimate is
	// always late.
	ShapeSquare Shape = "square"
	// ShapeStuck: 0 % until done: progress says nothing.
	ShapeStuck Shape = "stuck"
	// ShapeMix is a Population setting only: each task draws one of the four above.
	ShapeMix Shape = "mix"
)

// Shapes lists the shapes a Population accepts, the mix last.
var Shapes = []Shape{ShapeLinear, ShapeStep25, ShapeSquare, ShapeStuck, ShapeMix}

// ParseShape reads a shape name ("" is linear).
func ParseShape(s string) (Shape, error) {
	if s == "" {
		return ShapeLinear, nil
	}
	for _, sh := range Shapes {
		if string(sh) == s {
			return sh, nil
		}
	}
	return "", fmt.Errorf("progress shape %q: want one of linear, step25, square, stuck, mix", s)
}

// percent is the progress (0–100) the shape reports at run share f in [0, 1).
func (sh Shape) percent(f float64) float64 {
	switch sh {
	case ShapeStep25:
		return 25 * math.Floor(4*f)
	case ShapeSquare:
		return 100 * f * f
	case ShapeStuck:
		return 0
	}
	return 100 * f
}

// phase is the provider-neutral state of an object; each wire handler names it.
type phase int

const (
	phasePending phase = iota
	phaseRunning
	phaseComplete
	phaseFailed
)

// state is an object's phase and progress (0–100) at now.
func (o Object) state(created, now time.Time) (phase, float64) {
	start := created.Add(o.PendingFor)
	end := start.Add(o.Duration)
	switch {
	case now.Before(start):
		return phasePending, 0
	case !now.Before(end):
		if o.FailReason != "" {
			return phaseFailed, 0
		}
		return phaseComplete, 100
	}
	p := o.Shape.percent(float64(now.Sub(start)) / float64(o.Duration))
	// Two decimals, rounded down and capped, so a running object never reads "100%".
	p = math.Min(math.Floor(p*100)/100, 99.99)
	return phaseRunning, p
}

// formatPercent writes progress as Aliyun does: "0%", "99.37%", "12.5%", "100%".
func formatPercent(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64) + "%"
}

// ManualClock is a clock tests move by hand; pass its Now as Options.Now.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock starts a clock at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now reads the clock.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
