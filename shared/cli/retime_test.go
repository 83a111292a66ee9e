package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRetime(t *testing.T) {
	at := time.Date(2027, 5, 6, 7, 40, 0, 0, time.UTC)
	for name, c := range map[string]struct{ event, field string }{
		"eventbridge": {`{"detail-type":"Scheduled Event","source":"aws.scheduler","time":"2026-03-01T10:40:00Z","detail":{"v":1}}`, "time"},
		"fc timer":    {`{"triggerTime":"2026-03-01T10:40:00Z","triggerName":"t","payload":"{}"}`, "triggerTime"},
	} {
		out, err := Retime([]byte(c.event), at)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil || m[c.field] != "2027-05-06T07:40:00Z" {
			t.Errorf("%s: %s", name, out)
		}
		if len(m) < 3 {
			t.Errorf("%s: fields lost: %s", name, out)
		}
	}
	for _, ev := range []string{`{"v":1,"provider":"aliyun-cdn","taskIds":["1"]}`, `[1]`, `not json`} {
		if _, err := Retime([]byte(ev), at); err == nil || !strings.Contains(err.Error(), "--at") {
			t.Errorf("%s: err %v", ev, err)
		}
	}
}

func TestParseAt(t *testing.T) {
	now := time.Date(2027, 1, 2, 3, 4, 5, 600, time.UTC)
	if got, err := ParseAt("now", now); err != nil || !got.Equal(now.Truncate(time.Second)) {
		t.Errorf("now: %v %v", got, err)
	}
	if got, err := ParseAt("2026-03-01T10:40:00+08:00", now); err != nil || got.UTC().Hour() != 2 {
		t.Errorf("rfc3339: %v %v", got, err)
	}
	if _, err := ParseAt("yesterday", now); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("bad: %v", err)
	}
}
