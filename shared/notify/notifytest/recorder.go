package notifytest

import (
	"context"
	"slices"
	"sync"

	"cdnwatch/shared/notify"
)

// Recorder is an in-memory channel that keeps what it is sent. It stands in for "the
// other channels" in tests, and can be told to fail.
type Recorder struct {
	name string

	mu      sync.Mutex
	notices []notify.Notice
	threads []string
	failN   int
	failErr error
	calls   int
	block   bool
}

var _ notify.Channel = (*Recorder)(nil)

// NewRecorder returns a recording channel called name.
func NewRecorder(name string) *Recorder { return &Recorder{name: name} }

// Name implements notify.Channel.
func (r *Recorder) Name() string { return r.name }

// FailNext makes the next n sends return err (n < 0: every send).
func (r *Recorder) FailNext(n int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failN, r.failErr = n, err
}

// Send records n and answers with a thread handle "<name>-thread".
func (r *Recorder) Send(ctx context.Context, n notify.Notice, thread string) (string, error) {
	r.mu.Lock()
	r.calls++
	if r.block {
		// Hang like a dead server, until the caller gives up.
		r.mu.Unlock()
		<-ctx.Done()
		return "", ctx.Err()
	}
	defer r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return "", &notify.DeliveryError{Channel: r.name, Err: err}
	}
	if r.failN != 0 {
		if r.failN > 0 {
			r.failN--
		}
		return "", r.failErr
	}
	r.notices = append(r.notices, n)
	r.threads = append(r.threads, thread)
	return r.name + "-thread", nil
}

// Hang makes every later Send block until its context ends.
func (r *Recorder) Hang() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.block = true
}

// Calls counts Send calls, failed ones included.
func (r *Recorder) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// Notices returns what was delivered, oldest first.
func (r *Recorder) Notices() []notify.Notice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.notices)
}

// Threads returns the thread handle passed with each delivered notice.
func (r *Recorder) Threads() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.threads)
}
