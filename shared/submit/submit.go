// Package submit is the portable submit routine over every provider's submit API
// (provider.Submitter): quota first, then split per the API's per-call limits, then one
// call per chunk, each paced at the API's own rate (the drivers pace every HTTP attempt,
// SDK retries included). Nothing is dropped: every URL ends up either in a task or in
// Result.Rejected with the reason.
//
// Retries never double-submit silently:
//   - a throttled call was not taken: it is sent again after a pause;
//   - an idempotent API (CloudFront: CallerReference = Request.Ref + chunk) is simply
//     called again with the same reference;
//   - otherwise a call that failed ambiguously (5xx, connection lost, timed out) may have
//     been taken. Before sending it again we ask the provider's listing API for tasks
//     created since just before the call that cover the chunk's URLs; found, their ids are
//     used; not found, the chunk is sent again (at most MaxAttempts in all). A provider
//     without a listing API gets no second call: its URLs are rejected with a reason that
//     says the outcome is unknown, so a person can check rather than purge twice.
package submit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cdnwatch/shared/internal/ctxsleep"
	"cdnwatch/shared/provider"
)

// MaxAttempts bounds the calls made for one chunk (the first included).
const MaxAttempts = 3

// MaxURLs bounds one submission.
const MaxURLs = 100000

// Request is one submission.
type Request struct {
	Kind provider.SubmitKind
	Type string // provider.TypeFile (default), TypeDirectory, TypeRegex
	URLs []string
	// Ref identifies this submission (see Ref); chunk i is sent with Ref + "-" + i.
	Ref string
	// Since, when set, asks the listing API before the first call whether tasks created
	// since then already cover the URLs: a retried function invocation whose first try
	// submitted and then died finds them and submits nothing again.
	Since time.Time
	// Scope is passed to the listing API (CloudFront distribution).
	Scope map[string]string
}

// Rejected is a URL that was not submitted, and why.
type Rejected struct {
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// Result is what a submission did.
type Result struct {
	// TaskIDs are the ids of the tasks that hold the submitted URLs, in call order.
	TaskIDs []string
	// Submitted counts the URLs in those tasks (Reused included).
	Submitted int
	// Reused counts URLs found already submitted (a retry) and not sent again.
	Reused int
	// Rejected are the URLs not submitted, each with its reason.
	Rejected []Rejected
	// Quota is the quota read before submitting.
	Quota provider.Quota
	// Calls counts submit calls, QuotaCalls quota calls, ListCalls listing calls.
	Calls, QuotaCalls, ListCalls int
	Elapsed                      time.Duration
}

// Ref derives a submission reference from what is submitted and an origin that tells
// submissions of the same URLs apart (a queue message id, a trigger time, a random nonce
// for the command): the same origin and URLs always give the same reference.
func Ref(provider string, kind provider.SubmitKind, typ string, urls []string, origin string) string {
	h := sha256.New()
	for _, s := range []string{provider, string(kind), typ, origin} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, u := range urls {
		h.Write([]byte(u))
		h.Write([]byte{'\n'})
	}
	return "cdnwatch-" + hex.EncodeToString(h.Sum(nil))[:24]
}

// Clean trims, drops empty lines and duplicates (keeping order), and refuses URLs no
// provider takes: control characters (a line feed would split one URL into two) and
// over-long paths (Aliyun: 1,024 characters).
func Clean(urls []string) ([]string, error) {
	seen := make(map[string]struct{}, len(urls))
	out := make([]string, 0, len(urls))
	for i, u := range urls {
		u = strings.TrimSpace(u)
		if u == "" || strings.HasPrefix(u, "#") {
			continue
		}
		if _, dup := seen[u]; dup {
			continue
		}
		if strings.IndexFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return nil, fmt.Errorf("url %d %.60q: control characters", i+1, u)
		}
		if len(u) > 1024 {
			return nil, fmt.Errorf("url %d %.60q...: longer than 1,024 characters", i+1, u)
		}
		// A bare path ("/img/a.png") is for APIs that take paths (CloudFront); every
		// other entry needs a host.
		if provider.Host(u) == "" && !strings.HasPrefix(u, "/") {
			return nil, fmt.Errorf("url %d %.60q: no host", i+1, u)
		}
		seen[u] = struct{}{}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, errors.New("no URLs to submit")
	}
	if len(out) > MaxURLs {
		return nil, fmt.Errorf("%d URLs is over the limit of %d per submission", len(out), MaxURLs)
	}
	return out, nil
}

