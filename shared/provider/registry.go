package provider

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credentials are explicit credentials, e.g. the FC function role's from the invocation
// context. When nil, each driver uses its SDK's default chain.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

// String never shows the secret parts, so a stray %v cannot leak them.
func (c *Credentials) String() string {
	if c == nil {
		return "<default chain>"
	}
	return "Credentials{AccessKeyID:" + redactID(c.AccessKeyID) + " AccessKeySecret:*** SecurityToken:***}"
}

// GoString keeps %#v as safe as %v.
func (c *Credentials) GoString() string { return c.String() }

func redactID(id string) string {
	if len(id) <= 4 {
		return "***"
	}
	return id[:4] + "***"
}

// Config is what a driver needs to open.
type Config struct {
	// Endpoint overrides the SDK's endpoint; a value with a scheme is used as is.
	Endpoint string
	// QPS is this instance's by-id rate when > 0 (CDNWATCH_<PROVIDER>_QPS); else the
	// documented rate divided by Instances.
	QPS float64
	// ListQPS overrides the documented listing rate limit (see Lister) when > 0.
	ListQPS float64
	// Instances is how many instances (functions, jobs, processes) poll the account at
	// once (CDNWATCH_INSTANCES; default 1); each takes an equal share of the limit.
	Instances int
	// Instance tells apart instances that share one process (tests, benchmarks): clients
	// of one process with the same provider, endpoint, key and Instance share one pacer
	// per API; a different Instance paces on its own, as another process would.
	Instance string
	// CallTimeout bounds each HTTP attempt (default DefaultCallTimeout,
	// CDNWATCH_CALL_TIMEOUT).
	CallTimeout time.Duration
	// Scope carries provider-specific settings from the Watch document (e.g. distributionId).
	Scope map[string]string
	// Credentials, when set, replace the SDK's default chain.
	Credentials *Credentials
	// HTTPClient: every driver's SDK sends its requests through it. Open replaces it with
	// a client whose transport paces, bounds and counts every attempt, on top of this
	// client's Transport (or a default one).
	HTTPClient *http.Client
	// Logger receives the client's debug logs (throttled, slowing down, recovered) and the
	// drivers' and SDKs' logs where the SDK takes a logger. Open defaults it to
	// slog.Default().
	Logger *slog.Logger
}

// Opener opens a driver.
type Opener func(ctx context.Context, cfg Config) (Driver, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Opener{}
)

// Register makes a provider available by id. Drivers call it from init.
func Register(name string, open Opener) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("provider: Register called twice for " + name)
	}
	registry[name] = open
}

// Names lists the registered provider ids, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ErrUnknownProvider is returned by Open for an id nobody registered.
type ErrUnknownProvider struct{ Name string }

func (e *ErrUnknownProvider) Error() string {
	return fmt.Sprintf("unknown provider %q (known: %s)", e.Name, strings.Join(Names(), ", "))
}

// Open opens the named provider and wraps it in a Client.
func Open(ctx context.Context, name string, cfg Config) (*Client, error) {
	regMu.RLock()
	open, ok := registry[name]
	regMu.RUnlock()
	if !ok {
		return nil, &ErrUnknownProvider{Name: name}
	}
	c, err := OpenWith(ctx, cfg, open)
	if err != nil {
		return nil, fmt.Errorf("open provider %s: %w", name, err)
	}
	return c, nil
}

// OpenWith opens a driver with open (a registered Opener, or a driver's own with test
// options) on the client's transport: cfg.HTTPClient is replaced by one that paces every
// attempt at this instance's share of each API's limit, bounds it by cfg.CallTimeout,
// counts it, and slows down on throttling. Drivers pass cfg.HTTPClient to their SDK.
func OpenWith(ctx context.Context, cfg Config, open Opener) (*Client, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	timeout := cfg.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	var base http.RoundTripper
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		base = cfg.HTTPClient.Transport
		hc.CheckRedirect, hc.Jar = cfg.HTTPClient.CheckRedirect, cfg.HTTPClient.Jar
	}
	defaultBase := base == nil
	if defaultBase {
		base = baseTransport()
	}
	// No http.Client.Timeout: it would count the wait for our own pacer; the transport
	// bounds each attempt instead.
	tr := &transport{base: base, defaultBase: defaultBase, timeout: timeout, log: cfg.Logger}
	hc.Transport = tr
	cfg.HTTPClient = hc
	var c *Client
	tr.pacers = func(api API) []*Pacer {
		if c == nil { // a driver calling out while it opens: pace at the stated rate
			return []*Pacer{NewPacer(api.Name, shareOf(api.QPS, 0, cfg.Instances), cfg.Logger)}
		}
		return c.pacersFor(api)
	}
	drv, err := open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c = newClient(drv, cfg, tr)
	return c, nil
}

// EnvPrefix is the environment prefix of a provider: "aliyun-cdn" → "CDNWATCH_ALIYUN_CDN_".
func EnvPrefix(name string) string {
	return "CDNWATCH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
}

// EnvInstances is how many instances poll one account at once; each takes an equal
// share of the account's limits. Deployment descriptors set it to the concurrency they
// allow (SQS MaximumConcurrency, FC instance concurrency).
const EnvInstances = "CDNWATCH_INSTANCES"

// EnvCallTimeout bounds each HTTP attempt to a provider (a Go duration, e.g. "10s").
const EnvCallTimeout = "CDNWATCH_CALL_TIMEOUT"

// maxInstances bounds CDNWATCH_INSTANCES: beyond it a share is too thin to be useful
// and the value is more likely a typo.
const maxInstances = 10_000

// ConfigFromEnv reads CDNWATCH_<PROVIDER>_ENDPOINT, _QPS (per instance) and _LIST_QPS,
// CDNWATCH_INSTANCES and CDNWATCH_CALL_TIMEOUT.
func ConfigFromEnv(name string, getenv func(string) string) (Config, error) {
	p := EnvPrefix(name)
	cfg := Config{Endpoint: strings.TrimSpace(getenv(p + "ENDPOINT"))}
	if v := strings.TrimSpace(getenv(EnvInstances)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxInstances {
			return cfg, fmt.Errorf("%s=%q: want a whole number of instances from 1 to %d", EnvInstances, v, maxInstances)
		}
		cfg.Instances = n
	}
	if v := strings.TrimSpace(getenv(EnvCallTimeout)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Hour {
			return cfg, fmt.Errorf("%s=%q: want a duration such as 10s (at most 1h)", EnvCallTimeout, v)
		}
		cfg.CallTimeout = d
	}
	for _, v := range []struct {
		suffix string
		dst    *float64
	}{{"QPS", &cfg.QPS}, {"LIST_QPS", &cfg.ListQPS}} {
		q := strings.TrimSpace(getenv(p + v.suffix))
		if q == "" {
			continue
		}
		f, err := strconv.ParseFloat(q, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) {
			return cfg, fmt.Errorf("%s%s=%q: want a positive number of calls per second", p, v.suffix, q)
		}
		*v.dst = f
	}
	return cfg, nil
}

// SplitEndpoint splits an endpoint override into scheme and host: "http://127.0.0.1:8080"
// → ("http", "127.0.0.1:8080"); a bare host gets "https".
func SplitEndpoint(ep string) (scheme, host string) {
	if i := strings.Index(ep, "://"); i >= 0 {
		return ep[:i], strings.TrimSuffix(ep[i+3:], "/")
	}
	return "https", strings.TrimSuffix(ep, "/")
}
