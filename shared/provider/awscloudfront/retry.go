package awscloudfront

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

// retryer is the SDK's standard retry policy (github.com/aws/aws-sdk-go-v2/aws/retry,
// v1.48.0: standard.go, retryable_error.go, jitter_backoff.go, and the token bucket of
// aws/ratelimit), written out: that package, with its rate limiter, is 42 KB of the Lambda
// binary, a third of what the whole driver now costs. TestRetryTables holds the tables
// below to the SDK's, and TestSameRetriesAsSDK runs both policies against the same
// answers, the token bucket's limit included.
//
//   - Retryable: a failed send (except a name that does not exist), a connection reset or
//     refused, a timeout; HTTP 500, 502, 503, 504 and 429; the codes RequestTimeout and
//     RequestTimeoutException, and the throttling codes.
//   - Backoff, "retry behavior 2.1": before retry i (1, 2, …), a uniform random share of
//     min(x·2^(i-1), MaxBackoff), x being 1 s after throttling (a throttling code or a
//     429) and 50 ms after anything else.
//   - Retry quota: one bucket of 500 tokens per client; a retry costs 14 (5 after
//     throttling) and is not made when the bucket cannot pay; a retry that succeeds is
//     refunded, a first attempt that succeeds adds 1 (up to 500).
type retryer struct {
	maxAttempts int
	maxBackoff  time.Duration

	mu     sync.Mutex
	tokens uint
}

// The standard retryer's constants (aws/retry/standard.go).
const (
	retryTokens       uint = 500 // DefaultRetryRateTokens
	retryCost         uint = 14  // defaultRetryCost
	throttleRetryCost uint = 5   // DefaultThrottlingRetryCost
	noRetryIncrement  uint = 1   // DefaultNoRetryIncrement
	baseDelay              = 50 * time.Millisecond
	throttleBaseDelay      = time.Second
)

// throttleCodes are retry.DefaultThrottleErrorCodes.
var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottledException": true,
	"TooManyRequestsException": true, "ProvisionedThroughputExceededException": true, "TransactionInProgressException": true,
	"RequestLimitExceeded": true, "BandwidthLimitExceeded": true, "LimitExceededException": true, "RequestThrottled": true,
	"SlowDown": true, "PriorRequestNotComplete": true, "EC2ThrottledException": true,
}

// retryableCodes are retry.DefaultRetryableErrorCodes; retryableStatus
// retry.DefaultRetryableHTTPStatusCodes.
var (
	retryableCodes  = map[string]bool{"RequestTimeout": true, "RequestTimeoutException": true}
	retryableStatus = map[int]bool{500: true, 502: true, 503: true, 504: true}
)

func newRetryer(maxAttempts int, maxBackoff time.Duration) *retryer {
	return &retryer{maxAttempts: maxAttempts, maxBackoff: maxBackoff, tokens: retryTokens}
}

// attemptsError is the last failure once the attempts ran out (retry.MaxAttemptsError).
type attemptsError struct {
	attempts int
	err      error
}

func (e *attemptsError) Error() string {
	return fmt.Sprintf("exceeded maximum number of attempts, %d, %v", e.attempts, e.err)
}
func (e *attemptsError) Unwrap() error { return e.err }

// quotaError: the bucket cannot pay for another retry (ratelimit.QuotaExceededError).
type quotaError struct{ available, requested uint }

func (e *quotaError) Error() string {
	return fmt.Sprintf("failed to get rate limit token, retry quota exceeded, %d available, %d requested", e.available, e.requested)
}

// firstSucceeded refills the bucket a little after a first attempt that succeeded.
func (r *retryer) firstSucceeded() { r.refund(noRetryIncrement) }

// retryToken pays for the retry after err; refund gives it back if that retry succeeds.
func (r *retryer) retryToken(err error) (refund func(), _ error) {
	cost := retryCost
	if throttled(err) {
		cost = throttleRetryCost
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tokens < cost {
		return nil, &quotaError{available: r.tokens, requested: cost}
	}
	r.tokens -= cost
	return func() { r.refund(cost) }, nil
}

func (r *retryer) refund(n uint) {
	r.mu.Lock()
	r.tokens = min(r.tokens+n, retryTokens)
	r.mu.Unlock()
}

// delay is the wait before the retry after attempt (1-based) failed with err.
func (r *retryer) delay(attempt int, err error) time.Duration {
	x := baseDelay
	if throttled(err) {
		x = throttleBaseDelay
	}
	d := r.maxBackoff
	if attempt-1 < 30 {
		d = min(x<<(attempt-1), r.maxBackoff)
	}
	return time.Duration(rand.Float64() * float64(d))
}

// throttled: a throttling code, or a 429 (our errors are all "unmodeled" in the SDK's
// sense, so its 429 rule always applies).
func throttled(err error) bool {
	return throttleCodes[errorCode(err)] || httpStatus(err) == 429
}

// retryable applies retry.DefaultRetryables in their order; the first that knows decides.
func retryable(err error) bool {
	var canceled interface{ CanceledError() bool }
	if errors.As(err, &canceled) && canceled.CanceledError() {
		return false
	}
	var marked interface{ RetryableError() bool }
	if errors.As(err, &marked) {
		return marked.RetryableError()
	}
	if retry, known := connectionRetryable(err); known {
		return retry
	}
	status := httpStatus(err)
	if retryableStatus[status] || status == 429 {
		return true
	}
	code := errorCode(err)
	return retryableCodes[code] || throttleCodes[code]
}

// connectionRetryable is retry.RetryableConnectionError: known is false when err says
// nothing about the connection.
func connectionRetryable(err error) (retry, known bool) {
	if err == nil {
		return false, false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return false, true // NXDOMAIN: no retry makes the name exist
		}
		if dnsErr.Temporary() {
			return true, true
		}
	}
	var connErr interface{ ConnectionError() bool }
	var tempErr interface{ Temporary() bool }
	var timeoutErr interface{ Timeout() bool }
	var urlErr *url.Error
	var opErr *net.OpError
	msg := err.Error()
	switch {
	case errors.As(err, &connErr) && connErr.ConnectionError():
		return true, true
	case strings.Contains(msg, "use of closed network connection"), strings.Contains(msg, "connection reset"):
		return true, true
	case errors.As(err, &urlErr):
		if strings.Contains(urlErr.Error(), "connection refused") {
			return true, true
		}
		return connectionRetryable(errors.Unwrap(urlErr))
	case errors.As(err, &opErr):
		if strings.EqualFold(opErr.Op, "dial") || opErr.Temporary() {
			return true, true
		}
		return connectionRetryable(errors.Unwrap(opErr))
	case errors.As(err, &tempErr) && tempErr.Temporary():
		return true, true
	case errors.As(err, &timeoutErr) && timeoutErr.Timeout():
		return true, true
	}
	return false, false
}

func errorCode(err error) string {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return coded.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var st interface{ HTTPStatusCode() int }
	if errors.As(err, &st) {
		return st.HTTPStatusCode()
	}
	return 0
}
