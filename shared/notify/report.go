package notify

import "errors"

// Report says what one Deliver or DeliverNow call did.
type Report struct {
	// Delivered counts the notices each channel acknowledged in this call.
	Delivered map[string]int
	// Errors are the delivery failures of this call, redacted, each naming the notice;
	// errors.As finds the *DeliveryError with the channel, status and code.
	Errors []error
	// Disabled lists the channels this call disabled for the watch (permanent errors).
	// Channels disabled on earlier hops are in Outbox.Disabled.
	Disabled []string
	// Unknown lists target names that no configured channel answers to.
	Unknown []string
	// Dropped counts notices that left the outbox without any channel taking them,
	// because every target was disabled or unknown. They are logged at warn level.
	Dropped int
	// Queued is the number of notices still waiting in the outbox.
	Queued int
}

func newReport() Report { return Report{Delivered: map[string]int{}} }

// Err joins Errors, or is nil when there were none.
func (r Report) Err() error { return errors.Join(r.Errors...) }

// Total is the number of deliveries (notice × channel) made in this call.
func (r Report) Total() int {
	n := 0
	for _, c := range r.Delivered {
		n += c
	}
	return n
}
