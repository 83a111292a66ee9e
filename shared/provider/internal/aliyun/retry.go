package aliyun

import (
	"time"

	"github.com/alibabacloud-go/tea/dara"
)

// RetryPolicy sets up the SDK's own retryer (dara.RetryOptions); cdnwatch adds no retry
// loop of its own. The zero value is the production policy.
//
// How the darabonba retryer decides (tea/dara retry.go, openapi client DoRequest):
//   - Conditions match an error by GetName() or GetCode(). The openapi error types
//     (ThrottlingError, ClientError, ServerError) never set Name, so only codes match.
//   - An error no condition matches is retried up to RetryOptions.MaxAttempts attempts
//     (tea ≥ 1.5; older tea never retried it). We set that to 1: a refusal such as
//     InvalidTaskId or SignatureDoesNotMatch is answered at once.
//   - Only codes "Throttling", "Throttling.User", "Throttling.Api" become ThrottlingError
//     with a RetryAfter (from x-ratelimit-user[-api] TimeLeft); Aliyun CDN's 429
//     "TooManyRequests" is a ClientError without RetryAfter, so the backoff below applies.
//     A Retry-After header is not read by the SDK.
//   - The backoff sleeps with time.Sleep, not watching the context, so it is kept short.
//
// Transport failures and non-JSON error pages are given codes by httpDoer so that the
// same conditions cover them.
type RetryPolicy struct {
	// MaxAttempts is the attempts for a retryable error, the first included. Default 4.
	MaxAttempts int
	// Period is the backoff unit: attempt n waits EqualJitter(min(Cap, Period·2ⁿ)),
	// i.e. between half and all of it. Default 150 ms.
	Period time.Duration
	// Cap bounds one wait. Default 2 s.
	Cap time.Duration
}

// retryableCodes are the error codes the SDK retries: throttling, server trouble and the
// transport codes httpDoer assigns.
var retryableCodes = []string{
	"TooManyRequests", "Throttling", "Throttling.User", "Throttling.Api", "Throttling.Concurrent",
	"ServiceUnavailable", "ServiceUnavailableTemporary", "InternalError", "ServiceBusy",
	codeNetwork, "HTTP429", "HTTP500", "HTTP502", "HTTP503", "HTTP504",
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.Period <= 0 {
		p.Period = 150 * time.Millisecond
	}
	if p.Cap <= 0 {
		p.Cap = 2 * time.Second
	}
	return p
}

// Budget is the longest the retryer can spend waiting between attempts.
func (p RetryPolicy) Budget() time.Duration {
	p = p.withDefaults()
	var total time.Duration
	for n := 1; n < p.MaxAttempts; n++ {
		total += min(p.Cap, p.Period<<n)
	}
	return total
}

func (p RetryPolicy) options() *dara.RetryOptions {
	p = p.withDefaults()
	ms := func(d time.Duration) int { return int(d / time.Millisecond) }
	return &dara.RetryOptions{
		Retryable:   true,
		MaxAttempts: 1,
		RetryCondition: []*dara.RetryCondition{{
			MaxAttempts: p.MaxAttempts,
			Backoff:     &dara.EqualJitterBackoffPolicy{Period: ms(p.Period), Cap: ms(p.Cap)},
			ErrorCode:   append([]string(nil), retryableCodes...),
			MaxDelay:    ms(p.Cap),
		}},
	}
}
