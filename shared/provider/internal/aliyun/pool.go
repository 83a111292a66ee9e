package aliyun

import "sync"

// Pool hands out SDK clients one call at a time. The darabonba OpenAPI client is not
// safe for concurrent calls (every RPC call writes client.Headers in GetRpcHeaders), and
// Init writes to the shared Config, while the portable client runs many calls at once.
// Clients are cheap to build (no network), so each concurrent call gets its own.
type Pool[C any] struct {
	mu    sync.Mutex
	build func() (C, error)
	free  []C
}

// NewPool returns a pool that builds clients with build, called under the pool's lock.
func NewPool[C any](build func() (C, error)) *Pool[C] { return &Pool[C]{build: build} }

// Get returns an idle client or builds one.
func (p *Pool[C]) Get() (C, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		return c, nil
	}
	return p.build()
}

// Put returns a client after its call.
func (p *Pool[C]) Put(c C) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, c)
}
