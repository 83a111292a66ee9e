package cdnsim

import (
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
// PendingFor after the task is created, then makes progress linearly for Duration, then
// completes, or fails with FailReason when that is set.
type Object struct {
	Path       string
	Type       string // TypeFile, TypeDirectory, TypePreload
	PendingFor time.Duration
	Duration   time.Duration
	FailReason string // "" completes; else e.g. "Origin Timeout"
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
	p := 100 * float64(now.Sub(start)) / float64(o.Duration)
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
