package cdnsim

import (
	"math/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Property: whatever the arrival pattern, the strict limiter never accepts more than n
// calls in any sliding window, and it refuses a call only when accepting it would break
// that (so a client at the limit is not refused early).
func TestWindowLimiterProperty(t *testing.T) {
	rnd := rand.New(rand.NewSource(42))
	for trial := 0; trial < 200; trial++ {
		qps := []float64{0.5, 1, 5, 20, 30, 37.5}[rnd.Intn(6)]
		l := newWindowLimiter(qps)
		now := time.Unix(1_700_000_000, 0)
		var accepted []time.Time
		for i := 0; i < 400; i++ {
			// bursts and gaps: mostly tight spacing, sometimes a pause
			gap := time.Duration(rnd.ExpFloat64() * float64(time.Second) / (qps * 1.5))
			if rnd.Intn(20) == 0 {
				gap += time.Duration(rnd.Intn(1500)) * time.Millisecond
			}
			now = now.Add(gap)
			inWindow := 0
			for _, a := range accepted {
				if now.Sub(a) < l.w {
					inWindow++
				}
			}
			ok := l.allow(now)
			if ok {
				accepted = append(accepted, now)
			}
			if !ok && inWindow < l.n {
				t.Fatalf("qps %v: refused with %d of %d in the window", qps, inWindow, l.n)
			}
		}
		if got := MaxInWindow(accepted, l.w); got > l.n {
			t.Fatalf("qps %v: %d accepted in one window of %v, limit %d", qps, got, l.w, l.n)
		}
	}
}

func TestMaxInWindow(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(ms ...int) []time.Time {
		var out []time.Time
		for _, m := range ms {
			out = append(out, t0.Add(time.Duration(m)*time.Millisecond))
		}
		return out
	}
	for _, tc := range []struct {
		times []time.Time
		want  int
	}{
		{nil, 0},
		{at(0), 1},
		{at(0, 999), 2},
		{at(0, 1000), 1}, // [t, t+1s) is half-open
		{at(1500, 0, 400, 900, 1300), 3},
		{at(1500, 0, 400, 900, 1300, 950), 4},
	} {
		if got := MaxInWindow(tc.times, time.Second); got != tc.want {
			t.Errorf("MaxInWindow(%v) = %d, want %d", tc.times, got, tc.want)
		}
	}
}

func TestAnswerDelayDistribution(t *testing.T) {
	s := New(Options{Latency: 100 * time.Millisecond, Jitter: 20 * time.Millisecond, TailRate: 0.1, TailLatency: time.Second})
	var sum time.Duration
	slow := 0
	n := 5000
	for i := 0; i < n; i++ {
		d := s.answerDelay()
		if d < 80*time.Millisecond {
			t.Fatalf("delay %v below latency - jitter", d)
		}
		if d > 120*time.Millisecond {
			slow++
		}
		sum += d
	}
	mean := sum / time.Duration(n)
	// 100 ms + 10% × 1 s = 200 ms on average.
	if mean < 170*time.Millisecond || mean > 230*time.Millisecond || slow < n/20 || slow > n/6 {
		t.Errorf("mean %v, %d of %d slow; want about 200 ms and 10%% slow", mean, slow, n)
	}
}

// The answer time comes after the call is counted; the arrival jitter before it.
func TestTimedCountsBeforeTheAnswerTime(t *testing.T) {
	s := New(Options{Latency: 200 * time.Millisecond, ArrivalJitter: 20 * time.Millisecond, Record: true})
	b := s.backend("aliyun-cdn")
	var counted time.Time
	h := b.timed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counted = time.Now()
		w.Header().Set("X-Test", "1")
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("body"))
	}))
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	total := time.Since(start)
	if d := counted.Sub(start); d > 50*time.Millisecond {
		t.Errorf("counted %v after arrival; want within the 20 ms arrival jitter", d)
	}
	if total < 200*time.Millisecond {
		t.Errorf("answered after %v, want at least the 200 ms latency", total)
	}
	if rec.Code != http.StatusTeapot || rec.Body.String() != "body" || rec.Header().Get("X-Test") != "1" {
		t.Errorf("held answer %d %q %v, want the handler's", rec.Code, rec.Body.String(), rec.Header())
	}
	if got := len(s.Arrivals("aliyun-cdn")); got != 1 {
		t.Errorf("%d arrivals recorded, want 1", got)
	}
}

// Strict by default, per access key and per API; the token bucket only when asked.
func TestAdmitPerKeyAndAPI(t *testing.T) {
	registerAPI("aliyun-cdn", "test-submit", 2)
	s := New(Options{Record: true})
	b := s.backend("aliyun-cdn")
	count := func(key, api string, n int) (ok int) {
		for range n {
			if b.admit(key, api) {
				ok++
			}
		}
		return ok
	}
	if got := count("k1", APIQuery, 40); got != 30 {
		t.Errorf("key 1 query: %d of 40 accepted at once, want 30", got)
	}
	if got := count("k2", APIQuery, 40); got != 30 {
		t.Errorf("key 2 query: %d accepted, want its own 30", got)
	}
	if got := count("k1", APIList, 10); got != 5 {
		t.Errorf("key 1 list: %d accepted, want the listing's own 5", got)
	}
	if got := count("k1", "test-submit", 5); got != 2 {
		t.Errorf("key 1 registered API: %d accepted, want its 2", got)
	}
	calls := s.Calls("aliyun-cdn")
	if len(calls) != 95 || MaxInWindow(AcceptedTimes(calls, APIQuery), time.Second) != 60 {
		t.Errorf("%d calls recorded", len(calls))
	}
}
