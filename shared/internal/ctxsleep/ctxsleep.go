// Package ctxsleep is the one "wait d, or until the context ends" the project's loops
// share (the command's waits, the submitter's pauses, CloudFront's retry backoff).
package ctxsleep

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends, and returns ctx.Err() in that case. A d of zero or
// less returns at once (with ctx.Err()).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