// Submitter is what Submit needs: the driver's submit API and, for the retry check,
// the client's listing (nil when the provider cannot list).
type Submitter struct {
	Provider string
	API      provider.Submitter
	// List lists tasks created in q's range (provider.Client.ListTasks); nil: no listing.
	List func(ctx context.Context, q provider.ListQuery) ([]provider.Task, error)
	// Pause waits after a throttled call; nil: a timer that ends with ctx.
	Pause  func(ctx context.Context, d time.Duration) error
	Now    func() time.Time
	Logger *slog.Logger
}

// ForClient builds a Submitter over an opened client; ok is false when its driver
// cannot submit.
func ForClient(c *provider.Client, log *slog.Logger) (*Submitter, bool) {
	api, ok := c.Driver().(provider.Submitter)
	if !ok {
		return nil, false
	}
	s := &Submitter{Provider: c.Name(), API: api, Logger: log}
	if c.CanList() {
		s.List = c.ListTasks
	}
	return s, true
}

// Submit submits req: quota first (what does not fit is rejected, naming the quota and
// what remained), then chunk by chunk. An error is returned only when the provider
// refused us (auth, permissions) or ctx ended; the Result then still holds every task
// created so far and rejects the URLs not sent.
func (s *Submitter) Submit(ctx context.Context, req Request) (*Result, error) {
	start := s.now()
	res := &Result{}
	defer func() { res.Elapsed = s.now().Sub(start) }()
	if req.Type == "" {
		req.Type = provider.TypeFile
	}
	if err := provider.CheckSubmitKind(req.Kind); err != nil {
		return res, err
	}
	urls, err := Clean(req.URLs)
	if err != nil {
		return res, fmt.Errorf("submit to %s: %w", s.Provider, err)
	}
	lim, err := s.API.SubmitLimits(req.Kind, req.Type)
	if err != nil {
		return res, err
	}
	if lim.PerCall <= 0 {
		lim.PerCall = 1
	}

	// A retried submission: what the first try already got through is not sent again.
	if !req.Since.IsZero() && s.List != nil {
		found, calls, err := s.taken(ctx, req, urls, req.Since)
		res.ListCalls += calls
		if err != nil {
			s.log().WarnContext(ctx, "could not ask the listing API whether a retried submission went through; "+
				"submitting", "provider", s.Provider, "err", err.Error())
		}
		if len(found) > 0 {
			var rest []string
			for _, u := range urls {
				if id, ok := found[u]; ok {
					res.TaskIDs = appendNew(res.TaskIDs, id)
					res.Reused++
					res.Submitted++
				} else {
					rest = append(rest, u)
				}
			}
			s.log().InfoContext(ctx, "retried submission: URLs already submitted are not sent again",
				"provider", s.Provider, "found", res.Reused, "left", len(rest))
			urls = rest
		}
	}
	if len(urls) == 0 {
		return res, nil
	}

	q, err := s.API.Quota(ctx, req.Kind, req.Type)
	res.QuotaCalls++
	if err != nil {
		if provider.Refused(err) || ctx.Err() != nil {
			return res, s.rejectAll(res, urls, fmt.Errorf("quota check: %w", err))
		}
		// Without the quota we still submit: the submit API refuses what is over it.
		s.log().WarnContext(ctx, "quota check failed; submitting anyway", "provider", s.Provider, "err", err.Error())
		q = provider.Quota{Remaining: -1}
	}
	res.Quota = q
	if q.PerCall > 0 {
		lim.PerCall = q.PerCall
	}
	if q.Known() && q.Remaining < len(urls) {
		reason := fmt.Sprintf("not submitted: the %s had %d left for %d URLs", q.Name, q.Remaining, len(urls))
		for _, u := range urls[q.Remaining:] {
			res.Rejected = append(res.Rejected, Rejected{URL: u, Reason: reason})
		}
		urls = urls[:q.Remaining]
	}

	chunks := Split(urls, lim)
	for i, c := range chunks {
		ids, calls, err := s.sendChunk(ctx, req, lim, c, fmt.Sprintf("%s-%d", req.Ref, i))
		res.Calls += calls.submit
		res.ListCalls += calls.list
		if err == nil {
			for _, id := range ids {
				res.TaskIDs = appendNew(res.TaskIDs, id)
			}
			res.Submitted += len(c)
			continue
		}
		if provider.Refused(err) || ctx.Err() != nil {
			var rest []string
			for _, cc := range chunks[i:] {
				rest = append(rest, cc...)
			}
			return res, s.rejectAll(res, rest, err)
		}
		if errors.Is(err, provider.ErrQuotaExceeded) {
			// The quota ran out under us (another submitter): nothing later fits either.
			for _, cc := range chunks[i:] {
				for _, u := range cc {
					res.Rejected = append(res.Rejected, Rejected{URL: u, Reason: "not submitted: " + err.Error()})
				}
			}
			break
		}
		for _, u := range c {
			res.Rejected = append(res.Rejected, Rejected{URL: u, Reason: "not submitted: " + err.Error()})
		}
	}
	return res, nil
}

