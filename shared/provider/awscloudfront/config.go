package awscloudfront

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"cdnwatch/shared/config/awsenv"
	"cdnwatch/shared/provider"
)

// Region is where CloudFront's control plane lives (and signs).
const Region = "us-east-1"

type logger = *slog.Logger

var discard = slog.New(slog.DiscardHandler)

// Options tune the plumbing; the zero value is the production setting.
type Options struct {
	// MaxAttempts is the retry policy's attempts, the first included. Default 4.
	MaxAttempts int
	// MaxBackoff caps one wait of the policy's exponential backoff with full jitter.
	// Default 2 s, so an exhausted retry costs at most ~6 s of waiting.
	MaxBackoff time.Duration
}

// newClient builds our CloudFront client (client.go): the SDK's standard retry policy
// (retry.go: exponential backoff with jitter; retries throttling codes, 5xx, and
// connection errors; bounded by its retry-token bucket), our own HTTP timeouts, and credentials from cfg or
// the default chain. It returns the secrets in use, so messages can be scrubbed of them,
// and whether the SDK's whole chain was used.
//
// The whole chain (profiles, SSO, web identity, container and instance roles) is the SDK's
// config package, 1.8 MB of binary with the STS, SSO and login clients it links. Only the
// command has it (awsenv.Chain, registered by shared/config/awschain); the functions
// configure the client from the environment alone, which is all Lambda gives (the role's
// keys in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN) and all an FC
// function can be given, with the same AWS_ENDPOINT_URL[_CLOUDFRONT] and AWS_CA_BUNDLE
// the SDK's loader reads.
func newClient(ctx context.Context, cfg provider.Config, o Options) (*client, []string, bool, error) {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Second
	}
	var secrets []string
	var static aws.CredentialsProvider
	if cr := cfg.Credentials; cr != nil {
		if cr.AccessKeyID == "" || cr.AccessKeySecret == "" {
			return nil, nil, false, &provider.Error{Provider: Name, Kind: provider.KindAuth, Code: "MissingCredentials",
				Message: "explicit credentials need both an access key id and a secret access key"}
		}
		secrets = append(secrets, cr.AccessKeySecret, cr.SecurityToken)
		static = credentials.NewStaticCredentialsProvider(cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken)
	}
	base, chain, err := baseConfig(ctx, static != nil)
	if err != nil {
		return nil, nil, false, err
	}
	if static != nil {
		base.creds = aws.NewCredentialsCache(static)
	}
	if base.maxAttempts > 0 {
		// AWS_MAX_ATTEMPTS or max_attempts in the shared config (the command), which the
		// SDK's client let override its retryer.
		o.MaxAttempts = base.maxAttempts
	}
	tr := withTimeouts(base.transport)
	hc := cfg.HTTPClient
	if hc != nil {
		// provider.Open's client: it paces, bounds and counts every attempt; our transport
		// (a custom CA bundle, our timeouts) goes under it.
		provider.SetBaseTransport(hc, tr)
	} else {
		// Only a caller that opens the driver without provider.Open gets here.
		hc = &http.Client{Transport: tr, Timeout: 15 * time.Second}
	}
	endpoint, err := endpointURL(cfg.Endpoint)
	if err != nil {
		return nil, nil, false, err
	}
	if endpoint == "" {
		if endpoint, err = configuredEndpoint(base.endpoint); err != nil {
			return nil, nil, false, err
		}
	}
	if base.fips || base.dualStack {
		if endpoint != "" {
			// As the SDK's endpoint rules refuse it.
			return nil, nil, false, fmt.Errorf("%s: a FIPS or dual-stack endpoint (use_fips_endpoint, use_dualstack_endpoint) "+
				"cannot be combined with a custom endpoint (%s)", Name, endpoint)
		}
		endpoint = variantEndpoint(base.fips, base.dualStack)
	}
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	log := cfg.Logger
	if log == nil {
		log = discard
	}
	return &client{
		endpoint: endpoint,
		creds:    base.creds,
		hc:       hc,
		retryer:  newRetryer(o.MaxAttempts, o.MaxBackoff),
		signer:   v4.NewSigner(),
		log:      log,
	}, secrets, chain, nil
}

// base is what the environment (or the SDK's whole chain) configures.
type base struct {
	creds       aws.CredentialsProvider
	endpoint    string          // AWS_ENDPOINT_URL_CLOUDFRONT / AWS_ENDPOINT_URL (or the shared config's)
	transport   *http.Transport // carrying AWS_CA_BUNDLE's roots, if any
	maxAttempts int             // the chain's retry setting, 0 when none
	// The chain's AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT (or the profile's
	// use_fips_endpoint / use_dualstack_endpoint).
	fips, dualStack bool
}

