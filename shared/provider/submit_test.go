package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The sliding window never lets more than N calls arrive at the server in any window,
// even with calls in parallel and answers that take a while.
func TestSlidingWindowAtTheServer(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		time.Sleep(3 * time.Millisecond)
	}))
	defer srv.Close()
	w := NewSlidingWindow(20)
	hc := PacedClient(nil, func(*http.Request) Limiter { return w })
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 6; j++ {
				resp, err := hc.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if len(arrivals) != 48 {
		t.Fatalf("%d arrivals, want 48", len(arrivals))
	}
	for i := 20; i < len(arrivals); i++ {
		if gap := arrivals[i].Sub(arrivals[i-20]); gap <= time.Second {
			t.Fatalf("calls %d and %d arrived %v apart: 21 calls in one second", i-20, i, gap)
		}
	}
}

func TestSlidingWindowDeadline(t *testing.T) {
	w := NewSlidingWindow(0.5) // one call per 2 s
	done, err := w.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := w.Wait(ctx); err == nil || time.Since(start) > 50*time.Millisecond {
		t.Errorf("a wait past the deadline: err %v after %v; want an error at once", err, time.Since(start))
	}
}
