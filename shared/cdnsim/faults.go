package cdnsim

import (
	"bytes"
	"context"
	"math/rand"
	"net/http"
	"sync"
	"time"
)

// Faults is a fault plan for one provider. Counted faults hit the next calls in order
// (throttles first); rates hit any call at random, for benchmarks. Faults come before
// authentication, as a gateway in front of the API would answer.
type Faults struct {
	// Throttle: the next N calls answer HTTP 429 (the provider's throttling code).
	Throttle int
	// Fail5xx: the next N calls answer HTTP 503 (the provider's unavailable code).
	Fail5xx int
	// Delay is added to every call while the plan is in force.
	Delay time.Duration
	// ThrottleRate and Fail5xxRate (0–1) throttle or fail that fraction of calls at random.
	ThrottleRate float64
	Fail5xxRate  float64
	// Seed seeds the random faults; 0 means 1, so runs repeat.
	Seed int64
}

type fault int

const (
	faultNone fault = iota
	faultThrottle
	fault5xx
)

type faultPlan struct {
	mu  sync.Mutex
	f   Faults
	rnd *rand.Rand
}

func (p *faultPlan) set(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.f = f
	seed := f.Seed
	if seed == 0 {
		seed = 1
	}
	p.rnd = rand.New(rand.NewSource(seed))
}

// next decides the fault for one call and consumes a counted one.
func (p *faultPlan) next() fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.f.Throttle > 0:
		p.f.Throttle--
		return faultThrottle
	case p.f.Fail5xx > 0:
		p.f.Fail5xx--
		return fault5xx
	}
	if p.rnd == nil || (p.f.ThrottleRate <= 0 && p.f.Fail5xxRate <= 0) {
		return faultNone
	}
	x := p.rnd.Float64()
	switch {
	case x < p.f.ThrottleRate:
		return faultThrottle
	case x < p.f.ThrottleRate+p.f.Fail5xxRate:
		return fault5xx
	}
	return faultNone
}

func (p *faultPlan) delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.f.Delay
}

// pause is called by each API handler before it answers; the latency itself is added
// around the handler (see timed), so pause only reports whether the caller is still
// there.
func (b *backend) pause(ctx context.Context) bool { return ctx.Err() == nil }

// timed wraps a provider's handler with the simulated network: the request leg
// (ArrivalJitter, stalls) before the call is counted, the answer time (Latency, Jitter, the
// tail, and a fault plan's Delay) after it. The answer is held back whole and written
// when its time has come, as a slow server's would be.
func (b *backend) timed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if d := b.sim.arrivalDelay(); d > 0 && !sleepCtx(ctx, d) {
			return
		}
		if b.sim.opts.Record {
			b.mu.Lock()
			b.arrivals = append(b.arrivals, time.Now())
			b.mu.Unlock()
		}
		start := time.Now()
		rec := &heldResponse{header: http.Header{}}
		h.ServeHTTP(rec, r)
		d := b.sim.answerDelay() + b.faults.delay() - time.Since(start)
		if d > 0 && !sleepCtx(ctx, d) {
			return // the client went away
		}
		rec.writeTo(w)
	})
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// answerDelay draws one answer time from the latency model.
func (s *Sim) answerDelay() time.Duration {
	o := s.opts
	if o.Latency <= 0 && o.Jitter <= 0 && (o.TailRate <= 0 || o.TailLatency <= 0) {
		return 0
	}
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	d := o.Latency
	if o.Jitter > 0 {
		d += time.Duration((2*s.rnd.Float64() - 1) * float64(o.Jitter))
	}
	if o.TailRate > 0 && o.TailLatency > 0 && s.rnd.Float64() < o.TailRate {
		d += time.Duration(s.rnd.ExpFloat64() * float64(o.TailLatency))
	}
	return max(d, 0)
}

// arrivalDelay draws the request leg: the arrival jitter, and now and then a stall.
func (s *Sim) arrivalDelay() time.Duration {
	o := s.opts
	stalls := o.StallRate > 0 && o.StallMax > 0
	if o.ArrivalJitter <= 0 && !stalls {
		return 0
	}
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	var d time.Duration
	if o.ArrivalJitter > 0 {
		d = time.Duration(s.rnd.Int63n(int64(o.ArrivalJitter)))
	}
	if stalls && s.rnd.Float64() < o.StallRate {
		d += time.Duration(s.rnd.Int63n(int64(o.StallMax)))
	}
	return d
}

// heldResponse buffers an answer until its time has come.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(p []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(p)
}

func (h *heldResponse) writeTo(w http.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}
