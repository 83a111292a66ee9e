// Package volc is the plumbing the Volcengine drivers (volc-mcdn, volc-cdn) share on top
// of the official SDK github.com/volcengine/volcengine-go-sdk: the service clients'
// configuration (Clients, the SDK's own handlers without its session) from
// provider.Config (endpoint override, credentials or the environment), the SDK's own
// retryer set up for throttling and server errors, an HTTP client whose answers the SDK
// can always decode, and mapping SDK errors onto *provider.Error without a secret.
package volc

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/volcengine/volcengine-go-sdk/volcengine"
	"github.com/volcengine/volcengine-go-sdk/volcengine/client"
	"github.com/volcengine/volcengine-go-sdk/volcengine/credentials"

	"cdnwatch/shared/provider"
)

// Region is the region the CDN APIs are signed for (they are global services).
const Region = "cn-north-1"

// Environment variables of the key pair (the documented contract; the Go SDK's own chain
// reads VOLCSTACK_* instead, which still works as a fallback).
const (
	EnvAccessKey    = "VOLCENGINE_ACCESS_KEY"
	EnvSecretKey    = "VOLCENGINE_SECRET_KEY"
	EnvSessionToken = "VOLCENGINE_SESSION_TOKEN"
)

// Options tune the plumbing; the zero value is the production setting.
type Options struct {
	Retry RetryPolicy
	// Timeout bounds one attempt (dial to last byte). Default 15 s. Ignored when
	// provider.Config.HTTPClient is set.
	Timeout time.Duration
	// Getenv reads the environment; default os.Getenv.
	Getenv func(string) string
}

// RetryPolicy sets up the SDK's own retryer (client.DefaultRetryer, from aws-sdk-go v1):
// it retries HTTP 429, 500, 502, 503, 504, throttling codes and transport errors
// ("RequestError"), waits 2ⁿ × a jittered [min, 2·min) between attempts (the throttle
// minimum for 429/502/503/504, plus any Retry-After), sleeps watching the context, and
// never retries other 4xx (auth, bad parameters). cdnwatch adds no retry loop of its own.
type RetryPolicy struct {
	// MaxRetries is the retries after the first attempt. Default 3.
	MaxRetries int
	// MinDelay is the backoff unit for server errors; MinThrottleDelay for throttling.
	// Defaults 100 ms and 250 ms.
	MinDelay, MinThrottleDelay time.Duration
	// MaxDelay caps one wait. Default 2 s.
	MaxDelay time.Duration
}

func (p RetryPolicy) retryer() client.DefaultRetryer {
	if p.MaxRetries <= 0 {
		p.MaxRetries = 3
	}
	if p.MinDelay <= 0 {
		p.MinDelay = 100 * time.Millisecond
	}
	if p.MinThrottleDelay <= 0 {
		p.MinThrottleDelay = 250 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 2 * time.Second
	}
	return client.DefaultRetryer{NumMaxRetries: p.MaxRetries, MinRetryDelay: p.MinDelay,
		MinThrottleDelay: p.MinThrottleDelay, MaxRetryDelay: p.MaxDelay, MaxThrottleDelay: p.MaxDelay}
}

// Base is what a driver keeps: the configuration to build its service client from, and
// the error mapper that knows which secrets to keep out of messages.
type Base struct {
	Name    string
	Clients Clients
	Log     *slog.Logger
	secrets []string
}

// New prepares the SDK configuration for provider name. An endpoint override with a scheme
// ("http://127.0.0.1:8080") selects that protocol; without one the SDK resolves the
// service's public endpoint.
func New(name string, cfg provider.Config, o Options) (*Base, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	vc := volcengine.NewConfig().WithRegion(Region).
		WithHTTPClient(httpClient(cfg.HTTPClient, o)).
		WithExtraUserAgent(volcengine.String("cdnwatch")).
		// The SDK's own messages go to the configured (redacting) logger, at debug.
		WithLogger(volcengine.LoggerFunc(func(args ...any) { log.Debug(fmt.Sprint(args...), "provider", name, "source", "sdk") }))
	vc.Retryer = o.Retry.retryer()
	if ep := strings.TrimSpace(cfg.Endpoint); ep != "" {
		scheme, host := provider.SplitEndpoint(ep)
		scheme = strings.ToLower(scheme)
		if scheme != "http" && scheme != "https" {
			return nil, fmt.Errorf("%s endpoint %q: scheme must be http or https", name, ep)
		}
		if host == "" || strings.ContainsAny(host, "/?#") {
			return nil, fmt.Errorf("%s endpoint %q: want host[:port], optionally with a scheme", name, ep)
		}
		vc = vc.WithEndpoint(host).WithDisableSSL(scheme == "http")
	}
	b := &Base{Name: name, Log: log}
	id, secret, token := "", "", ""
	switch cr := cfg.Credentials; {
	case cr != nil:
		if cr.AccessKeyID == "" || cr.AccessKeySecret == "" {
			return nil, &provider.Error{Provider: name, Kind: provider.KindAuth, Code: "MissingCredentials",
				Message: "explicit credentials need both an access key id and secret"}
		}
		id, secret, token = cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken
	case getenv(EnvAccessKey) != "" || getenv(EnvSecretKey) != "":
		id, secret, token = getenv(EnvAccessKey), getenv(EnvSecretKey), getenv(EnvSessionToken)
		if id == "" || secret == "" {
			return nil, &provider.Error{Provider: name, Kind: provider.KindAuth, Code: "MissingCredentials",
				Message: "set both " + EnvAccessKey + " and " + EnvSecretKey}
		}
	}
	if id != "" {
		b.secrets = scrubbable(secret, token)
		vc = vc.WithCredentials(credentials.NewStaticCredentials(id, secret, token))
	}
	// Otherwise the SDK's default chain (VOLCSTACK_* variables, and in the command the
	// shared credentials file, see defaultCredentials) is used; its absence surfaces on
	// the first call as a clear auth error.
	b.Clients = newClients(vc)
	log.Debug("volcengine client configured", "provider", name, "endpoint", cfg.Endpoint,
		"credentials", cfg.Credentials.String())
	return b, nil
}

func scrubbable(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if len(v) >= 4 {
			out = append(out, v)
		}
	}
	return out
}

// httpClient wraps the caller's client, or ours with timeouts, so that every answer the
// SDK reads is Volcengine-shaped JSON (see jsonErrors).
func httpClient(hc *http.Client, o Options) *http.Client {
	if hc != nil {
		c := *hc
		base := c.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c.Transport = jsonErrors{base}
		return &c
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 5 * time.Second
	tr.ResponseHeaderTimeout = timeout
	// The portable client runs up to one call per QPS unit at once; keep those connections.
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: jsonErrors{tr}, Timeout: timeout}
}
