package aliyun

import (
	"fmt"
	"time"

	"cdnwatch/shared/provider"
)

// CheckTaskID accepts Aliyun refresh/prefetch task ids: decimal digits only.
func CheckTaskID(id string) error {
	if id == "" {
		return fmt.Errorf("empty task id")
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return fmt.Errorf("task id %q is malformed: Aliyun task ids are digits only", id)
		}
	}
	if len(id) > 20 {
		return fmt.Errorf("task id %q is malformed: too long for an Aliyun task id", id)
	}
	return nil
}

// MapStatus maps the refresh task statuses CDN and DCDN share. known is false for a word
// we have not seen documented; such rows count as running, so polling goes on rather
// than ending on a guess.
func MapStatus(raw string) (s provider.Status, known bool) {
	switch raw {
	case "Pending":
		return provider.Pending, true
	case "Refreshing":
		return provider.Running, true
	case "Complete":
		return provider.Complete, true
	case "Failed":
		return provider.Failed, true
	}
	return provider.Running, false
}

// ParseTime reads Aliyun's UTC timestamps ("2020-08-03T08:54:23Z"); zero when absent.
func ParseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
