package bench

import (
	"context"
	"testing"
	"time"

	_ "cdnwatch/shared/provider/aliyuncdn"
)

// On the virtual clock the comparison is deterministic: cdnwatch's schedule must see tasks
// finish sooner than a fixed 20 s poll while spending fewer calls.
func TestAdaptiveBeatsFixedPoll(t *testing.T) {
	res, err := MeasureDelay(context.Background(), DelayScenario{Provider: "aliyun-cdn", Watches: 3, Tasks: 30}, PollAdaptive, PollFixed20)
	if err != nil {
		t.Fatal(err)
	}
	adaptive, fixed := res[0], res[1]
	t.Logf("adaptive: %+v", adaptive)
	t.Logf("fixed:    %+v", fixed)
	if adaptive.Tasks != 90 || fixed.Tasks != 90 {
		t.Fatalf("tasks = %d / %d, want 90", adaptive.Tasks, fixed.Tasks)
	}
	if adaptive.P95 > 5*time.Second {
		t.Errorf("adaptive p95 delay %s, want ≤ 5s", adaptive.P95)
	}
	if adaptive.CallsPerWatch >= fixed.CallsPerWatch {
		t.Errorf("adaptive spends %.1f calls per watch, fixed 20 s poll %.1f", adaptive.CallsPerWatch, fixed.CallsPerWatch)
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
