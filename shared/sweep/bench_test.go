package sweep_test

import (
	"context"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
)

// BenchmarkTick5000 is the closing measurement of the sweep issue: one tick over a window
// of 5,000 tasks (20% of them with several objects, 20% prefetches) at the documented
// listing limit (5 calls/s, 50 rows a page) with 40 ms per call. Run with
// go test ./shared/sweep -run ^$ -bench Tick5000 -benchtime 1x.
func BenchmarkTick5000(b *testing.B) {
	f := newFixture(b, 0, 40*time.Millisecond)
	const w, s = 10 * time.Minute, 30 * time.Minute
	f.sim.Populate(prov, cdnsim.Population{Count: 5000, Seed: 11, FailRate: 0.02, MultiRate: 0.2,
		PreloadRate: 0.2, DirectoryRate: 0.05, Spread: w})
	at := day0.Add(w + s)
	f.clock.Set(at)
	d := doc(w, s, "static.example.com")
	for b.Loop() {
		start := time.Now()
		res, err := f.runner.Run(context.Background(), d, at)
		if err != nil {
			b.Fatal(err)
		}
		st := f.sim.Stats(prov)
		b.ReportMetric(float64(res.Calls), "calls/tick")
		b.ReportMetric(float64(st.ListRows), "rows")
		b.ReportMetric(time.Since(start).Seconds(), "s/tick")
		b.Logf("%d tasks (%d rows), %d calls, %d throttled, %s", res.Digest.Total, st.ListRows, res.Calls, st.Throttled, time.Since(start).Round(time.Millisecond))
	}
}