type callCounts struct{ submit, list int }

// sendChunk makes the calls for one chunk (see the package comment for the retry rules).
func (s *Submitter) sendChunk(ctx context.Context, req Request, lim provider.SubmitLimits, urls []string, ref string) ([]string, callCounts, error) {
	var n callCounts
	var last error
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		before := s.now()
		n.submit++
		ids, err := s.API.Submit(ctx, provider.SubmitRequest{Kind: req.Kind, Type: req.Type, URLs: urls, Ref: ref})
		if err == nil {
			return splitIDs(ids), n, nil
		}
		last = err
		switch kind := provider.KindOf(err); {
		case ctx.Err() != nil, provider.Refused(err), errors.Is(err, provider.ErrQuotaExceeded):
			return nil, n, err
		case kind == provider.KindThrottled:
			// Not taken: pause and send again.
			if perr := s.pause(ctx, time.Duration(attempt)*time.Second); perr != nil {
				return nil, n, err
			}
			continue
		case kind == provider.KindBadRequest:
			return nil, n, err
		}
		// Ambiguous: the call may have been taken.
		if lim.Idempotent {
			continue
		}
		if s.List == nil {
			return nil, n, fmt.Errorf("outcome unknown (%v); not sent again, to avoid submitting twice: "+
				"check the provider's console", err)
		}
		found, calls, lerr := s.taken(ctx, req, urls, before)
		n.list += calls
		if lerr != nil {
			return nil, n, fmt.Errorf("outcome unknown (%v), and the listing could not tell (%v); not sent again, "+
				"to avoid submitting twice", err, lerr)
		}
		if len(found) == len(urls) {
			var out []string
			for _, u := range urls {
				out = appendNew(out, found[u])
			}
			s.log().InfoContext(ctx, "a submit call failed but the provider had taken it", "provider", s.Provider,
				"urls", len(urls), "tasks", out)
			return out, n, nil
		}
		s.log().WarnContext(ctx, "a submit call failed and the provider has not taken it; sending again",
			"provider", s.Provider, "urls", len(urls), "attempt", attempt, "err", err.Error())
	}
	return nil, n, fmt.Errorf("%d attempts failed: %w", MaxAttempts, last)
}

