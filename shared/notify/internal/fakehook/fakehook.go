// Package fakehook is the bookkeeping the local stand-in receivers share (the Slack
// incoming webhook, the generic webhook and the group robots): a lock held while a
// request is served, the count of requests, the accepted items, and planned failures.
package fakehook

import (
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// MaxBody bounds a request body a receiver reads; the services' own limits are far
// below it.
const MaxBody = 1 << 20

// State keeps a receiver's requests and its plan of failures. The zero value is ready
// to use. Receivers hold Lock while serving a request; Count and Failure expect it
// held, the other methods take it.
type State struct {
	mu       sync.Mutex
	requests int
	fail     struct {
		n, status  int
		code       string
		retryAfter time.Duration
	}
}

// Base is State with the accepted items of type T; Add expects the lock held.
type Base[T any] struct {
	State
	items []T
}

// Lock locks the receiver's state.
func (b *State) Lock() { b.mu.Lock() }

// Unlock unlocks it.
func (b *State) Unlock() { b.mu.Unlock() }

// FailNext plans for the next n requests to fail with status and the service's error
// code (receivers that have none ignore it), with a Retry-After header when
// retryAfter > 0. n = 0 cancels a plan.
func (b *State) FailNext(n, status int, code string, retryAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fail.n, b.fail.status, b.fail.code, b.fail.retryAfter = n, status, code, retryAfter
}

// Requests counts every request, failed ones included.
func (b *State) Requests() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.requests
}

// Items returns the accepted items, oldest first.
func (b *Base[T]) Items() []T {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.items)
}

// Count counts a request.
func (b *State) Count() { b.requests++ }

// Failure takes the next planned failure, if any: it sets the Retry-After header on w
// and returns the planned status and code.
func (b *State) Failure(w http.ResponseWriter) (status int, code string, ok bool) {
	if b.fail.n <= 0 {
		return 0, "", false
	}
	b.fail.n--
	if b.fail.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(b.fail.retryAfter.Seconds()))))
	}
	return b.fail.status, b.fail.code, true
}

// Add records an accepted item and returns how many have been accepted.
func (b *Base[T]) Add(item T) int {
	b.items = append(b.items, item)
	return len(b.items)
}

// ReadPost reads the body of a POST of at most MaxBody bytes; otherwise it answers 400
// "bad request" and ok is false.
func ReadPost(w http.ResponseWriter, req *http.Request) (body []byte, ok bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxBody))
	if err != nil || req.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil, false
	}
	return body, true
}
