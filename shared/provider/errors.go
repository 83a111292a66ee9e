package provider

import (
	"errors"
	"fmt"
)

// Kind classifies why a provider call failed, so callers can choose an exit code or a retry
// without knowing any provider's error codes.
type Kind int

const (
	KindOther Kind = iota
	// KindAuth: credentials missing, wrong or without permission. Exit code 4.
	KindAuth
	// KindInvalidID: the provider called a task id malformed. Exit code 4.
	KindInvalidID
	// KindThrottled: rate limited even after the SDK's retries.
	KindThrottled
	// KindUnavailable: 5xx or network trouble even after the SDK's retries.
	KindUnavailable
	// KindBadRequest: the provider refused the request for another reason (a bug or a limit).
	KindBadRequest
)

func (k Kind) String() string {
	switch k {
	case KindAuth:
		return "auth"
	case KindInvalidID:
		return "invalid task id"
	case KindThrottled:
		return "throttled"
	case KindUnavailable:
		return "unavailable"
	case KindBadRequest:
		return "bad request"
	}
	return "error"
}

// Error is a provider's refusal, with the provider's own code kept for the reader.
type Error struct {
	Provider string
	Kind     Kind
	Code     string // provider's code, e.g. "InvalidTaskId.Malformed"
	Message  string // provider's message; never holds credentials
	IDs      []string
	Err      error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Provider, e.Kind)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if len(e.IDs) > 0 {
		msg += fmt.Sprintf(" [task ids %v]", e.IDs)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, KindOther when it carries none.
func KindOf(err error) Kind {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	return KindOther
}

// Refused reports whether the provider refused us for good (auth, permissions, bad ids):
// retrying will not help, and the command exits 4.
func Refused(err error) bool {
	k := KindOf(err)
	return k == KindAuth || k == KindInvalidID
}
