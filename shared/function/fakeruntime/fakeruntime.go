// Package fakeruntime serves the Lambda and FC custom-runtime APIs on loopback, so the real
// function binaries can be run, timed and measured without the platforms: the Lambda
// Runtime Interface Emulator and FC's runtime cannot be had here. Tests and `make bench`
// share it.
package fakeruntime

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Invocation is one event fed to a binary and what came back.
type Invocation struct {
	ID      string
	Payload []byte
	Status  string // "response" or "error"
	Body    []byte
	Elapsed time.Duration
}

// Credentials are the role credentials FC passes in x-fc-* headers.
type Credentials struct{ AccessKeyID, AccessKeySecret, SecurityToken string }

// Runtime serves one event at a time on the platform's runtime API.
type Runtime struct {
	platform string // "lambda" or "fc"
	deadline time.Duration
	creds    Credentials

	mu       sync.Mutex
	queue    []*Invocation
	cur      *Invocation
	sent     time.Time
	firstAt  time.Time
	problems []error
	done     chan *Invocation
	next     chan struct{}
}

// New makes a runtime for platform "lambda" or "fc" that hands out events in order, each
// with deadline to run.
func New(platform string, deadline time.Duration, creds Credentials, events ...*Invocation) *Runtime {
	return &Runtime{platform: platform, deadline: deadline, creds: creds, queue: events,
		done: make(chan *Invocation, 1), next: make(chan struct{}, 1)}
}

// Problems are protocol violations seen (unexpected paths, answers to unknown requests).
func (f *Runtime) Problems() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.problems...)
}

func (f *Runtime) problem(format string, args ...any) {
	f.mu.Lock()
	f.problems = append(f.problems, fmt.Errorf(f.platform+" runtime: "+format, args...))
	f.mu.Unlock()
}

func (f *Runtime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := "/2018-06-01/runtime/invocation/"
	if f.platform == "fc" {
		prefix = "/2020-11-11/runtime/invocation/"
	}
	if !strings.HasPrefix(r.URL.Path, prefix) {
		f.problem("unexpected %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, prefix)
	if r.Method == http.MethodGet && rest == "next" {
		f.serveNext(w, r)
		return
	}
	id, kind, ok := strings.Cut(rest, "/")
	if r.Method != http.MethodPost || !ok || (kind != "response" && kind != "error") {
		f.problem("unexpected %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	cur := f.cur
	f.cur = nil
	if f.firstAt.IsZero() {
		f.firstAt = time.Now()
	}
	f.mu.Unlock()
	if cur == nil || id != cur.ID {
		f.problem("answer for unknown request %s", id)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	cur.Status, cur.Body, cur.Elapsed = kind, body, time.Since(f.sent)
	w.WriteHeader(http.StatusAccepted)
	f.done <- cur
}

func (f *Runtime) serveNext(w http.ResponseWriter, r *http.Request) {
	select {
	case <-f.next:
	case <-r.Context().Done():
		return
	}
	f.mu.Lock()
	if len(f.queue) == 0 {
		f.mu.Unlock()
		<-r.Context().Done() // no more events: hold the poll like the real API
		return
	}
	inv := f.queue[0]
	f.queue = f.queue[1:]
	f.cur = inv
	f.sent = time.Now()
	f.mu.Unlock()
	dl := strconv.FormatInt(time.Now().Add(f.deadline).UnixMilli(), 10)
	h := w.Header()
	if f.platform == "lambda" {
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.ID)
		h.Set("Lambda-Runtime-Deadline-Ms", dl)
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:cdnwatch")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
	} else {
		h.Set("x-fc-request-id", inv.ID)
		h.Set("x-fc-function-deadline", dl)
		h.Set("x-fc-function-timeout", strconv.Itoa(int(f.deadline/time.Second)))
		h.Set("x-fc-function-name", "cdnwatch")
		h.Set("x-fc-function-handler", "main")
		h.Set("x-fc-function-memory", "128")
		h.Set("x-fc-region", "cn-hangzhou")
		h.Set("x-fc-account-id", "1234567890123456")
		h.Set("x-fc-access-key-id", f.creds.AccessKeyID)
		h.Set("x-fc-access-key-secret", f.creds.AccessKeySecret)
		h.Set("x-fc-security-token", f.creds.SecurityToken)
	}
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(inv.Payload)
}

// InvokeAll feeds the queued events one after another and returns them answered.
func (f *Runtime) InvokeAll(timeout time.Duration) ([]*Invocation, error) {
	f.mu.Lock()
	n := len(f.queue)
	f.mu.Unlock()
	var out []*Invocation
	for i := 0; i < n; i++ {
		f.next <- struct{}{}
		select {
		case inv := <-f.done:
			out = append(out, inv)
		case <-time.After(timeout):
			return out, fmt.Errorf("%s: no answer to event %d within %s", f.platform, i, timeout)
		}
	}
	return out, nil
}

// Result is one run of a binary.
type Result struct {
	Invocations []*Invocation
	// FirstReply is process start → first answer posted to the runtime API.
	FirstReply time.Duration
	// Size is the binary's size in bytes.
	Size int64
	// MaxRSS is the process's peak resident set in bytes.
	MaxRSS int64
	// Output is what the process wrote (its logs).
	Output string
}

// Run starts bin against rt with env, feeds every queued event, and stops the process.
func Run(ctx context.Context, bin string, rt *Runtime, env []string, timeout time.Duration) (Result, error) {
	srv := httptest.NewServer(rt)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+addr, "FC_RUNTIME_API="+addr, "PATH="+os.Getenv("PATH"))
	var out bytes.Buffer
	var mu sync.Mutex
	pr, pw := io.Pipe()
	cmd.Stderr, cmd.Stdout = pw, pw
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
		}
	}()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("start %s: %w", bin, err)
	}
	invs, runErr := rt.InvokeAll(timeout)
	hwm := peakRSS(cmd.Process.Pid)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	waitErr := cmd.Wait()
	pw.Close()
	<-copied
	res := Result{Invocations: invs}
	rt.mu.Lock()
	if !rt.firstAt.IsZero() {
		res.FirstReply = rt.firstAt.Sub(start)
	}
	rt.mu.Unlock()
	if fi, err := os.Stat(bin); err == nil {
		res.Size = fi.Size()
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.MaxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
	}
	if hwm > 0 {
		// getrusage's ru_maxrss of a child counts the parent's resident set it was forked
		// from, so a small binary reads as large as its (test or bench) parent; the
		// kernel's high-water mark of the exec'd process is its own.
		res.MaxRSS = hwm
	}
	mu.Lock()
	res.Output = out.String()
	mu.Unlock()
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		runErr = errors.Join(runErr, waitErr)
	}
	return res, errors.Join(append([]error{runErr}, rt.Problems()...)...)
}

// peakRSS reads VmHWM (the peak resident set since exec) of a running process from
// /proc/<pid>/status, in bytes; 0 where /proc is not there.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// Push queues one more event and lets the next poll of the runtime API take it: with
// Await, a test drives the binary one invocation at a time, as an event source does.
func (f *Runtime) Push(inv *Invocation) {
	f.mu.Lock()
	f.queue = append(f.queue, inv)
	f.mu.Unlock()
	select {
	case f.next <- struct{}{}:
	default: // a signal is already waiting
	}
}

// Await waits up to timeout for the next answered invocation; nil and an error when none
// came (the binary is still working, or died).
func (f *Runtime) Await(timeout time.Duration) (*Invocation, error) {
	select {
	case inv := <-f.done:
		return inv, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("%s: no answer within %s", f.platform, timeout)
	}
}
