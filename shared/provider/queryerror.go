package provider

import (
	"fmt"
	"strings"
)

// QueryError says which ids of a query were not answered: their calls failed after every
// retry, or the deadline came first. Client.Query returns it together with the tasks of
// every call that was answered, so one failed batch never throws the others away; the
// caller asks again for IDs only.
type QueryError struct {
	Provider string
	// IDs are the ids whose calls were not answered.
	IDs []string
	// Calls is how many calls failed or were not made.
	Calls int
	// Err is the first error (a *Error when the provider said why).
	Err error
}

func (e *QueryError) Error() string {
	ids := e.IDs
	more := ""
	if len(ids) > 5 {
		more = fmt.Sprintf(" and %d more", len(ids)-5)
		ids = ids[:5]
	}
	return fmt.Sprintf("query %s tasks [%s%s]: %d call(s) not answered: %v",
		e.Provider, strings.Join(ids, " "), more, e.Calls, e.Err)
}

func (e *QueryError) Unwrap() error { return e.Err }
