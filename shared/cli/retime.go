package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseAt reads `cdnwatch invoke --at`: an RFC 3339 time, or "now".
func ParseAt(s string, now time.Time) (time.Time, error) {
	if strings.EqualFold(strings.TrimSpace(s), "now") {
		return now.UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("--at %q: want an RFC 3339 time (2026-03-01T10:40:00Z) or now", s)
	}
	return t, nil
}

// Retime sets the trigger's own time in a timer event, which is what a sweep reports on:
// "time" of an EventBridge (scheduled) envelope, "triggerTime" of an FC timer event. So a
// sample sweep runs at any date (`cdnwatch invoke --at now`) instead of the date it was
// written on, which soon passes the provider's retention. Other events have no trigger
// time and are refused with an error saying so.
func Retime(event []byte, at time.Time) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(event, &top); err != nil {
		return nil, errors.New("--at: the event is not a JSON object with a trigger time")
	}
	field := ""
	switch {
	case top["detail-type"] != nil && top["time"] != nil:
		field = "time"
	case top["triggerTime"] != nil:
		field = "triggerTime"
	default:
		return nil, errors.New(`--at: the event has no trigger time (only EventBridge "time" and FC timer "triggerTime" events have one)`)
	}
	top[field], _ = json.Marshal(at.UTC().Format(time.RFC3339))
	return json.Marshal(top)
}
