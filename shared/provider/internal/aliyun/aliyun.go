// Package aliyun is the plumbing the Alibaba Cloud drivers (aliyun-cdn, aliyun-dcdn) share
// on top of the official darabonba OpenAPI SDK: configuration from provider.Config
// (endpoint override, credentials or the default credential chain, timeouts), the SDK's own
// retryer set up for throttling and server errors, and mapping SDK errors onto
// *provider.Error without ever echoing a secret.
package aliyun

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	credential "github.com/aliyun/credentials-go/credentials"

	"cdnwatch/shared/provider"
)

// Options tune the plumbing; the zero value is the production setting.
type Options struct {
	Retry RetryPolicy
	// ConnectTimeout bounds dialing; ReadTimeout bounds waiting for the answer.
	// Defaults 5 s and 10 s. Ignored when provider.Config.HTTPClient is set.
	ConnectTimeout, ReadTimeout time.Duration
}

// Base is what a driver keeps: the SDK config to build its product client from, and
// the error mapper that knows which secrets to keep out of messages.
type Base struct {
	Name   string
	Config *openapiutil.Config
	Log    *slog.Logger
	// Endpoint is the host the SDK talks to, for logs.
	Endpoint string
	secrets  *secretSet
}

// New prepares the SDK configuration for provider name. defaultHost is the product's
// public endpoint (e.g. "cdn.aliyuncs.com"), used unless cfg.Endpoint overrides it; an
// override with a scheme ("http://127.0.0.1:8080") selects that protocol.
func New(name string, cfg provider.Config, defaultHost string, o Options) (*Base, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	scheme, host := "https", defaultHost
	if ep := strings.TrimSpace(cfg.Endpoint); ep != "" {
		scheme, host = provider.SplitEndpoint(ep)
		scheme = strings.ToLower(scheme)
		if scheme != "http" && scheme != "https" {
			return nil, fmt.Errorf("%s endpoint %q: scheme must be http or https", name, ep)
		}
		if host == "" || strings.ContainsAny(host, "/?#") {
			return nil, fmt.Errorf("%s endpoint %q: want host[:port], optionally with a scheme", name, ep)
		}
	}
	b := &Base{Name: name, Log: log, Endpoint: scheme + "://" + host, secrets: &secretSet{}}
	c := &openapiutil.Config{
		Endpoint:     dara.String(host),
		Protocol:     dara.String(scheme),
		UserAgent:    dara.String("cdnwatch"),
		RetryOptions: o.Retry.options(),
		HttpClient:   &httpDoer{c: httpClient(cfg.HTTPClient, o)},
	}
	if cr := cfg.Credentials; cr != nil {
		if cr.AccessKeyID == "" || cr.AccessKeySecret == "" {
			return nil, &provider.Error{Provider: name, Kind: provider.KindAuth, Code: "MissingCredentials",
				Message: "explicit credentials need both an access key id and secret"}
		}
		b.secrets.add(cr.AccessKeySecret, cr.SecurityToken)
		c.AccessKeyId = dara.String(cr.AccessKeyID)
		c.AccessKeySecret = dara.String(cr.AccessKeySecret)
		if cr.SecurityToken != "" {
			c.SecurityToken = dara.String(cr.SecurityToken)
		}
	} else {
		// The default chain (environment, profiles, RAM role) is resolved lazily on the
		// first call, so opening never waits on an instance metadata service.
		chain, err := credential.NewCredential(nil)
		if err != nil {
			return nil, &provider.Error{Provider: name, Kind: provider.KindAuth, Code: "MissingCredentials",
				Message: missingCredentials, Err: err}
		}
		c.Credential = &chainCredential{Credential: chain, secrets: b.secrets}
	}
	b.Config = c
	log.Debug("aliyun client configured", "provider", name, "endpoint", b.Endpoint,
		"credentials", cfg.Credentials.String())
	return b, nil
}

// httpClient is the caller's client or ours with the timeouts set. Giving the SDK its own
// client (instead of the SDK's process-wide pool keyed by host) keeps drivers independent.
func httpClient(hc *http.Client, o Options) *http.Client {
	if hc != nil {
		return hc
	}
	connect, read := o.ConnectTimeout, o.ReadTimeout
	if connect <= 0 {
		connect = 5 * time.Second
	}
	if read <= 0 {
		read = 10 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = connect
	tr.ResponseHeaderTimeout = read
	// The portable client runs up to one call per QPS unit at once; keep those connections.
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr, Timeout: connect + read}
}
