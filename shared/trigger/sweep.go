package trigger

import (
	"strings"
	"time"

	"cdnwatch/shared/sweep"
)

// sweepRecord decodes a sweep document carried by a timer (FC timer payload, EventBridge
// detail, or a bare document). at is the trigger's own time, the tick the window is
// computed from; zero for a bare document, whose caller supplies no time (the function
// then uses its clock, see function.Handler).
func sweepRecord(context string, id string, body []byte, at time.Time) ([]Record, error) {
	d, err := sweep.Decode(body)
	if err != nil {
		return nil, Poison(context, err)
	}
	if err := CheckProvider(d.Sweep.Provider); err != nil {
		return nil, Poison(context, err)
	}
	return []Record{{ID: id, Body: body, Sweep: d, At: at}}, nil
}

// triggerTime reads a trigger's RFC 3339 time (FC triggerTime, EventBridge time). A sweep
// needs it: the window comes from the trigger's time, so a retried invocation reports
// the same window.
func triggerTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, Poisonf("%s missing: a sweep needs the trigger's time", field)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, Poisonf("%s %.40q: want an RFC 3339 time, e.g. 2026-03-01T10:40:00Z", field, s)
	}
	return t.UTC(), nil
}

// notFromQueue refuses a sweep document that arrived as a queue message: a sweep has no
// hops to continue, and a queue gives it no trigger time.
func notFromQueue(body []byte) error {
	if sweep.IsDocument(body) {
		return Poisonf("a sweep document is run by a timer (FC timer trigger, EventBridge schedule), " +
			"not from a queue message")
	}
	return nil
}

// SweepTime is the tick of a sweep record: the trigger's own time, or now when the
// envelope carried none (a bare document: direct invoke, a schedule's constant Input).
func (r *Record) SweepTime(now time.Time) time.Time {
	if r.At.IsZero() {
		return now.UTC()
	}
	return r.At
}