// baseConfig is the SDK's whole default chain when the binary links it, else the
// environment's credentials (read at the first call; not needed when explicit ones are
// given), endpoint override and CA bundle. chain reports which.
func baseConfig(ctx context.Context, explicit bool) (b base, chain bool, err error) {
	if load := awsenv.Chain(); load != nil {
		// LoadDefaultConfig reads files and the environment only; the credential chain is
		// resolved on the first call, so opening never waits on instance metadata.
		cfg, err := load(ctx)
		if err != nil {
			return b, true, fmt.Errorf("%s: load AWS configuration: %w", Name, err)
		}
		b.creds, b.endpoint, b.maxAttempts = cfg.Credentials, chainEndpoint(ctx, cfg), cfg.RetryMaxAttempts
		b.fips, b.dualStack = chainVariants(ctx, cfg)
		// The loader's HTTP client (the SDK's buildable client) carries a custom CA bundle.
		if bc, ok := cfg.HTTPClient.(interface{ GetTransport() *http.Transport }); ok {
			b.transport = bc.GetTransport()
		}
		return b, true, nil
	}
	if !explicit {
		b.creds = aws.NewCredentialsCache(awsenv.Credentials(os.Getenv))
	}
	b.endpoint = awsenv.Endpoint(os.Getenv, "CLOUDFRONT")
	if path := os.Getenv("AWS_CA_BUNDLE"); path != "" {
		// As the SDK's loader does (https://docs.aws.amazon.com/sdkref/latest/guide/feature-gltls.html):
		// these certificates replace the system's roots.
		pem, err := os.ReadFile(path)
		if err != nil {
			return b, false, fmt.Errorf("%s: AWS_CA_BUNDLE: %w", Name, err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return b, false, fmt.Errorf("%s: AWS_CA_BUNDLE %s: no PEM certificate in it", Name, path)
		}
		b.transport = newTransport()
		b.transport.TLSClientConfig.RootCAs = roots
	}
	return b, false, nil
}

// chainEndpoint is the endpoint the SDK's CloudFront client takes from a loaded
// configuration (its resolveBaseEndpoint, service/cloudfront/endpoints.go):
// AWS_ENDPOINT_URL_CLOUDFRONT, else AWS_ENDPOINT_URL, else the shared config's services
// section for CloudFront, else its endpoint_url; none when configured endpoints are
// ignored. The service-specific ones are not in aws.Config.BaseEndpoint: the config
// sources hold them.
func chainEndpoint(ctx context.Context, cfg aws.Config) string {
	ep := aws.ToString(cfg.BaseEndpoint)
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, service := os.LookupEnv("AWS_ENDPOINT_URL_CLOUDFRONT")
	if global && !service {
		return ep
	}
	type ignorer interface {
		GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(ignorer); ok {
			ignore, found, err := p.GetIgnoreConfiguredEndpoints(ctx)
			if found && ignore {
				return ep
			}
			if err != nil || found {
				break
			}
		}
	}
	type serviceEndpoint interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(serviceEndpoint); ok {
			v, found, err := p.GetServiceBaseEndpoint(ctx, "CloudFront")
			if err != nil {
				break
			}
			if found {
				return v
			}
		}
	}
	return ep
}

// chainVariants reads the FIPS and dual-stack settings from the loaded configuration's
// sources, the first that has one deciding, as the SDK's client does
// (resolveUseFIPSEndpoint, resolveUseDualStackEndpoint).
func chainVariants(ctx context.Context, cfg aws.Config) (fips, dualStack bool) {
	type fipsSource interface {
		GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
	}
	type dualStackSource interface {
		GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(fipsSource); ok {
			if v, found, err := p.GetUseFIPSEndpoint(ctx); err != nil || found {
				fips = v == aws.FIPSEndpointStateEnabled
				break
			}
		}
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(dualStackSource); ok {
			if v, found, err := p.GetUseDualStackEndpoint(ctx); err != nil || found {
				dualStack = v == aws.DualStackEndpointStateEnabled
				break
			}
		}
	}
	return fips, dualStack
}

// variantEndpoint is CloudFront's FIPS or dual-stack endpoint in the aws partition, as
// the SDK's endpoint rules (service/cloudfront v1.73.0) resolve them for us-east-1.
func variantEndpoint(fips, dualStack bool) string {
	switch {
	case fips && dualStack:
		return "https://cloudfront-fips.global.api.aws"
	case dualStack:
		return "https://cloudfront.global.api.aws"
	case fips:
		return "https://cloudfront-fips.amazonaws.com"
	}
	return defaultEndpoint
}

// endpointURL turns an override into a URL: "http://127.0.0.1:5000" as is, a bare host
// with https.
func endpointURL(ep string) (string, error) {
	ep = strings.TrimSpace(ep)
	if ep == "" {
		return "", nil
	}
	scheme, host := provider.SplitEndpoint(ep)
	scheme = strings.ToLower(scheme)
	if (scheme != "http" && scheme != "https") || host == "" || strings.ContainsAny(host, "/?#") {
		return "", fmt.Errorf("%s endpoint %q: want host[:port], optionally with an http or https scheme", Name, ep)
	}
	return scheme + "://" + host, nil
}

// configuredEndpoint checks AWS_ENDPOINT_URL[_CLOUDFRONT] (or the shared config's
// endpoint_url): a URL whose path, if any, prefixes every operation's path, as the SDK
// joins them.
func configuredEndpoint(ep string) (string, error) {
	ep = strings.TrimSpace(ep)
	if ep == "" {
		return "", nil
	}
	u, err := url.Parse(ep)
	if err == nil && u.User != nil {
		// Never repeat what could be a password.
		return "", fmt.Errorf("%s: the configured endpoint (AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL) has user information: want an http or https URL without", Name)
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s: configured endpoint %q (AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL): want an http or https URL", Name, ep)
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// newTransport is the SDK's default transport (aws/transport/http's buildable client):
// proxies from the environment, HTTP/2, TLS 1.2 at least.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// withTimeouts is tr (or a new default transport) with our timeouts: 5 s to connect and
// to shake hands, 10 s for the answer's headers.
func withTimeouts(tr *http.Transport) *http.Transport {
	if tr == nil {
		tr = newTransport()
	} else {
		tr = tr.Clone()
	}
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 5 * time.Second
	tr.ResponseHeaderTimeout = 10 * time.Second
	tr.MaxIdleConnsPerHost = 16
	return tr
}
