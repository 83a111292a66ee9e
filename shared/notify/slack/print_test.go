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
	type wireCase struct {
		method, body string
		status       int
		code         string
	}
	many := `{"blocks":[` + strings.TrimSuffix(strings.Repeat(`{"type":"divider"},`, 51), ",") + `]}`
	long := `{"blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("x", 151) + `"}}]}`
	cases := []wireCase{
		{"GET", "", 405, "invalid_method"},
		{"POST", "{", 400, "invalid_payload"},
		{"POST", `{}`, 400, "no_text"},
		{"POST", many, 400, "invalid_blocks"},
		{"POST", long, 400, "invalid_blocks"},
		{"POST", `{"text":"hi"}`, 200, "ok"},
		{"POST", `{"text":"x","blocks":{"type":"divider"}}`, 400, "invalid_blocks_format"},
	}
	// Blocks are checked field by field against Slack's Block Kit documents; each of
	// these is one mistake in an otherwise valid message, or a valid one.
	for _, c := range []struct{ name, block, code string }{
		{"unknown block type", `{"type":"headr","text":{"type":"plain_text","text":"x"}}`, "invalid_blocks"},
		{"misspelt field", `{"type":"section","txt":{"type":"mrkdwn","text":"x"}}`, "invalid_blocks"},
		{"header in mrkdwn", `{"type":"header","text":{"type":"mrkdwn","text":"x"}}`, "invalid_blocks"},
		{"empty section", `{"type":"section"}`, "invalid_blocks"},
		{"empty text", `{"type":"section","text":{"type":"mrkdwn","text":""}}`, "invalid_blocks"},
		{"section text too long", `{"type":"section","text":{"type":"mrkdwn","text":"` + strings.Repeat("x", 3001) + `"}}`, "invalid_blocks"},
		{"unknown text type", `{"type":"section","text":{"type":"markdown","text":"x"}}`, "invalid_blocks"},
		{"emoji on mrkdwn", `{"type":"section","text":{"type":"mrkdwn","text":"x","emoji":false}}`, "invalid_blocks"},
		{"verbatim on plain_text", `{"type":"section","text":{"type":"plain_text","text":"x","verbatim":true}}`, "invalid_blocks"},
		{"unknown text field", `{"type":"section","text":{"type":"plain_text","text":"x","bold":true}}`, "invalid_blocks"},
		{"11 fields", `{"type":"section","fields":[` + strings.TrimSuffix(strings.Repeat(`{"type":"mrkdwn","text":"f"},`, 11), ",") + `]}`, "invalid_blocks"},
		{"field too long", `{"type":"section","fields":[{"type":"mrkdwn","text":"` + strings.Repeat("x", 2001) + `"}]}`, "invalid_blocks"},
		{"accessory", `{"type":"section","text":{"type":"mrkdwn","text":"x"},"accessory":{"type":"button"}}`, "invalid_blocks"},
		{"empty context", `{"type":"context","elements":[]}`, "invalid_blocks"},
		{"11 context elements", `{"type":"context","elements":[` + strings.TrimSuffix(strings.Repeat(`{"type":"mrkdwn","text":"e"},`, 11), ",") + `]}`, "invalid_blocks"},
		{"image without alt_text", `{"type":"context","elements":[{"type":"image","image_url":"https://example.com/i.png"}]}`, "invalid_blocks"},
		{"long block_id", `{"type":"divider","block_id":"` + strings.Repeat("b", 256) + `"}`, "invalid_blocks"},
		{"divider with text", `{"type":"divider","text":{"type":"plain_text","text":"x"}}`, "invalid_blocks"},
		{"valid image element", `{"type":"context","elements":[{"type":"image","image_url":"https://example.com/i.png","alt_text":"i"},{"type":"plain_text","text":"t","emoji":true}]}`, "ok"},
		{"valid section", `{"type":"section","block_id":"b1","text":{"type":"mrkdwn","text":"*x*","verbatim":true},"fields":[{"type":"plain_text","text":"f"}],"expand":true}`, "ok"},
	} {
		status := http.StatusBadRequest
		if c.code == "ok" {
			status = http.StatusOK
		}
		cases = append(cases, wireCase{"POST", `{"text":"` + c.name + `","blocks":[` + c.block + `]}`, status, c.code})
	}
	accepted := 0
	for _, c := range cases {
		if c.code == "ok" {
			accepted++
		}
		req, _ := http.NewRequest(c.method, srv.URL+"/any", strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || b.String() != c.code {
			t.Errorf("%s %.60s: %d %q, want %d %q", c.method, c.body, resp.StatusCode, b.String(), c.status, c.code)
		}
	}
	if len(rcv.Messages()) != accepted || rcv.Requests() != len(cases) {
		t.Errorf("messages %d, requests %d; want %d, %d", len(rcv.Messages()), rcv.Requests(), accepted, len(cases))
	}
}
