package watch

import (
	"time"

	"cdnwatch/shared/notify"
)

// ExtendTimeout sets d's timeout (counted from the watch's start, state.started) and,
// when d is a watch that already timed out with tasks still pending and the new timeout
// lies in the future, reopens it: state.finished is cleared so the next Step polls again.
// A timeout notice still queued in the outbox is dropped, because the watch it announces
// goes on and will end with its own summary or a new timeout notice; one already
// delivered stays delivered. It reports whether the watch was reopened.
//
// The command calls it for `cdnwatch watch --doc FILE --timeout D` and `--state FILE
// --timeout D`, so "give it more time" is one flag. The MAC is cleared: the document
// changed, and the next Step seals it again.
func ExtendTimeout(d *Document, timeout time.Duration, now time.Time) bool {
	d.Timeout = Duration{D: timeout}
	st := d.State
	if st == nil || st.Finished != EndTimeout || len(d.TaskIDs) == 0 {
		return false
	}
	if now.Sub(st.StartedAt()) >= timeout {
		return false // still past it: the next Step would time out again at once
	}
	st.Finished = ""
	keep := st.Outbox.Queue[:0:0]
	for _, q := range st.Outbox.Queue {
		if q.Notice.Kind != notify.WatchTimeout {
			keep = append(keep, q)
		}
	}
	st.Outbox.Queue = keep
	d.MAC = ""
	return true
}
