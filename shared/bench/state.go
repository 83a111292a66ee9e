package bench

import (
	"fmt"
	"time"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// StateSize is the encoded size of a watch after its first hop.
type StateSize struct {
	IDs        int
	Bytes      int     // the whole encoded document
	PerTask    float64 // Bytes / IDs
	Marginal   float64 // bytes each further pending id adds
	MNSParts   int     // documents it splits into for Aliyun MNS (64 KB)
	SFNParts   int     // ... for Step Functions (256 KiB)
	LargestMNS int
}

// MeasureStateSize encodes a watch of n pending 11-digit Aliyun ids after one hop that
// saw them all running (so the state carries a schedule), with a label and one channel.
func MeasureStateSize(n int) (StateSize, error) {
	doc := func(n int) (*watch.Document, error) {
		ids := make([]string, n)
		obs := make(map[string]provider.Task, n)
		now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
		for i := range ids {
			id := fmt.Sprintf("%011d", 17803183907+i*7)
			ids[i] = id
			obs[id] = provider.Aggregate(id, []provider.Object{{TaskID: id, Status: provider.Running,
				Progress: fmt.Sprintf("%d%%", 5+i%90), Created: now.Add(-time.Duration(30+i%300) * time.Second),
				Path: "http://static.example.com/" + id + ".js"}})
		}
		d := &watch.Document{V: 1, Provider: "aliyun-cdn", TaskIDs: ids, Label: "web v1.4.2", Notify: []string{"slack"}}
		r := watch.Step(d, obs, now, watch.DefaultPolicy(), watch.Info{})
		if err := watch.Seal(r.Doc, []byte("bench-state-key")); err != nil {
			return nil, err
		}
		return r.Doc, nil
	}
	d, err := doc(n)
	if err != nil {
		return StateSize{}, err
	}
	b, err := watch.Encode(d)
	if err != nil {
		return StateSize{}, err
	}
	d1, err := doc(n + 100)
	if err != nil {
		return StateSize{}, err
	}
	b1, _ := watch.Encode(d1)
	s := StateSize{IDs: n, Bytes: len(b), PerTask: float64(len(b)) / float64(n), Marginal: float64(len(b1)-len(b)) / 100}
	mns, err := watch.Split(d, watch.BudgetMNS)
	if err != nil {
		return s, err
	}
	sfn, err := watch.Split(d, watch.BudgetStepFunctions)
	if err != nil {
		return s, err
	}
	s.MNSParts, s.SFNParts = len(mns), len(sfn)
	for _, p := range mns {
		pb, _ := watch.Encode(p)
		s.LargestMNS = max(s.LargestMNS, len(pb))
	}
	return s, nil
}
