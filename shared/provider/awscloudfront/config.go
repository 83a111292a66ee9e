package awscloudfront

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go/logging"

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
// chain. It returns the secrets in use, so messages can be scrubbed of them.
func newClient(ctx context.Context, cfg provider.Config, o Options) (*cloudfront.Client, []string, error) {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Second
	}
	loaders := []func(*config.LoadOptions) error{
		config.WithRegion(Region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.MaxAttempts
				so.MaxBackoff = o.MaxBackoff
			})
		}),
		// The SDK's buildable client even under provider.Open's transport: the loader adds
		// a custom CA bundle (AWS_CA_BUNDLE) to it, and refuses any other client then.
		config.WithHTTPClient(httpClient(nil)),
	}
	if cfg.Logger != nil {
		// The SDK's own messages (warnings, and request logs if ever enabled) go to the
		// configured (redacting) logger.
		log := cfg.Logger
		loaders = append(loaders, config.WithLogger(logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			lvl := slog.LevelDebug
			if c == logging.Warn {
				lvl = slog.LevelWarn
			}
			log.Log(context.Background(), lvl, fmt.Sprintf(format, v...), "provider", Name, "source", "sdk")
		})))
	}
	var secrets []string
	if cr := cfg.Credentials; cr != nil {
		if cr.AccessKeyID == "" || cr.AccessKeySecret == "" {
			return nil, nil, &provider.Error{Provider: Name, Kind: provider.KindAuth, Code: "MissingCredentials",
				Message: "explicit credentials need both an access key id and a secret access key"}
		}
		secrets = append(secrets, cr.AccessKeySecret, cr.SecurityToken)
		loaders = append(loaders, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken)))
	}
	// LoadDefaultConfig reads files and the environment only; the credential chain is
	// resolved on the first call, so opening never waits on instance metadata.
	awsCfg, err := config.LoadDefaultConfig(ctx, loaders...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: load AWS configuration: %w", Name, err)
	}
	if cfg.HTTPClient != nil {
		// Send through the caller's client (provider.Open's pacing transport), on top of
		// the SDK's transport as the loader configured it.
		if b, ok := awsCfg.HTTPClient.(*awshttp.BuildableClient); ok {
			provider.SetBaseTransport(cfg.HTTPClient, b.GetTransport())
		}
		awsCfg.HTTPClient = cfg.HTTPClient
	}
	endpoint, err := endpointURL(cfg.Endpoint)
	if err != nil {
		return nil, nil, err
	}
	client := cloudfront.NewFromConfig(awsCfg, func(co *cloudfront.Options) {
		if endpoint != "" {
			// Else the SDK's own resolution applies, which honours AWS_ENDPOINT_URL_CLOUDFRONT
			// and AWS_ENDPOINT_URL (read into awsCfg.BaseEndpoint by LoadDefaultConfig).
			co.BaseEndpoint = aws.String(endpoint)
		}
	})
	return client, secrets, nil
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

// httpClient is the caller's client, or the SDK's buildable client with our timeouts
// (buildable, so the SDK can still add a custom CA bundle from AWS_CA_BUNDLE).
func httpClient(hc *http.Client) aws.HTTPClient {
	if hc != nil {
		return hc
	}
	return awshttp.NewBuildableClient().
		WithTimeout(15 * time.Second).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 5 * time.Second }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = 5 * time.Second
			tr.ResponseHeaderTimeout = 10 * time.Second
			tr.MaxIdleConnsPerHost = 16
		})
}
