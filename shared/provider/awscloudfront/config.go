package awscloudfront

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go/logging"

	"cdnwatch/shared/config/awsenv"
	"cdnwatch/shared/provider"
)

// Region is where CloudFront's control plane lives (and signs).
const Region = "us-east-1"

type logger = *slog.Logger

var discard = slog.New(slog.DiscardHandler)

// Options tune the plumbing; the zero value is the production setting.
type Options struct {
	// MaxAttempts is the standard retryer's attempts, the first included. Default 4.
	MaxAttempts int
	// MaxBackoff caps one wait of the retryer's exponential backoff with full jitter.
	// Default 2 s, so an exhausted retry costs at most ~6 s of waiting.
	MaxBackoff time.Duration
}

// newClient builds the CloudFront client: the SDK's standard retryer (exponential backoff
// with jitter; retries throttling codes, 5xx, and connection errors; bounded by its
// retry-token bucket), our own HTTP timeouts, and credentials from cfg or the default
// chain. It returns the secrets in use, so messages can be scrubbed of them, and whether
// the SDK's whole chain was used.
//
// The whole chain (profiles, SSO, web identity, container and instance roles) is the SDK's
// config package, 1.8 MB of binary with the STS, SSO and login clients it links. Only the
// command has it (awsenv.Chain, registered by shared/config/awschain); the functions
// configure the client from the environment alone, which is all Lambda gives (the role's
// keys in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN) and all an FC
// function can be given, with the same AWS_ENDPOINT_URL[_CLOUDFRONT] and AWS_CA_BUNDLE
// the SDK's loader reads.
func newClient(ctx context.Context, cfg provider.Config, o Options) (*cloudfront.Client, []string, bool, error) {
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
	awsCfg, chain, err := baseConfig(ctx, static != nil)
	if err != nil {
		return nil, nil, false, err
	}
	if static != nil {
		awsCfg.Credentials = aws.NewCredentialsCache(static)
	}
	awsCfg.Region = Region
	awsCfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = o.MaxAttempts
			so.MaxBackoff = o.MaxBackoff
		})
	}
	if cfg.Logger != nil {
		// The SDK's own messages (warnings, and request logs if ever enabled) go to the
		// configured (redacting) logger.
		log := cfg.Logger
		awsCfg.Logger = logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			lvl := slog.LevelDebug
			if c == logging.Warn {
				lvl = slog.LevelWarn
			}
			log.Log(context.Background(), lvl, fmt.Sprintf(format, v...), "provider", Name, "source", "sdk")
		})
	}
	// The SDK's buildable client with our timeouts, keeping what the loader put on it (a
	// custom CA bundle); under provider.Open's transport when the caller gave one.
	b, _ := awsCfg.HTTPClient.(*awshttp.BuildableClient)
	base := withTimeouts(b)
	if cfg.HTTPClient != nil {
		provider.SetBaseTransport(cfg.HTTPClient, base.GetTransport())
		awsCfg.HTTPClient = cfg.HTTPClient
	} else {
		awsCfg.HTTPClient = base
	}
	endpoint, err := endpointURL(cfg.Endpoint)
	if err != nil {
		return nil, nil, false, err
	}
	client := cloudfront.NewFromConfig(awsCfg, func(co *cloudfront.Options) {
		if endpoint != "" {
			// Else AWS_ENDPOINT_URL_CLOUDFRONT or AWS_ENDPOINT_URL if set (in awsCfg.BaseEndpoint),
			// else the SDK's own resolution.
			co.BaseEndpoint = aws.String(endpoint)
		}
	})
	return client, secrets, chain, nil
}

// baseConfig is the SDK's whole default chain when the binary links it, else the
// environment's credentials (read at the first call; not needed when explicit ones are
// given), endpoint override and CA bundle. chain reports which.
func baseConfig(ctx context.Context, explicit bool) (cfg aws.Config, chain bool, err error) {
	if load := awsenv.Chain(); load != nil {
		// LoadDefaultConfig reads files and the environment only; the credential chain is
		// resolved on the first call, so opening never waits on instance metadata.
		if cfg, err = load(ctx); err != nil {
			return cfg, true, fmt.Errorf("%s: load AWS configuration: %w", Name, err)
		}
		return cfg, true, nil
	}
	if !explicit {
		cfg.Credentials = aws.NewCredentialsCache(awsenv.Credentials(os.Getenv))
	}
	if ep := awsenv.Endpoint(os.Getenv, "CLOUDFRONT"); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	b := awshttp.NewBuildableClient()
	if path := os.Getenv("AWS_CA_BUNDLE"); path != "" {
		// As the SDK's loader does (https://docs.aws.amazon.com/sdkref/latest/guide/feature-gltls.html):
		// these certificates replace the system's roots.
		pem, err := os.ReadFile(path)
		if err != nil {
			return cfg, false, fmt.Errorf("%s: AWS_CA_BUNDLE: %w", Name, err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return cfg, false, fmt.Errorf("%s: AWS_CA_BUNDLE %s: no PEM certificate in it", Name, path)
		}
		b = b.WithTransportOptions(func(tr *http.Transport) {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			tr.TLSClientConfig.RootCAs = roots
		})
	}
	cfg.HTTPClient = b
	return cfg, false, nil
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

// withTimeouts is b (or the SDK's default buildable client) with our timeouts; the
// buildable client copies on every change, so what b had stays.
func withTimeouts(b *awshttp.BuildableClient) *awshttp.BuildableClient {
	if b == nil {
		b = awshttp.NewBuildableClient()
	}
	return b.
		WithTimeout(15 * time.Second).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 5 * time.Second }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = 5 * time.Second
			tr.ResponseHeaderTimeout = 10 * time.Second
			tr.MaxIdleConnsPerHost = 16
		})
}
