package trigger

import (
	"errors"
	"fmt"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// PoisonError marks input that can never succeed however often it is retried: malformed
// JSON, an unknown envelope or provider, a document over its budget, a failed MAC, a task
// id the provider calls malformed. Queue messages carrying it go to the dead-letter queue,
// never back to the queue.
type PoisonError struct {
	// Problem names what is wrong, e.g. "watch document: taskIds: no task ids".
	Problem string
	Err     error
}

func (e *PoisonError) Error() string { return e.Problem }
func (e *PoisonError) Unwrap() error { return e.Err }

// Poison wraps err as a PoisonError with context.
func Poison(context string, err error) error {
	if err == nil {
		return nil
	}
	var pe *PoisonError
	if errors.As(err, &pe) {
		if context == "" {
			return err
		}
		return &PoisonError{Problem: context + ": " + pe.Problem, Err: pe.Err}
	}
	p := err.Error()
	if context != "" {
		p = context + ": " + p
	}
	return &PoisonError{Problem: p, Err: err}
}

// Poisonf makes a PoisonError from a message.
func Poisonf(format string, args ...any) error {
	return &PoisonError{Problem: fmt.Sprintf(format, args...)}
}

// IsPoison reports whether err can never succeed on retry: a PoisonError, a bad document
// (watch.DecodeError, watch.ErrMAC, watch.BudgetError), an unknown provider, or a task id
// the provider called malformed. Everything else (network, throttling, 5xx, a failed
// continuation, missing permissions that an operator can fix) is transient.
func IsPoison(err error) bool {
	if err == nil {
		return false
	}
	var (
		pe *PoisonError
		de *watch.DecodeError
		be *watch.BudgetError
		ue *provider.ErrUnknownProvider
		ne *notify.UnconfiguredError
	)
	switch {
	case errors.As(err, &pe), errors.As(err, &de), errors.As(err, &be), errors.As(err, &ue),
		errors.As(err, &ne), errors.Is(err, watch.ErrMAC):
		return true
	}
	return provider.KindOf(err) == provider.KindInvalidID
}

// TransientError is what a handler returns when a retry may succeed; its type name is the
// errorType a Step Functions Retry matches ("TransientError").
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }
