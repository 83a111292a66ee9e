package slack_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/slack"
)

// TestReceiverPrints posts every kind through the receiver and checks the terminal
// printout; run with -v to see it.
func TestReceiverPrints(t *testing.T) {
	var out bytes.Buffer
	rcv := slack.NewReceiver(&out)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ch := newChannel(t, srv.URL)
	for _, k := range notifytest.Kinds() {
		if _, err := ch.Send(t.Context(), notifytest.Notice(k), ""); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	n := notifytest.Notice(notify.WatchFinished)
	n.NoFailedState, n.Provider = true, "aws-cloudfront"
	n.Counts, n.Failures = notify.Counts{Total: 3, Complete: 3}, nil
	if _, err := ch.Send(t.Context(), n, ""); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	t.Logf("printout:\n%s", text)
	if got := strings.Count(text, "╭─ slack · message "); got != len(notifytest.Kinds())+1 {
		t.Errorf("%d framed messages printed, want %d", got, len(notifytest.Kinds())+1)
	}
	for _, want := range []string{
		"│ ✅ Finished — web v1.4.2",
		"│ Provider  aliyun-cdn",
		"│ Elapsed   4m12s",
		"│ Tasks     17 complete · 2 failed · 1 unknown · 3 pending, of 23",
		"│ • 16520011 " + notifytest.FixturePath + " — " + notifytest.FixtureReason,
		"[████████████░░░░░░░░] 61.5%",
		"CloudFront reports no failed state",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("printout lacks %q", want)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if !strings.HasPrefix(l, "│") && !strings.HasPrefix(l, "╭") && !strings.HasPrefix(l, "╰") {
			t.Errorf("line outside the frame: %q", l)
		}
		if strings.ContainsAny(l, "*`") || strings.Contains(l, "&amp;") {
			t.Errorf("markup left in printout: %q", l)
		}
	}
}

func TestReceiverRejectsLikeSlack(t *testing.T) {
	rcv := slack.NewReceiver(nil)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	many := `{"blocks":[` + strings.TrimSuffix(strings.Repeat(`{"type":"divider"},`, 51), ",") + `]}`
	long := `{"blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("x", 151) + `"}}]}`
	for _, c := range []struct {
		method, body string
		status       int
		code         string
	}{
		{"GET", "", 405, "invalid_method"},
		{"POST", "{", 400, "invalid_payload"},
		{"POST", `{}`, 400, "no_text"},
		{"POST", many, 400, "invalid_blocks"},
		{"POST", long, 400, "invalid_blocks"},
		{"POST", `{"text":"hi"}`, 200, "ok"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+"/any", strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || b.String() != c.code {
			t.Errorf("%s %.30s: %d %q, want %d %q", c.method, c.body, resp.StatusCode, b.String(), c.status, c.code)
		}
	}
	if len(rcv.Messages()) != 1 || rcv.Requests() != 6 {
		t.Errorf("messages %d, requests %d; want 1, 6", len(rcv.Messages()), rcv.Requests())
	}
}
