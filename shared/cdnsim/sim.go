// Package cdnsim is a CDN simulator: refresh and prefetch tasks that progress over time,
// served over HTTP in each provider's real wire format, with each provider's documented
// limits (ids per call, calls per second, retention) and injectable faults.
//
// The core (this file, task.go, faults.go, stats.go, populate.go) knows nothing about any
// provider's wire format. Each provider is one file that registers a profile: its id, its
// documented limits, how its task ids look, and an http.Handler factory that speaks its API
// (see aliyun_cdn.go). Adding a provider means adding one such file.
//
// Tests, benchmarks and `cdnwatch demo` / `cdnwatch sim` run against it.
package cdnsim

import (
	"fmt"
	"log/slog"
	"maps"
	"math/rand"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Limits are a provider's documented bounds, enforced by the simulator.
type Limits struct {
	// IDsPerCall is how many task ids one query may carry.
	IDsPerCall int
	// QPS is the calls per second allowed per access key for the by-id query: at most
	// ⌊QPS⌋ accepted calls in any sliding one-second window (see Options.TokenBucket).
	QPS float64
	// Retention is how long after creation a task can still be queried; 0 means the
	// provider documents no limit and tasks never expire.
	Retention time.Duration
	// ListQPS is the calls per second of the listing API (its own bucket: providers
	// count listing apart from query-by-id); 0 for a provider without listing.
	ListQPS float64
	// PageSize is the most rows one listing call may ask for.
	PageSize int
	// APIs are the rates of further APIs (submit, quota), by the name their handler
	// counts them under (see registerAPI); each is counted apart, per access key.
	APIs map[string]float64
}

// Options configure a simulator.
type Options struct {
	// Now is the clock that drives task progress and retention. Default time.Now.
	// Signature timestamps and the rate limit always use the wall clock, because the
	// client signs and paces itself with the wall clock.
	Now func() time.Time
	// AccessKeyID and AccessKeySecret are the one key pair the simulator accepts.
	AccessKeyID     string
	AccessKeySecret string
	// SecurityToken, when set, must accompany the key pair (STS credentials).
	SecurityToken string
	// Latency is the answer time of every call (after the call is counted), to make
	// benchmarks realistic. Jitter spreads it uniformly over Latency ± Jitter; with
	// probability TailRate an answer is slow, taking an exponentially distributed
	// TailLatency (mean) more: a heavy tail.
	Latency, Jitter time.Duration
	TailRate        float64
	TailLatency     time.Duration
	// ArrivalJitter delays each request by a uniform [0, ArrivalJitter) before it is
	// counted: the jitter of the network on the way in, which a client's pacing must
	// absorb. Default 0.
	ArrivalJitter time.Duration
	// With probability StallRate a request stalls a uniform [0, StallMax) more before it
	// is counted: a front end or a machine that stops for a moment (a GC pause, a busy
	// core, a connection being set up) and then lets a stalled call arrive next to the
	// calls sent after it. Default 0.
	StallRate float64
	StallMax  time.Duration
	// Seed seeds the latency draws; 0 means 1, so runs repeat.
	Seed int64
	// TokenBucket counts rate limits with a lenient token bucket (burst = QPS) instead
	// of the strict sliding window every provider's gateway uses. For comparison only.
	TokenBucket bool
	// Record keeps every request's arrival time and every rate-limit decision (see
	// Sim.Arrivals and Sim.Calls), for tests that check the client's pacing.
	Record bool
	// Limits overrides the documented limits per provider id; zero fields keep the
	// documented value.
	Limits map[string]Limits
	Logger *slog.Logger
}

// Sim is a simulator holding one task store per provider. It is safe for concurrent use.
type Sim struct {
	opts     Options
	log      *slog.Logger
	backends map[string]*backend

	rndMu sync.Mutex
	rnd   *rand.Rand // latency draws
}

// New returns a simulator serving every registered provider.
func New(opts Options) *Sim {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	s := &Sim{opts: opts, log: opts.Logger, backends: make(map[string]*backend), rnd: rand.New(rand.NewSource(seed))}
	for name, p := range profiles {
		lim := p.limits
		if apis := registeredAPIs(name); len(apis) > 0 {
			lim.APIs = mergeAPIs(apis, lim.APIs)
		}
		if o, ok := opts.Limits[name]; ok {
			lim = mergeLimits(lim, o)
		}
		b := &backend{
			sim:      s,
			prof:     p,
			log:      opts.Logger.With("provider", name),
			limits:   lim,
			tasks:    make(map[string]Task),
			limiters: make(map[limiterKey]admitter),
			nonces:   newNonceCache(15 * time.Minute),
			seq:      p.firstID,
		}
		b.handler = b.timed(p.handler(b))
		s.backends[name] = b
	}
	return s
}

// Providers lists the provider ids the simulator speaks, sorted.
func (s *Sim) Providers() []string {
	out := make([]string, 0, len(s.backends))
	for n := range s.backends {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Now is the simulator's task clock.
func (s *Sim) Now() time.Time { return s.opts.Now() }

// Handler serves the provider's API. It panics for a provider the simulator does not
// speak (check Providers first when the id comes from a user).
func (s *Sim) Handler(provider string) http.Handler { return s.backend(provider).handler }

// AddTask stores a task and returns its id. An empty ID gets a fresh id in the provider's
// format; a zero Created means now.
func (s *Sim) AddTask(provider string, t Task) string {
	b := s.backend(provider)
	if t.Created.IsZero() {
		t.Created = s.Now()
	}
	t.Objects = append([]Object(nil), t.Objects...)
	t.Scope = maps.Clone(t.Scope)
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.ID == "" {
		t.ID = b.nextIDLocked(t)
	}
	b.tasks[t.ID] = t
	return t.ID
}

// Task returns a stored task as it was added.
func (s *Sim) Task(provider, id string) (Task, bool) {
	b := s.backend(provider)
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.tasks[id]
	t.Objects = append([]Object(nil), t.Objects...)
	return t, ok
}

// Limits are the limits the simulator enforces for provider.
func (s *Sim) Limits(provider string) Limits {
	b := s.backend(provider)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limits
}

// SetLimits changes the enforced limits; zero fields keep the current value. Rate
// limits restart with empty windows (full buckets).
func (s *Sim) SetLimits(provider string, l Limits) {
	b := s.backend(provider)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limits = mergeLimits(b.limits, l)
	b.limiters = make(map[limiterKey]admitter)
}

// SetFaults replaces the provider's fault plan (see Faults).
func (s *Sim) SetFaults(provider string, f Faults) { s.backend(provider).faults.set(f) }

// Stats returns the provider's counters so far.
func (s *Sim) Stats(provider string) Stats { return s.backend(provider).stats.snapshot() }

// ResetStats zeroes the provider's counters.
func (s *Sim) ResetStats(provider string) { s.backend(provider).stats.reset() }

func (s *Sim) backend(provider string) *backend {
	b, ok := s.backends[provider]
	if !ok {
		panic(fmt.Sprintf("cdnsim: unknown provider %q (known: %v)", provider, s.Providers()))
	}
	return b
}

func mergeLimits(base, o Limits) Limits {
	if o.IDsPerCall > 0 {
		base.IDsPerCall = o.IDsPerCall
	}
	if o.QPS > 0 {
		base.QPS = o.QPS
	}
	if o.Retention > 0 {
		base.Retention = o.Retention
	}
	if o.ListQPS > 0 {
		base.ListQPS = o.ListQPS
	}
	if o.PageSize > 0 {
		base.PageSize = o.PageSize
	}
	if len(o.APIs) > 0 {
		base.APIs = mergeAPIs(base.APIs, o.APIs)
	}
	return base
}

func mergeAPIs(base, o map[string]float64) map[string]float64 {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]float64{}
	}
	for k, v := range o {
		if v > 0 {
			out[k] = v
		}
	}
	return out
}

// profile is what a provider file registers.
type profile struct {
	name    string
	limits  Limits
	firstID int64
	// formatID turns a sequence number into an id in the provider's format.
	formatID func(seq int64) string
	// formatTaskID, when set, replaces formatID for providers whose ids depend on the
	// task (Volcengine CDN: "refresh_url_…" or "prefetch_url_…").
	formatTaskID func(seq int64, t Task) string
	// handler builds the provider's wire-format handler on top of the core.
	handler func(b *backend) http.Handler
}

var profiles = map[string]profile{}

// register is called from each provider file's init.
func register(p profile) {
	if _, dup := profiles[p.name]; dup {
		panic("cdnsim: provider registered twice: " + p.name)
	}
	profiles[p.name] = p
}

// backend is one provider's state: tasks, limits, rate limiters, faults and counters.
// Wire handlers use its methods and never touch another provider's state.
type backend struct {
	sim     *Sim
	prof    profile
	log     *slog.Logger
	handler http.Handler
	stats   counters
	faults  faultPlan
	nonces  *nonceCache
	submit  submitState // submit.go

	mu     sync.Mutex
	limits Limits
	tasks  map[string]Task
	seq    int64
	// limiters count each API's calls per access key id (limiter.go).
	limiters map[limiterKey]admitter
	// calls and arrivals are kept when Options.Record is set.
	calls    []Call
	arrivals []time.Time
}

func (b *backend) nextIDLocked(t Task) string {
	for {
		b.seq++
		var id string
		if b.prof.formatTaskID != nil {
			id = b.prof.formatTaskID(b.seq, t)
		} else {
			id = b.prof.formatID(b.seq)
		}
		if _, taken := b.tasks[id]; !taken {
			return id
		}
	}
}

func (b *backend) currentLimits() Limits {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limits
}

// allow counts one by-id query call of the access key (see admit).
func (b *backend) allow(keyID string) bool { return b.admit(keyID, APIQuery) }

// allowList counts one listing call: the listing API's own limit (Limits.ListQPS).
func (b *backend) allowList(keyID string) bool { return b.admit(keyID, APIList) }

// lookup returns the stored tasks for ids, in request order, leaving out ids the provider
// would not return: unknown, or created more than Retention before now.
func (b *backend) lookup(ids []string, now time.Time) []Task {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Retention 0: the provider documents none (CloudFront), so tasks never expire here.
	expires := b.limits.Retention > 0
	oldest := now.Add(-b.limits.Retention)
	out := make([]Task, 0, len(ids))
	for _, id := range ids {
		t, ok := b.tasks[id]
		if !ok || (expires && t.Created.Before(oldest)) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// credentials answers for the one configured key pair.
func (b *backend) credentials(keyID string) (secret, token string, ok bool) {
	o := b.sim.opts
	if keyID == "" || keyID != o.AccessKeyID {
		return "", "", false
	}
	return o.AccessKeySecret, o.SecurityToken, true
}
