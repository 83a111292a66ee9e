package cdnsim_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	_ "cdnwatch/shared/provider/all" // trigger.Decode checks the provider is built in
	"cdnwatch/shared/trigger"
)

// TestSamplesCoverEvents decodes every file in events/ as the functions do and checks the
// simulator's samples know every task id it names, under its provider, and the
// distribution the CloudFront samples name: a sample with a new id fails here first.
func TestSamplesCoverEvents(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	if len(files) == 0 {
		t.Fatal("no events/")
	}
	seen := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rt := trigger.Lambda
		if strings.HasPrefix(filepath.Base(f), "fc-") {
			rt = trigger.FC
		}
		ev, err := trigger.Decode(rt, raw, nil)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		for _, rec := range ev.Records {
			if rec.Doc == nil {
				continue // a sweep: it lists, it names no ids
			}
			s := cdnsim.SampleIDs[rec.Doc.Provider]
			known := slices.Concat(s.Quick, s.Failing, s.Slow)
			for _, id := range rec.Doc.TaskIDs {
				seen++
				if !slices.Contains(known, id) {
					t.Errorf("%s: %s task %s is not in cdnsim.SampleIDs", filepath.Base(f), rec.Doc.Provider, id)
				}
			}
			if d := rec.Doc.Scope["distributionId"]; rec.Doc.Provider == "aws-cloudfront" && d != cdnsim.SampleDistributionID {
				t.Errorf("%s: distribution %q, the samples live in %s", filepath.Base(f), d, cdnsim.SampleDistributionID)
			}
		}
	}
	if seen < 20 {
		t.Errorf("only %d task ids in events/", seen)
	}
}

// Every sample id is stored and answered; the sweep windows hold one complete and one
// failed task from an hour before now to the horizon.
func TestAddSamples(t *testing.T) {
	now := time.Date(2027, 3, 1, 10, 43, 0, 0, time.UTC)
	sim := cdnsim.New(cdnsim.Options{Now: func() time.Time { return now }, AccessKeyID: "k", AccessKeySecret: "s"})
	for p, s := range cdnsim.SampleIDs {
		ids := sim.AddSamples(p, now)
		want := slices.Concat(s.Quick, s.Failing, s.Slow)
		if !slices.Equal(ids, want) {
			t.Errorf("%s: AddSamples %v, want %v", p, ids, want)
		}
		for _, id := range ids {
			task, ok := sim.Task(p, id)
			if !ok || len(task.Objects) == 0 {
				t.Errorf("%s: %s not stored", p, id)
			}
			if p == "aws-cloudfront" && task.Scope["distributionId"] != cdnsim.SampleDistributionID {
				t.Errorf("%s in distribution %v", id, task.Scope)
			}
		}
	}
	if sim.AddSamples("no-such-provider", now) != nil {
		t.Error("samples for an unknown provider")
	}
}