// taken lists the tasks created since (less a minute of clock skew) on the URLs' hosts
// and maps each URL of urls that one of them holds to its task id.
func (s *Submitter) taken(ctx context.Context, req Request, urls []string, since time.Time) (map[string]string, int, error) {
	var hosts []string
	want := make(map[string]struct{}, len(urls))
	for _, u := range urls {
		want[normalURL(u)] = struct{}{}
		hosts = appendNew(hosts, provider.Host(u))
	}
	q := provider.ListQuery{From: since.Add(-time.Minute), To: s.now().Add(time.Minute), Domains: hosts, Scope: req.Scope}
	tasks, err := s.List(ctx, q)
	if err != nil {
		return nil, 1, err
	}
	found := map[string]string{}
	for _, t := range tasks {
		for _, o := range t.Objects {
			if _, ok := want[normalURL(o.Path)]; ok && sameKind(req, o.Type) {
				found[o.Path] = t.ID
			}
		}
	}
	// Map back to the URLs as the caller wrote them.
	out := make(map[string]string, len(found))
	byNorm := make(map[string]string, len(found))
	for p, id := range found {
		byNorm[normalURL(p)] = id
	}
	for _, u := range urls {
		if id, ok := byNorm[normalURL(u)]; ok {
			out[u] = id
		}
	}
	return out, 1, nil
}

// sameKind tells a listed object of the same kind: a prefetch lists as "preload" (Aliyun)
// or "prefetch"; anything else is a refresh.
func sameKind(req Request, typ string) bool {
	t := strings.ToLower(typ)
	pre := strings.Contains(t, "preload") || strings.Contains(t, "prefetch") || strings.Contains(t, "push")
	return pre == (req.Kind == provider.Prefetch)
}

// normalURL compares URLs without scheme and case of the host, as listings echo them.
func normalURL(u string) string {
	u = strings.TrimSpace(u)
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	host, path, _ := strings.Cut(u, "/")
	return strings.ToLower(host) + "/" + path
}

func (s *Submitter) rejectAll(res *Result, urls []string, err error) error {
	for _, u := range urls {
		res.Rejected = append(res.Rejected, Rejected{URL: u, Reason: "not submitted: " + err.Error()})
	}
	return err
}

// Split cuts urls into calls that keep lim: at most PerCall each; one host per call when
// the API wants it; at most DomainsPerCall distinct hosts. URLs are grouped by host
// (hosts in first-seen order, URLs in their order within a host), so a list that
// interleaves many hosts still packs into full calls.
func Split(urls []string, lim provider.SubmitLimits) [][]string {
	per := max(lim.PerCall, 1)
	idx := map[string]int{}
	var groups [][]string
	for _, u := range urls {
		h := provider.Host(u)
		i, ok := idx[h]
		if !ok {
			i = len(groups)
			idx[h] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], u)
	}
	var out [][]string
	var cur []string
	hosts := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, hosts = nil, 0
	}
	for _, g := range groups {
		if lim.OneDomainPerCall || (lim.DomainsPerCall > 0 && hosts == lim.DomainsPerCall) {
			flush()
		}
		hosts++
		for _, u := range g {
			if len(cur) == per {
				flush()
				hosts = 1
			}
			cur = append(cur, u)
		}
	}
	flush()
	return out
}

func splitIDs(ids []string) []string {
	var out []string
	for _, s := range ids {
		for id := range strings.SplitSeq(s, ",") {
			if id = strings.TrimSpace(id); id != "" {
				out = appendNew(out, id)
			}
		}
	}
	return out
}

func appendNew(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func (s *Submitter) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Submitter) pause(ctx context.Context, d time.Duration) error {
	if s.Pause != nil {
		return s.Pause(ctx, d)
	}
	return ctxsleep.Sleep(ctx, d)
}

func (s *Submitter) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
