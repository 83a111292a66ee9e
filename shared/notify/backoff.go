package notify

import (
	"errors"
	"math/rand/v2"
	"time"
)

// backoff is the wait before try attempt+1: exponential with equal jitter, so that many
// watches failing together do not retry in lockstep, and never shorter than the
// service's Retry-After.
func (d *Dispatcher) backoff(attempt int, retryAfter time.Duration) time.Duration {
	base, ceiling := d.BaseBackoff, d.MaxBackoff
	if base <= 0 {
		base = DefaultBaseBackoff
	}
	if ceiling <= 0 {
		ceiling = DefaultMaxBackoff
	}
	b := ceiling
	if attempt < 30 { // avoid shifting past the int64 range
		b = min(base<<(attempt-1), ceiling)
	}
	wait := b/2 + rand.N(b/2+1)
	if retryAfter > 0 {
		// The service said when; add a little jitter on top, never below it.
		wait = max(wait, retryAfter+rand.N(retryAfter/10+1))
	}
	return wait
}

// retryAfter is the service's requested wait carried by err, or 0.
func retryAfter(err error) time.Duration {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.RetryAfter
	}
	return 0
}
