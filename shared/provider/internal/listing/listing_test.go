package listing

import (
	"testing"
	"time"

	"cdnwatch/shared/provider"
)

func TestCursor(t *testing.T) {
	c, err := Parse("", 3)
	if err != nil || c != (Cursor{0, 1}) {
		t.Fatalf("first: %v %v", c, err)
	}
	if n := c.Next(true, 3); n != "0/2" {
		t.Errorf("next page %q", n)
	}
	if n := (Cursor{1, 4}).Next(false, 3); n != "2/1" {
		t.Errorf("next sequence %q", n)
	}
	if n := (Cursor{2, 4}).Next(false, 3); n != "" {
		t.Errorf("end %q", n)
	}
	for _, bad := range []string{"x", "3/1", "0/0", "-1/1", "1"} {
		if _, err := Parse(bad, 3); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMore(t *testing.T) {
	for _, tt := range []struct {
		page, rows, size, asked int
		total                   int64
		want                    bool
	}{
		{1, 100, 0, 100, 250, true},
		{3, 50, 0, 100, 250, false},  // short page
		{2, 100, 0, 100, 200, false}, // total reached
		{1, 50, 50, 100, 250, true},  // server capped the page at 50: follow it
		{1, 100, 0, 100, 100, false},
	} {
		if got := More(tt.page, tt.rows, tt.size, tt.asked, tt.total); got != tt.want {
			t.Errorf("%+v: %v", tt, got)
		}
	}
}

func TestCheckRetention(t *testing.T) {
	now := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	q := provider.ListQuery{From: now.Add(-25 * time.Hour), To: now}
	if err := CheckRetention("p", q, now, 24*time.Hour); provider.KindOf(err) != provider.KindBadRequest {
		t.Errorf("past retention: %v", err)
	}
	if err := CheckRetention("p", q, now, 0); err != nil {
		t.Errorf("no retention: %v", err)
	}
	q.From = now.Add(-23 * time.Hour)
	if err := CheckRetention("p", q, now, 24*time.Hour); err != nil {
		t.Errorf("inside: %v", err)
	}
}
