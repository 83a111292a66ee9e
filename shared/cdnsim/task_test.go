package cdnsim

import (
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
