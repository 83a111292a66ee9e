package tencentcdn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	cdn "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cdn/v20180606"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"cdnwatch/shared/provider"
)

const missingCredentials = "no Tencent Cloud credentials found: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"

// Options tune the SDK's retries; the zero value is the production setting.
type Options struct {
	// MaxRetries is the retries after the first attempt, for RequestLimitExceeded and for
	// network failures / 5xx answers alike. Default 3.
	MaxRetries int
	// Period and Cap shape the backoff: retry n waits a random duration between half
	// and all of min(Cap, Period·2ⁿ). Defaults 200 ms and 2 s. The SDK sleeps without
	// watching the context, so the cap is kept short.
	Period, Cap time.Duration
}

// api is the configured SDK client, or the reason there is none (missing credentials,
// reported on the first call like the other providers' default chains).
type api struct {
	client  *cdn.Client
	credErr error
	secrets []string
}

func newAPI(cfg provider.Config, o Options) (*api, error) {
	if o.MaxRetries <= 0 {
		o.MaxRetries = 3
	}
	if o.Period <= 0 {
		o.Period = 200 * time.Millisecond
	}
	if o.Cap <= 0 {
		o.Cap = 2 * time.Second
	}
	cpf := profile.NewClientProfile()
	cpf.Language = "en-US"
	cpf.HttpProfile.ReqTimeout = 15
	if cfg.HTTPClient != nil {
		// provider.Open's transport bounds each attempt itself (Config.CallTimeout); the
		// SDK's client-wide timeout would also count the wait for our pacer, so it only
		// backs that up.
		cpf.HttpProfile.ReqTimeout = 120
	}
	if ep := strings.TrimSpace(cfg.Endpoint); ep != "" {
		scheme, host := provider.SplitEndpoint(ep)
		scheme = strings.ToUpper(scheme)
		if (scheme != "HTTP" && scheme != "HTTPS") || host == "" || strings.ContainsAny(host, "/?#") {
			return nil, fmt.Errorf("%s endpoint %q: want host[:port], optionally with an http or https scheme", Name, ep)
		}
		cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = host, scheme
	}
	// The SDK's own retryers, with jittered exponential backoff:
	//   - RequestLimitExceeded answers are retried RateLimitExceededMaxRetries times;
	//   - network failures are retried NetworkFailureMaxRetries times, but only for
	//     requests the SDK deems idempotent (see retryable) and only for errors that say
	//     Temporary() or Timeout(), which transport arranges for 5xx answers too.
	backoff := func(n int) time.Duration {
		d := min(o.Cap, o.Period<<min(n, 16))
		return d/2 + rand.N(d/2+1)
	}
	cpf.RateLimitExceededMaxRetries, cpf.RateLimitExceededRetryDuration = o.MaxRetries, backoff
	cpf.NetworkFailureMaxRetries, cpf.NetworkFailureRetryDuration = o.MaxRetries, backoff

	a := &api{}
	var cred common.CredentialIface
	if cr := cfg.Credentials; cr != nil {
		if cr.AccessKeyID == "" || cr.AccessKeySecret == "" {
			return nil, &provider.Error{Provider: Name, Kind: provider.KindAuth, Code: "MissingCredentials",
				Message: "explicit credentials need both a SecretId and a SecretKey"}
		}
		a.secrets = []string{cr.AccessKeySecret, cr.SecurityToken}
		cred = common.NewTokenCredential(cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken)
	} else {
		id, key := os.Getenv("TENCENTCLOUD_SECRET_ID"), os.Getenv("TENCENTCLOUD_SECRET_KEY")
		if id == "" || key == "" {
			a.credErr = &provider.Error{Provider: Name, Kind: provider.KindAuth, Code: "MissingCredentials", Message: missingCredentials}
			return a, nil
		}
		a.secrets = []string{key}
		cred = common.NewCredential(id, key)
	}
	client, err := cdn.NewClient(cred, "", cpf)
	if err != nil {
		return nil, fmt.Errorf("%s: configure SDK client: %w", Name, err)
	}
	client.WithHttpTransport(&transport{base: baseTransport(cfg.HTTPClient)})
	if cfg.Logger != nil {
		client.WithLogger(sdkLogger{cfg.Logger})
	}
	a.client = client
	return a, nil
}

// describe makes one query (plus one per further page of 20 URLs) of the kind's API.
func (a *api) describe(ctx context.Context, kind, id string) ([]provider.Object, error) {
	if a.credErr != nil {
		return nil, a.credErr
	}
	var out []provider.Object
	for offset := int64(0); ; {
		var (
			rows  []provider.Object
			total int64
			err   error
		)
		if kind == KindPush {
			rows, total, err = a.push(ctx, id, offset)
		} else {
			rows, total, err = a.purge(ctx, id, offset)
		}
		if err != nil {
			action := "DescribePurgeTasks"
			if kind == KindPush {
				action = "DescribePushTasks"
			}
			return nil, fmt.Errorf("%s %s: %w", action, id, a.mapError(id, err))
		}
		out = append(out, rows...)
		offset += int64(len(rows))
		if len(rows) == 0 || offset >= total {
			return out, nil
		}
	}
}

func (a *api) purge(ctx context.Context, id string, offset int64) ([]provider.Object, int64, error) {
	req := &purgeRequest{DescribePurgeTasksRequest: cdn.NewDescribePurgeTasksRequest()}
	req.TaskId, req.Offset, req.Limit = &id, &offset, ptr(int64(pageSize))
	req.SetContext(ctx)
	resp := cdn.NewDescribePurgeTasksResponse()
	if err := a.client.Send(req, resp); err != nil {
		return nil, 0, err
	}
	if resp.Response == nil {
		return nil, 0, errors.New("empty answer")
	}
	total := int64(0)
	if resp.Response.TotalCount != nil {
		total = *resp.Response.TotalCount
	}
	return purgeRows(resp.Response.PurgeLogs), total, nil
}

func (a *api) push(ctx context.Context, id string, offset int64) ([]provider.Object, int64, error) {
	req := &pushRequest{DescribePushTasksRequest: cdn.NewDescribePushTasksRequest()}
	req.TaskId, req.Offset, req.Limit = &id, &offset, ptr(int64(pageSize))
	req.SetContext(ctx)
	resp := cdn.NewDescribePushTasksResponse()
	if err := a.client.Send(req, resp); err != nil {
		return nil, 0, err
	}
	if resp.Response == nil {
		return nil, 0, errors.New("empty answer")
	}
	total := int64(0)
	if resp.Response.TotalCount != nil {
		total = int64(*resp.Response.TotalCount)
	}
	return pushRows(resp.Response.PushLogs), total, nil
}

func ptr[T any](v T) *T { return &v }

// sdkLogger passes the SDK's messages to the configured (redacting) logger, at debug.
type sdkLogger struct{ log *slog.Logger }

func (l sdkLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...), "provider", Name, "source", "sdk")
}

// purgeRequest and pushRequest wrap the SDK's requests so that its network-failure retry
// applies to them. The SDK retries only requests with a ClientToken field, its marker for
// idempotent writes; a Describe is a read, idempotent by nature, but its model has no
// such field. The field is never sent (json:"-"); all else is the SDK's own request.
type purgeRequest struct {
	*cdn.DescribePurgeTasksRequest
	ClientToken *string `json:"-"`
}

type pushRequest struct {
	*cdn.DescribePushTasksRequest
	ClientToken *string `json:"-"`
}
