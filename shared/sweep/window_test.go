package sweep

import (
	"math/rand"
	"testing"
	"time"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWindowAt(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	for _, tt := range []struct {
		at             time.Time
		w, s           time.Duration
		wantFrom, want string
	}{
		// The example of docs/design.md "Sweeps": a tick at 10:40 with settle 30m reports 10:00–10:10.
		{ts("2026-03-01T10:40:00Z"), 10 * time.Minute, 30 * time.Minute, "2026-03-01T10:00:00Z", "2026-03-01T10:10:00Z"},
		// One second earlier, 10:10 is not yet 30 minutes past: the window before.
		{ts("2026-03-01T10:39:59Z"), 10 * time.Minute, 30 * time.Minute, "2026-03-01T09:50:00Z", "2026-03-01T10:00:00Z"},
		// A timer not aligned to the window (every 10 min at :07) gets the same windows.
		{ts("2026-03-01T10:47:00Z"), 10 * time.Minute, 30 * time.Minute, "2026-03-01T10:00:00Z", "2026-03-01T10:10:00Z"},
		// The trigger time in another zone is the same instant: UTC arithmetic.
		{ts("2026-03-01T10:40:00Z").In(shanghai), 10 * time.Minute, 30 * time.Minute, "2026-03-01T10:00:00Z", "2026-03-01T10:10:00Z"},
		// Hourly windows across midnight, and a window that does not divide a day.
		{ts("2026-03-01T00:20:00Z"), time.Hour, 15 * time.Minute, "2026-02-28T23:00:00Z", "2026-03-01T00:00:00Z"},
		// (WindowAt aligns to the epoch; documents only accept windows dividing a day.)
		{ts("2026-03-01T00:00:00Z"), 7 * time.Minute, 0, "2026-02-28T23:52:00Z", "2026-02-28T23:59:00Z"},
		// Before the epoch the floor still rounds down.
		{ts("1969-12-31T23:55:00Z"), 10 * time.Minute, 0, "1969-12-31T23:40:00Z", "1969-12-31T23:50:00Z"},
		// A US daylight-saving change (2026-03-08 02:00 local) does not move UTC windows.
		{ts("2026-03-08T10:05:00Z").In(mustLoad(t, "America/New_York")), time.Hour, 0, "2026-03-08T09:00:00Z", "2026-03-08T10:00:00Z"},
	} {
		got := WindowAt(tt.at, tt.w, tt.s)
		if got.From.Format(time.RFC3339) != tt.wantFrom || got.To.Format(time.RFC3339) != tt.want {
			t.Errorf("WindowAt(%s, %s, %s) = %s, want [%s, %s)", tt.at.Format(time.RFC3339), tt.w, tt.s, got, tt.wantFrom, tt.want)
		}
		if got.From.Location() != time.UTC {
			t.Errorf("window not in UTC: %s", got.From)
		}
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	return loc
}

// The tiling property, on random ticks: the tick one window later reports the adjacent
// window; every tick's window ended at least settle before it and is the last such; and
// any tick time within the same period reports the same window.
func TestWindowsTile(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	for range 10000 {
		w := time.Duration(1+rnd.Intn(240)) * time.Minute
		s := time.Duration(rnd.Intn(3*3600)) * time.Second
		at := time.Unix(1_700_000_000+rnd.Int63n(100_000_000), int64(rnd.Intn(1e9))).UTC()
		a, b := WindowAt(at, w, s), WindowAt(at.Add(w), w, s)
		if !a.To.Equal(b.From) || b.To.Sub(b.From) != w || a.To.Sub(a.From) != w {
			t.Fatalf("w=%s s=%s at=%s: %s then %s do not tile", w, s, at, a, b)
		}
		if at.Sub(a.To) < s || at.Sub(a.To) >= s+w {
			t.Fatalf("w=%s s=%s at=%s: window %s ends %s before the tick", w, s, at, a, at.Sub(a.To))
		}
		if a.To.UnixNano()%int64(w) != 0 {
			t.Fatalf("window %s not aligned to %s", a, w)
		}
		if r := Reach(w, s); at.Sub(a.From) > r {
			t.Fatalf("w=%s s=%s: window %s reaches %s back, over Reach %s", w, s, a, at.Sub(a.From), r)
		}
	}
}
