package notify

import (
	"errors"
	"fmt"
	"time"
)

// DeliveryError says why a channel did not take a notice, and whether trying again helps.
type DeliveryError struct {
	Channel    string
	Status     int           // HTTP status, 0 when none
	Code       string        // the service's own error code (Slack "invalid_auth", DingTalk errcode)
	Permanent  bool          // 401/403/404/410 and the like: the channel is disabled for the watch
	RetryAfter time.Duration // from a Retry-After header, 0 when none
	Err        error         // never holds a URL or token (see Redact)
}

func (e *DeliveryError) Error() string {
	msg := "deliver to " + e.Channel
	if e.Status != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Permanent {
		msg += " (permanent)"
	}
	return msg
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a permanent delivery failure.
func IsPermanent(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Permanent
}

// PermanentStatus reports whether an HTTP status means "this destination is gone or
// refuses us": retrying will not help.
func PermanentStatus(code int) bool {
	switch code {
	case 400, 401, 403, 404, 410:
		return true
	}
	return false
}
