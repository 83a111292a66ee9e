package watch

import (
	"fmt"
	"testing"
	"time"

	"cdnwatch/shared/provider"
)

func benchObs(n int) (*Document, map[string]provider.Task) {
	ids := make([]string, n)
	obs := make(map[string]provider.Task, n)
	for i := range ids {
		id := fmt.Sprintf("%011d", 17803183907+i)
		ids[i] = id
		st := provider.Running
		switch i % 10 {
		case 0:
			st = provider.Complete
		case 1:
			st = provider.Failed
		}
		obs[id] = provider.Aggregate(id, []provider.Object{{TaskID: id, Status: st, Progress: fmt.Sprintf("%d%%", 1+i%99),
			Created: t0.Add(-time.Duration(10+i%600) * time.Second), Path: "http://static.example.com/" + id + ".js", Reason: "Origin Timeout"}})
	}
	return &Document{V: 1, Provider: "aliyun-cdn", TaskIDs: ids, Label: "bench"}, obs
}

// BenchmarkStep10k: one hop of a 10,000-task watch (10 % complete, 10 % failed).
func BenchmarkStep10k(b *testing.B) {
	d, obs := benchObs(10000)
	b.ReportAllocs()
	for b.Loop() {
		Step(d, obs, t0, DefaultPolicy(), Info{})
	}
}

func BenchmarkEncode10k(b *testing.B) {
	d, obs := benchObs(10000)
	doc := Step(d, obs, t0, DefaultPolicy(), Info{}).Doc
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode10k(b *testing.B) {
	d, obs := benchObs(10000)
	doc := Step(d, obs, t0, DefaultPolicy(), Info{}).Doc
	data, _ := Encode(doc)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStep50k: one hop of a 50,000-task watch, where sorting the schedule dominates.
func BenchmarkStep50k(b *testing.B) {
	d, obs := benchObs(50000)
	b.ReportAllocs()
	for b.Loop() {
		Step(d, obs, t0, DefaultPolicy(), Info{})
	}
}

// BenchmarkSplit50k: splitting a 50,000-task watch for Aliyun MNS (64 KB parts).
func BenchmarkSplit50k(b *testing.B) {
	d, obs := benchObs(50000)
	doc := Step(d, obs, t0, DefaultPolicy(), Info{}).Doc
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(doc, BudgetMNS); err != nil {
			b.Fatal(err)
		}
	}
}
