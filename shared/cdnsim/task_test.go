package cdnsim

import (
	"strings"
	"testing"
	"time"
)

func TestObjectState(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ok := Object{PendingFor: time.Minute, Duration: 10000 * time.Second}
	bad := ok
	bad.FailReason = "Origin Timeout"
	tests := []struct {
		name    string
		obj     Object
		at      time.Duration
		phase   phase
		percent string
	}{
		{"before start", ok, 59 * time.Second, phasePending, "0%"},
		{"at start", ok, time.Minute, phaseRunning, "0%"},
		{"a quarter", ok, time.Minute + 2500*time.Second, phaseRunning, "25%"},
		{"two decimals, rounded down", ok, time.Minute + 9937*time.Second + 900*time.Millisecond, phaseRunning, "99.37%"},
		{"one decimal trimmed", ok, time.Minute + 1250*time.Second, phaseRunning, "12.5%"},
		{"never 100% while running", ok, time.Minute + 10000*time.Second - time.Millisecond, phaseRunning, "99.99%"},
		{"complete at the end", ok, time.Minute + 10000*time.Second, phaseComplete, "100%"},
		{"failed at the end", bad, time.Minute + 10000*time.Second, phaseFailed, "0%"},
		{"failing object runs first", bad, time.Minute + 5000*time.Second, phaseRunning, "50%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ph, p := tt.obj.state(t0, t0.Add(tt.at))
			if ph != tt.phase || formatPercent(p) != tt.percent {
				t.Errorf("state at +%v = (%v, %q), want (%v, %q)", tt.at, ph, formatPercent(p), tt.phase, tt.percent)
			}
		})
	}
}

func TestNonceCacheRefusesReplayAndForgets(t *testing.T) {
	c := newNonceCache(time.Minute)
	t0 := time.Now()
	if !c.add("a", t0) {
		t.Fatal("first use refused")
	}
	if c.add("a", t0.Add(30*time.Second)) {
		t.Fatal("replay within ttl accepted")
	}
	if !c.add("a", t0.Add(2*time.Minute)) {
		t.Fatal("nonce still refused after ttl")
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"12,34":  "12%2C34",
		"a b*~":  "a%20b%2A~",
		"AZaz09": "AZaz09",
		"-_.~/":  "-_.~%2F",
		"é":      "%C3%A9",
	} {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProgressShapes(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(sh Shape, f float64) string {
		o := Object{Duration: 1000 * time.Second, Shape: sh}
		_, p := o.state(t0, t0.Add(time.Duration(f*1000)*time.Second))
		return formatPercent(p)
	}
	tests := []struct {
		shape Shape
		f     float64
		want  string
	}{
		{ShapeLinear, 0.3, "30%"},
		{"", 0.3, "30%"},
		{ShapeStep25, 0.2, "0%"},
		{ShapeStep25, 0.3, "25%"},
		{ShapeStep25, 0.74, "50%"},
		{ShapeStep25, 0.999, "75%"},
		{ShapeSquare, 0.5, "25%"},
		{ShapeSquare, 0.9, "81%"},
		{ShapeStuck, 0.99, "0%"},
	}
	for _, tt := range tests {
		if got := at(tt.shape, tt.f); got != tt.want {
			t.Errorf("%q at %.0f%% of its run = %s, want %s", tt.shape, 100*tt.f, got, tt.want)
		}
	}
	// Every shape completes at its end.
	for _, sh := range Shapes[:4] {
		o := Object{Duration: time.Minute, Shape: sh}
		if ph, p := o.state(t0, t0.Add(time.Minute)); ph != phaseComplete || p != 100 {
			t.Errorf("%s at its end: phase %v, %v%%", sh, ph, p)
		}
	}
}

func TestParseShape(t *testing.T) {
	for _, s := range []string{"", "linear", "step25", "square", "stuck", "mix"} {
		if _, err := ParseShape(s); err != nil {
			t.Errorf("ParseShape(%q): %v", s, err)
		}
	}
	if _, err := ParseShape("steps"); err == nil || !strings.Contains(err.Error(), `"steps"`) {
		t.Errorf("ParseShape(steps) = %v, want an error naming it", err)
	}
}

// A mixed population has the same tasks and times as a single-shape one of the same seed,
// only the shapes differ, and it uses all four.
func TestMixedPopulationKeepsTheTasks(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	pop := func(sh Shape) []Task {
		s := New(Options{Now: func() time.Time { return t0 }})
		var out []Task
		for _, id := range s.Populate("aliyun-cdn", Population{Count: 40, Seed: 9, MultiRate: 0.2, ShortRate: 0.3, Shape: sh}) {
			tk, _ := s.Task("aliyun-cdn", id)
			out = append(out, tk)
		}
		return out
	}
	lin, mix := pop(ShapeLinear), pop(ShapeMix)
	seen := map[Shape]bool{}
	short := 0
	for i := range lin {
		for j, o := range lin[i].Objects {
			m := mix[i].Objects[j]
			if o.Duration != m.Duration || o.PendingFor != m.PendingFor || o.Path != m.Path {
				t.Fatalf("task %d object %d differs between shapes: %+v vs %+v", i, j, o, m)
			}
			if o.Shape != ShapeLinear {
				t.Fatalf("linear population has shape %q", o.Shape)
			}
			seen[m.Shape] = true
			if o.Type != TypePreload && o.Duration <= 2*time.Minute {
				short++
			}
		}
	}
	if len(seen) != 4 || seen[ShapeMix] {
		t.Errorf("mix drew %v, want the four shapes", seen)
	}
	if short == 0 {
		t.Error("ShortRate 0.3 drew no short refresh")
	}
}
