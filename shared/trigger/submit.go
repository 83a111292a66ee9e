package trigger

import (
	"strconv"
	"strings"
	"time"
)

// epochMillis reads SQS's SentTimestamp ("1767225600000"); zero when absent or bad. A
// submit document's retry check lists the provider's tasks from then on.
func epochMillis(s string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// rfc3339 reads a CloudEvent time; zero when absent or bad.
func rfc3339(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
