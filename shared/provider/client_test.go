package provider

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingDriver answers every id as complete and records the batches it was asked.
type countingDriver struct {
	limits  Limits
	mu      sync.Mutex
	batches [][]string
}

func (d *countingDriver) Name() string   { return "counting" }
func (d *countingDriver) Limits() Limits { return d.limits }
func (d *countingDriver) Describe(_ context.Context, ids []string) ([]Object, error) {
	d.mu.Lock()
	d.batches = append(d.batches, append([]string(nil), ids...))
	d.mu.Unlock()
	var out []Object
	for _, id := range ids {
		if id == "gone" {
			continue // the provider does not know it
		}
		out = append(out, Object{TaskID: id, Status: Complete, Path: "/" + id})
	}
	return out, nil
}

func TestQueryBatchesDedupesAndMarksUnknown(t *testing.T) {
	drv := &countingDriver{limits: Limits{IDsPerCall: 3, QPS: 1000}}
	got, err := NewClient(drv, 0).Query(context.Background(), []string{"1", "2", "2", "3", "4", "gone", "5"})
	if err != nil {
		t.Fatal(err)
	}
	if len(drv.batches) != 2 {
		t.Errorf("batches = %v, want 2 of at most 3 ids", drv.batches)
	}
	for _, b := range drv.batches {
		if len(b) > 3 {
			t.Errorf("batch %v over the limit", b)
		}
	}
	if len(got) != 6 || got["gone"].Status != Unknown || got["2"].Status != Complete {
		t.Fatalf("got %+v", got)
	}
}

func TestQueryStoppedByDeadlineSaysSo(t *testing.T) {
	drv := &countingDriver{limits: Limits{IDsPerCall: 1, QPS: 2}}
	c := NewClient(drv, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	_, err := c.Query(ctx, ids)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "calls not made") {
		t.Fatalf("err = %v, want a deadline error counting the calls not made", err)
	}
}

func TestAggregate(t *testing.T) {
	obj := func(s Status) Object { return Object{Status: s} }
	tests := []struct {
		objs []Object
		want Status
	}{
		{nil, Unknown},
		{[]Object{obj(Complete), obj(Complete)}, Complete},
		{[]Object{obj(Complete), obj(Failed)}, Failed},
		{[]Object{obj(Running), obj(Failed)}, Running}, // finished only when all objects are
		{[]Object{obj(Pending), obj(Complete)}, Pending},
		{[]Object{obj(Unknown), obj(Unknown)}, Unknown},
	}
	for _, tc := range tests {
		if got := Aggregate("1", tc.objs).Status; got != tc.want {
			t.Errorf("Aggregate(%v) = %s, want %s", tc.objs, got, tc.want)
		}
	}
}
