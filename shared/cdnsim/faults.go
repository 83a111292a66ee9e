package cdnsim

import (
	"context"
	"math/rand"
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

// pause waits for the configured latency plus any fault delay; false when the caller
// went away first.
func (b *backend) pause(ctx context.Context) bool {
	d := b.sim.opts.Latency + b.faults.delay()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
