package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/sweep"
)

// `cdnwatch sweep` end to end: the simulator lists, the digest reaches Slack, and the
// same --at run again repeats the window and the notice id.
func TestSweepEndToEnd(t *testing.T) {
	f := newFixture(t)
	at := time.Now().UTC().Truncate(10 * time.Minute)
	in := at.Add(-35 * time.Minute) // in [at-40m, at-30m)
	add := func(created time.Time, o cdnsim.Object) string {
		return f.sim.AddTask("aliyun-cdn", cdnsim.Task{Created: created, Objects: []cdnsim.Object{o}})
	}
	ok := add(in, quick("https://static.example.com/ok.js"))
	bad := add(in.Add(time.Second), cdnsim.Object{Path: "https://static.example.com/bad.js", Type: cdnsim.TypeFile,
		Duration: time.Second, FailReason: "Origin Timeout"})
	slow := add(in.Add(2*time.Second), cdnsim.Object{Path: "https://static.example.com/big.mp4", Type: cdnsim.TypePreload,
		Duration: 10 * time.Hour})
	late := add(at.Add(-29*time.Minute), quick("https://static.example.com/next-window.js"))
	other := add(in, quick("https://img.example.com/other-domain.png"))

	args := []string{"sweep", "--provider", "aliyun-cdn", "--domain", "static.example.com", "--window", "10m",
		"--settle", "30m", "--at", at.Format(time.RFC3339), "--json"}
	code, stdout, stderr := f.run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var res sweep.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	// camelCase throughout, the window included.
	if !strings.Contains(stdout, `"from": "`) || strings.Contains(stdout, `"From"`) || strings.Contains(stdout, `"To"`) {
		t.Errorf("--json is not camelCase:\n%s", stdout)
	}
	d := res.Digest
	if fmt.Sprint(d.Complete, d.Failed, d.Running) != fmt.Sprint([]string{ok}, []string{bad}, []string{slow}) {
		t.Errorf("digest %v %v %v; want %s complete, %s failed, %s running (not %s, %s)", d.Complete, d.Failed, d.Running,
			ok, bad, slow, late, other)
	}
	if !res.Window.From.Equal(at.Add(-40*time.Minute)) || !res.Window.To.Equal(at.Add(-30*time.Minute)) {
		t.Errorf("window %s", res.Window)
	}
	msgs := f.slack.Messages()
	if len(msgs) != 1 {
		t.Fatalf("slack got %d messages, want the digest", len(msgs))
	}
	raw, _ := json.Marshal(msgs[0])
	for _, want := range []string{"Sweep digest", "bad.js", "Origin Timeout", "big.mp4", res.Notice.ID} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("slack digest lacks %q", want)
		}
	}
	// Retried (same --at): same window and notice id.
	code, stdout2, _ := f.run(t, args...)
	var again sweep.Result
	_ = json.Unmarshal([]byte(stdout2), &again)
	if code != 0 || again.Notice.ID != res.Notice.ID {
		t.Errorf("retry: exit %d, notice %s, first %s", code, again.Notice.ID, res.Notice.ID)
	}
	// The human form names the failure.
	code, human, _ := f.run(t, "sweep", "--provider", "aliyun-cdn", "--domain", "static.example.com",
		"--at", at.Format(time.RFC3339), "--dry-run")
	if code != 0 || !strings.Contains(human, "1 failed") || !strings.Contains(human, "bad.js — Origin Timeout") {
		t.Errorf("exit %d, output:\n%s", code, human)
	}
	if n := len(f.slack.Messages()); n != 2 {
		t.Errorf("--dry-run posted: %d messages", n)
	}
}

func TestSweepUsageErrors(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "--window", "10m"}, "--provider is required"},
		{[]string{"sweep", "--provider", "aliyun-cdn", "--window", "7m"}, "does not divide 24h"},
		{[]string{"sweep", "--provider", "aliyun-cdn", "--window", "24h", "--settle", "30h"}, "past aliyun-cdn's retention"},
		{[]string{"sweep", "--provider", "aliyun-cdn", "--at", "yesterday"}, "want an RFC 3339 time"},
		{[]string{"sweep", "--provider", "aliyun-cdn", "--at", time.Now().Add(-96 * time.Hour).Format(time.RFC3339)}, "starts before"},
		{[]string{"sweep", "--provider", "akamai"}, "unknown provider"},
	} {
		code, _, stderr := f.run(t, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, ExitUsage, tt.want)
		}
	}
	if n := f.sim.Stats("aliyun-cdn").Calls; n != 0 {
		t.Errorf("refused sweeps made %d calls", n)
	}
}
