package notify

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// DeliveryError says why a channel did not take a notice, and whether trying again helps.
type DeliveryError struct {
	Channel   string
	Status    int    // HTTP status, 0 when none
	Code      string // the service's own error code (Slack "invalid_auth", DingTalk errcode)
	Permanent bool   // 401/403/404/410 and the like: the channel is disabled for the watch
	// Auth marks a permanent refusal of our credentials (a revoked Slack token, a robot
	// signature the service rejects): a configuration error the CLI can report as such.
	Auth       bool
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

// IsAuth reports whether err is a delivery failure caused by refused credentials.
func IsAuth(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Auth
}

// PermanentStatus reports whether an HTTP status means "this destination is gone or
// refuses us": retrying will not help.
//
// 400 is kept here on purpose. A watch is done only once its outbox is empty, so a
// notice that a service rejects as malformed must not be retried hop after hop: the
// watch would never end. Channels whose service answers with its own error code (Slack
// Web API, DingTalk, Feishu, WeCom) classify by that code first, so a 400 that carries a
// rate-limit code (Feishu 11232) stays retryable; only a plain 400 falls back to this.
func PermanentStatus(code int) bool {
	switch code {
	case 400, 401, 403, 404, 410:
		return true
	}
	return false
}

// UnconfiguredError: a watch's notify list names channels that are unknown or have no
// configuration, so its notices would reach nobody. Never retried.
type UnconfiguredError struct {
	// Unknown are names that are no channel at all; Unset are channel names whose
	// variables are not set, each with the variables that configure it.
	Unknown []string
	Unset   map[string]string
}

func (e *UnconfiguredError) Error() string {
	var parts []string
	for _, n := range e.Unknown {
		parts = append(parts, fmt.Sprintf("%q is not a channel (want one of slack, webhook, dingtalk, feishu, wecom)", n))
	}
	names := make([]string, 0, len(e.Unset))
	for n := range e.Unset {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s is not configured (set %s)", n, e.Unset[n]))
	}
	return "notify: " + strings.Join(parts, "; ")
}
