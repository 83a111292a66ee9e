package volc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/volcengine/volcengine-go-sdk/volcengine"
	"github.com/volcengine/volcengine-go-sdk/volcengine/client"
	"github.com/volcengine/volcengine-go-sdk/volcengine/request"

	"cdnwatch/shared/provider"
)

// SubmitClients is the driver's configuration for the submit and quota APIs: the same
// HTTP client (its transport paces every attempt as the API the call's context names, see
// provider.WithAPI), with the SDK retrying throttling only. A 5xx or a lost connection
// may mean the submit was taken; shared/submit decides what to do about it.
func (b *Base) SubmitClients() Clients {
	p := RetryPolicy{}
	return b.Clients.With(&volcengine.Config{Retryer: throttleOnly{p.retryer()}})
}

// throttleOnly is the SDK's retryer restricted to throttled answers (HTTP 429 or a
// throttling code): a throttled submit was not taken. The SDK's own IsErrorThrottle also
// counts 502, 503 and 504 as throttling, and those may follow a submit that was taken,
// so it is not used.
type throttleOnly struct{ client.DefaultRetryer }

func (t throttleOnly) ShouldRetry(r *request.Request) bool {
	if t.NumMaxRetries == 0 || r.Error == nil {
		return false
	}
	if r.HTTPResponse != nil && r.HTTPResponse.StatusCode == http.StatusTooManyRequests {
		return true
	}
	code := errCode(r.Error)
	return strings.Contains(code, "FlowLimitExceeded") || strings.HasPrefix(code, "Throttling") || code == "TooManyRequests"
}

func errCode(err error) string {
	var ce interface{ Code() string }
	if errors.As(err, &ce) {
		return ce.Code()
	}
	return ""
}

// SubmitError maps a submit or quota call's error; a code naming a quota is a quota
// refusal (provider.ErrQuotaExceeded).
func (b *Base) SubmitError(ctx context.Context, err error) error {
	mapped := b.Error(ctx, nil, err)
	var pe *provider.Error
	if errors.As(mapped, &pe) {
		if pe.Kind == provider.KindInvalidID {
			pe.Kind = provider.KindBadRequest
		}
		pe.IDs = nil
		if strings.Contains(strings.ToLower(pe.Code), "quota") {
			return provider.QuotaError(pe)
		}
	}
	return mapped
}

// SubmitQPS is the documented rate of Volcengine CDN's submit and quota actions (20 calls/s
// each); multi-cloud CDN documents none and follows it.
const SubmitQPS = 20

// Paced marks ctx so the client's transport paces every attempt of action at its own
// SubmitQPS, apart from the by-id query.
func Paced(ctx context.Context, action string) context.Context {
	return provider.WithAPI(ctx, provider.API{Name: action, QPS: SubmitQPS})
}

// FileDirLimits are the limits of SubmitRefreshTask (files or directories, no regular
// expressions) and SubmitPreloadTask, which both services share: perCall URLs a call, at
// SubmitQPS.
func FileDirLimits(name string, kind provider.SubmitKind, typ string, perCall int) (provider.SubmitLimits, error) {
	if err := provider.CheckType(kind, typ); err != nil {
		return provider.SubmitLimits{}, fmt.Errorf("%s: %w", name, err)
	}
	if typ == provider.TypeRegex {
		return provider.SubmitLimits{}, fmt.Errorf("%s: SubmitRefreshTask takes files or directories, not regular expressions", name)
	}
	return provider.SubmitLimits{PerCall: perCall, QPS: SubmitQPS, QuotaQPS: SubmitQPS}, nil
}
