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
	// QPS overrides the documented rate limit when > 0.
	QPS float64
	// ListQPS overrides the documented listing rate limit (see Lister) when > 0.
	ListQPS float64
	// Scope carries provider-specific settings from the Watch document (e.g. distributionId).
	Scope map[string]string
	// Credentials, when set, replace the SDK's default chain.
	Credentials *Credentials
	// HTTPClient, when set, is used by SDKs that accept one.
	HTTPClient *http.Client
	Logger     *slog.Logger
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	drv, err := open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open provider %s: %w", name, err)
	}
	c := NewClient(drv, cfg.QPS)
	c.SetListQPS(cfg.ListQPS)
	return c, nil
}

// EnvPrefix is the environment prefix of a provider: "aliyun-cdn" → "CDNWATCH_ALIYUN_CDN_".
func EnvPrefix(name string) string {
	return "CDNWATCH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
}

// ConfigFromEnv reads CDNWATCH_<PROVIDER>_ENDPOINT, _QPS and _LIST_QPS.
func ConfigFromEnv(name string, getenv func(string) string) (Config, error) {
	p := EnvPrefix(name)
	cfg := Config{Endpoint: strings.TrimSpace(getenv(p + "ENDPOINT"))}
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
