package bench

import (
	"context"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	_ "cdnwatch/shared/provider/aliyuncdn"
)

// On the virtual clock, under the documented rate, the comparison is deterministic.
// cdnwatch must report every task on every progress shape, never spend more calls than a
// fixed 20 s poll (beyond the half percent that poll saves by drifting), and on linear
// progress see most tasks finish within a few seconds for well under its calls. The AWS
// CLI waiter, as it really behaves, gives up on long tasks.
func TestDelayOnEveryShape(t *testing.T) {
	for _, sh := range cdnsim.Shapes {
		t.Run(string(sh), func(t *testing.T) {
			res, err := MeasureDelay(context.Background(), DelayScenario{Provider: "aliyun-cdn", Watches: 3, Tasks: 30,
				Shape: sh, ShortRate: DelayShortRate}, PollAdaptive, PollFixed20, PollAWSWaiter)
			if err != nil {
				t.Fatal(err)
			}
			adaptive, fixed, aws := res[0], res[1], res[2]
			for _, r := range res {
				t.Logf("%s: p50 %s p95 %s max %s calls/watch %.1f unreported %d", r.Poller, fmtDelay(r.P50), fmtDelay(r.P95),
					fmtDelay(r.Max), r.CallsPerWatch, r.Unreported)
			}
			if adaptive.Tasks != 90 || adaptive.Unreported != 0 || fixed.Unreported != 0 {
				t.Fatalf("adaptive %d tasks, %d unreported; fixed %d unreported", adaptive.Tasks, adaptive.Unreported, fixed.Unreported)
			}
			if aws.Unreported == 0 {
				t.Errorf("the AWS waiter reported every task; it gives up after 30 tries (580 s)")
			}
			// A wrong estimate costs at most one coarse-grid wait (the policy's Max).
			if adaptive.Max > 2*time.Minute {
				t.Errorf("adaptive max delay %s, want ≤ 2m", adaptive.Max)
			}
			if adaptive.CallsPerWatch > fixed.CallsPerWatch*1.005 {
				t.Errorf("adaptive spends %.1f calls per watch, fixed 20 s poll %.1f", adaptive.CallsPerWatch, fixed.CallsPerWatch)
			}
			if sh == cdnsim.ShapeLinear {
				if adaptive.P95 > 5*time.Second {
					t.Errorf("adaptive p95 delay %s on linear progress, want ≤ 5s", adaptive.P95)
				}
				if adaptive.CallsPerWatch > 0.5*fixed.CallsPerWatch {
					t.Errorf("adaptive spends %.1f calls per watch on linear progress, want ≤ half of %.1f", adaptive.CallsPerWatch, fixed.CallsPerWatch)
				}
			}
		})
	}
}

func TestStateSizeAndSplit(t *testing.T) {
	s, err := MeasureStateSize(10000)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", s)
	if s.Marginal > 16 {
		t.Errorf("each pending id adds %.1f bytes, want ≤ 16", s.Marginal)
	}
	if s.MNSParts < 3 || s.LargestMNS > 64*1024 {
		t.Errorf("MNS split into %d parts, largest %d bytes", s.MNSParts, s.LargestMNS)
	}
}
