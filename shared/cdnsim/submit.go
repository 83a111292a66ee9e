package cdnsim

import (
	"strings"
	"sync"
	"time"
)

// The submit side of the simulator, provider-neutral: daily quotas (settable), each
// submit and quota API's own strict rate limit, the life submitted objects get, and a
// fault that takes a call and then loses its answer (for the never-twice tests). Each
// provider's *_submit.go speaks its wire format on top of this.

// Submit kinds as the quota store names them.
const (
	KindRefresh   = "refresh"   // file refresh (URLs)
	KindDirectory = "directory" // directory refresh
	KindRegex     = "regex"     // regular-expression refresh
	KindPrefetch  = "prefetch"
)

// SubmitLife scripts a submitted object: kind is KindRefresh/KindDirectory/KindRegex/
// KindPrefetch. The default completes refreshes after 1 s pending and 3 s of progress and
// prefetches after 1 s + 5 s; a URL whose path contains "/fail" fails with
// "Origin Return StatusCode 5XX" (prefetch) or "Internal Error" (refresh), so failed
// objects can be shown end to end.
type SubmitLife func(url, kind string) Object

func defaultLife(url, kind string) Object {
	o := Object{Path: url, Type: TypeFile, PendingFor: time.Second, Duration: 3 * time.Second}
	switch kind {
	case KindDirectory:
		o.Type = TypeDirectory
	case KindRegex:
		o.Type = "regex"
	case KindPrefetch:
		o.Type, o.Duration = TypePreload, 5*time.Second
	}
	if strings.Contains(url, "/fail") {
		o.FailReason = "Internal Error"
		if kind == KindPrefetch {
			o.FailReason = "Origin Return StatusCode 5XX"
		}
	}
	return o
}

// submitState is one backend's submit-side state.
type submitState struct {
	mu sync.Mutex
	// quota is what remains per kind; a kind absent uses the provider's documented default.
	quota    map[string]int
	life     SubmitLife
	loseNext int // the next N submit calls are carried out, then answered as a 5xx
	calls    map[string]int64
	urls     int64
	maxURLs  int
	// refs are the idempotency keys seen (CloudFront CallerReference) → task id and the
	// request they came with.
	refs map[string][2]string
}

func (s *submitState) init() {
	if s.quota == nil {
		s.quota = map[string]int{}
		s.calls = map[string]int64{}
	}
}

// SetQuota sets what remains of a provider's daily quota of kind (KindRefresh, ...).
func (s *Sim) SetQuota(provider, kind string, remaining int) {
	st := &s.backend(provider).submit
	st.mu.Lock()
	defer st.mu.Unlock()
	st.init()
	st.quota[kind] = remaining
}

// Quota is what remains of a provider's daily quota of kind; def is the documented
// default, used while nothing was taken or set.
func (b *backend) quotaLeft(kind string, def int) int {
	st := &b.submit
	st.mu.Lock()
	defer st.mu.Unlock()
	st.init()
	if v, ok := st.quota[kind]; ok {
		return v
	}
	return def
}

// takeQuota takes n from kind's quota; false (nothing taken) when fewer remain.
func (b *backend) takeQuota(kind string, def, n int) (left int, ok bool) {
	st := &b.submit
	st.mu.Lock()
	defer st.mu.Unlock()
	st.init()
	v, set := st.quota[kind]
	if !set {
		v = def
	}
	if n > v {
		return v, false
	}
	st.quota[kind] = v - n
	return v - n, true
}

// SetSubmitLife replaces how submitted objects progress (nil: the default).
func (s *Sim) SetSubmitLife(provider string, life SubmitLife) {
	st := &s.backend(provider).submit
	st.mu.Lock()
	defer st.mu.Unlock()
	st.life = life
}

// LoseSubmitAnswers makes the next n submit calls of a provider create their tasks and
// then answer as if the server failed (5xx): the ambiguous case a client must not
// resolve by submitting again blindly.
func (s *Sim) LoseSubmitAnswers(provider string, n int) {
	st := &s.backend(provider).submit
	st.mu.Lock()
	defer st.mu.Unlock()
	st.loseNext = n
}

// SubmitStats counts a provider's submit-side calls.
type SubmitStats struct {
	// Calls counts answered calls per API action (refusals included).
	Calls map[string]int64
	// URLs counts the URLs (directories, expressions) taken into tasks.
	URLs int64
	// MaxURLsPerCall is the most one accepted call carried.
	MaxURLsPerCall int
}

// SubmitStats returns the provider's submit counters.
func (s *Sim) SubmitStats(provider string) SubmitStats {
	st := &s.backend(provider).submit
	st.mu.Lock()
	defer st.mu.Unlock()
	st.init()
	out := SubmitStats{Calls: map[string]int64{}, URLs: st.urls, MaxURLsPerCall: st.maxURLs}
	for k, v := range st.calls {
		out.Calls[k] = v
	}
	return out
}

// submitCalled counts one call of action.
func (b *backend) submitCalled(action string) {
	st := &b.submit
	st.mu.Lock()
	defer st.mu.Unlock()
	st.init()
	st.calls[action]++
}

// allowSubmit counts one call of a submit or quota API against its own strict
// sliding-window limit per access key (limiter.go; the rate each provider file declares
// with registerAPI).
func (b *backend) allowSubmit(action, keyID string) bool { return b.admit(keyID, action) }

// loseAnswer reports whether this accepted call's answer is to be lost.
func (b *backend) loseAnswer() bool {
	st := &b.submit
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.loseNext > 0 {
		st.loseNext--
		return true
	}
	return false
}

// createTasks stores one task per group of URLs (kind names their life) and returns the
// ids in order; scope places them (CloudFront).
func (b *backend) createTasks(groups [][]string, kind string, scope map[string]string) []string {
	st := &b.submit
	st.mu.Lock()
	life := st.life
	if life == nil {
		life = defaultLife
	}
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	st.init()
	st.urls += int64(n)
	st.maxURLs = max(st.maxURLs, n)
	st.mu.Unlock()
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		t := Task{Scope: scope}
		for _, u := range g {
			t.Objects = append(t.Objects, life(u, kind))
		}
		ids = append(ids, b.sim.AddTask(b.prof.name, t))
	}
	return ids
}

// hostOf is the lower-cased host of a submitted URL, with or without a scheme.
func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	return strings.ToLower(u)
}

// byHost groups urls by host, keeping first-seen order.
func byHost(urls []string) [][]string {
	idx := map[string]int{}
	var out [][]string
	for _, u := range urls {
		h := hostOf(u)
		i, ok := idx[h]
		if !ok {
			i = len(out)
			idx[h] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], u)
	}
	return out
}
