package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/slack"
)

const (
	botToken  = "xoxb-1111-2222-s3cr3tB0tT0k3n"
	chanName  = "#cdn-ops"
	chanID    = "C0CDNOPS1"
	apiPrefix = "/api"
)

// apiReceiver adapts slack.WebAPI to notifytest.Receiver. A "message" for the suite is
// what a notice produced that people read as that notice: each thread reply, and each
// top-level message without replies (a progress-only live message, a sweep digest).
type apiReceiver struct {
	*slack.WebAPI
	t *testing.T
}

func (r apiReceiver) Received() []notifytest.Message {
	msgs := r.Messages()
	hasReplies := map[string]bool{}
	for _, m := range msgs {
		if m.ThreadTS != "" {
			hasReplies[m.ThreadTS] = true
		}
	}
	var out []notifytest.Message
	for _, m := range msgs {
		if m.ThreadTS == "" && hasReplies[m.TS] {
			continue
		}
		viaSlackGo(r.t, m.Msg)
		out = append(out, notifytest.Message{Text: slack.PlainText(m.Msg)})
	}
	return out
}

func newBot(t *testing.T, base string) *slack.Bot {
	t.Helper()
	return notifytest.Must(slack.NewBot(slack.BotConfig{Token: botToken, Channel: chanName, APIURL: base + apiPrefix}))(t)
}

func TestBotConformance(t *testing.T) {
	notifytest.Run(t, notifytest.Harness{
		Name: slack.Name,
		New:  func(t *testing.T, base string) notify.Channel { return newBot(t, base) },
		Receiver: func(t *testing.T) notifytest.Receiver {
			return apiReceiver{slack.NewWebAPI(io.Discard, botToken, chanName, chanID), t}
		},
		Secrets:         []string{botToken},
		RequestsPerSend: 2,
	})
}

// One watch over several hops: the first hop posts the live message, progress hops edit
// it, a failure and the final summary go into its thread, and the summary also puts the
// live message in its final state. The outbox (and its thread handle) is carried from
// hop to hop as the watch document carries it.
func TestBotLiveMessageAcrossHops(t *testing.T) {
	var printed strings.Builder
	api := slack.NewWebAPI(&printed, botToken, chanName, chanID)
	srv := httptest.NewServer(api)
	defer srv.Close()
	log, logs := notifytest.CaptureLogs()
	d := &notify.Dispatcher{Channels: []notify.Channel{newBot(t, srv.URL)}, Logger: log,
		Sleep: (&notifytest.Sleeps{}).Sleep}

	start := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	progress := func(hop int, pct float64, c notify.Counts) notify.Notice {
		n := notifytest.Notice(notify.Progress)
		n.ID, n.At, n.Progress, n.Counts = "ntc-progress", start.Add(time.Duration(hop)*time.Minute), pct, c
		n.Started = start
		return n
	}
	var box notify.Outbox
	hop := func(i int, pct float64, c notify.Counts, notices ...notify.Notice) {
		t.Helper()
		box.Add(notices...)
		if err := d.Deliver(t.Context(), &box, nil).Err(); err != nil {
			t.Fatalf("hop %d: Deliver: %v", i, err)
		}
		if pct >= 0 {
			if err := d.DeliverProgress(t.Context(), &box, progress(i, pct, c), nil).Err(); err != nil {
				t.Fatalf("hop %d: DeliverProgress: %v", i, err)
			}
		}
	}
	hop(1, 10, notify.Counts{Total: 23, Pending: 23})
	if got := box.Threads[slack.Name]; !strings.HasPrefix(got, chanID+":") {
		t.Fatalf("thread handle after hop 1 = %q, want %q + ts", got, chanID+":")
	}
	parentTS := strings.TrimPrefix(box.Threads[slack.Name], chanID+":")
	hop(2, 35, notify.Counts{Total: 23, Complete: 6, Pending: 17})
	failed := notifytest.Notice(notify.TaskFailed)
	// Hop 3: Slack rate-limits the first call; the dispatcher waits and tries again.
	api.FailNext(1, http.StatusTooManyRequests, 2*time.Second)
	hop(3, 61.5, notify.Counts{Total: 23, Complete: 17, Failed: 2, Pending: 4}, failed)
	hop(4, 80, notify.Counts{Total: 23, Complete: 19, Failed: 2, Pending: 2})
	finished := notifytest.Notice(notify.WatchFinished)
	hop(5, -1, notify.Counts{}, finished) // the engine sends no progress once finished

	msgs := api.Messages()
	if len(msgs) != 3 {
		t.Fatalf("Slack has %d messages, want 3 (live message + 2 replies):\n%s", len(msgs), printed.String())
	}
	parent, reply1, reply2 := msgs[0], msgs[1], msgs[2]
	if parent.TS != parentTS || parent.ThreadTS != "" {
		t.Errorf("first message ts=%s thread=%q, want the live message %s", parent.TS, parent.ThreadTS, parentTS)
	}
	// Edits: progress at hops 2, 3 and 4, the final state at hop 5. The failure at hop
	// 3 is a reply only; that hop's progress moves the live message.
	if parent.Edits != 4 {
		t.Errorf("live message edited %d times, want 4", parent.Edits)
	}
	final := slack.PlainText(parent.Msg)
	for _, want := range []string{"Finished with failures", "100%", "20 complete", "Failures and the summary are in the thread"} {
		if !strings.Contains(final, want) {
			t.Errorf("final live message lacks %q:\n%s", want, final)
		}
	}
	if strings.Contains(final, notifytest.FixturePath) {
		t.Errorf("the live message lists failures; they belong in the thread:\n%s", final)
	}
	for i, r := range []slack.APIMessage{reply1, reply2} {
		if r.ThreadTS != parentTS {
			t.Errorf("reply %d thread_ts = %q, want %q", i+1, r.ThreadTS, parentTS)
		}
	}
	if txt := slack.PlainText(reply1.Msg); !strings.Contains(txt, "Tasks failed") || !strings.Contains(txt, notifytest.FixturePath) {
		t.Errorf("first reply is not the failure notice:\n%s", txt)
	}
	if txt := slack.PlainText(reply2.Msg); !strings.Contains(txt, "Finished with failures") || !strings.Contains(txt, notifytest.FixtureReason) {
		t.Errorf("second reply is not the summary:\n%s", txt)
	}
	if len(box.Queue) != 0 || len(box.Disabled) != 0 {
		t.Errorf("outbox queue %d, disabled %v; want empty", len(box.Queue), box.Disabled)
	}
	notifytest.AssertNoSecrets(t, "logs", logs.String(), botToken)
	if testing.Verbose() {
		os.Stdout.WriteString(printed.String())
	}
}

// A live message someone deleted cannot be edited: the bot starts a new one and keeps
// threading under it. (A failure reply alone does not edit; Slack would post it
// unthreaded, and the same hop's progress edit then finds the message gone.)
func TestBotRecoversDeletedLiveMessage(t *testing.T) {
	api := slack.NewWebAPI(nil, botToken, chanName, chanID)
	srv := httptest.NewServer(api)
	defer srv.Close()
	bot := newBot(t, srv.URL)
	thread, err := bot.Send(t.Context(), notifytest.Notice(notify.Progress), "")
	if err != nil {
		t.Fatal(err)
	}
	_, ts, _ := strings.Cut(thread, ":")
	api.DeleteMessage(ts)
	thread2, err := bot.Send(t.Context(), notifytest.Notice(notify.WatchFinished), thread)
	if err != nil {
		t.Fatalf("Send after the live message was deleted: %v", err)
	}
	if thread2 == thread || thread2 == "" {
		t.Fatalf("thread = %q, want a new live message", thread2)
	}
	msgs := api.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS {
		t.Fatalf("messages = %+v, want a new live message and a reply under it", msgs)
	}
}

// The live message is posted, then the reply fails: the dispatcher must keep the new
// thread handle, or the retry would post a second live message.
func TestBotKeepsThreadWhenReplyFails(t *testing.T) {
	api := slack.NewWebAPI(nil, botToken, chanName, chanID)
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 2 { // the reply of the first Send
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	log, _ := notifytest.CaptureLogs()
	d := &notify.Dispatcher{Channels: []notify.Channel{newBot(t, srv.URL)}, MaxAttempts: 1, Logger: log}
	var box notify.Outbox
	box.Add(notifytest.Notice(notify.TaskFailed))
	d.Deliver(t.Context(), &box, nil)
	if len(box.Queue) != 1 || box.Threads[slack.Name] == "" {
		t.Fatalf("queue=%d thread=%q; want the notice kept and the thread remembered", len(box.Queue), box.Threads[slack.Name])
	}
	d.Deliver(t.Context(), &box, nil)
	msgs := api.Messages()
	if len(box.Queue) != 0 || len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS {
		t.Fatalf("queue=%d messages=%d; want one live message and one reply under it", len(box.Queue), len(msgs))
	}
}

func TestBotErrors(t *testing.T) {
	cases := []struct {
		name      string
		setup     func(api *slack.WebAPI)
		token     string
		channel   string
		code      string
		permanent bool
		auth      bool
		after     time.Duration
		hint      string
	}{
		{name: "invalid token", token: "xoxb-wrong-token", code: "invalid_auth", permanent: true, auth: true, hint: "refused the bot token"},
		{name: "revoked", setup: func(a *slack.WebAPI) { a.FailNextCode(1, 200, "token_revoked", 0) }, code: "token_revoked", permanent: true, auth: true},
		{name: "account inactive", setup: func(a *slack.WebAPI) { a.FailNextCode(1, 200, "account_inactive", 0) }, code: "account_inactive", permanent: true, auth: true},
		{name: "unknown channel", channel: "#nope", code: "channel_not_found", permanent: true, hint: `no channel "#nope"`},
		{name: "not a member", setup: func(a *slack.WebAPI) { a.AddChannel("private", "C0PRIV", false) }, channel: "#private", code: "not_in_channel", permanent: true, hint: "/invite"},
		{name: "ratelimited 200", setup: func(a *slack.WebAPI) { a.FailNextCode(1, 200, "ratelimited", 0) }, code: "ratelimited"},
		{name: "429", setup: func(a *slack.WebAPI) { a.FailNext(1, 429, 9*time.Second) }, code: "ratelimited", after: 9 * time.Second},
		{name: "fatal_error", setup: func(a *slack.WebAPI) { a.FailNext(1, 503, 0) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api := slack.NewWebAPI(nil, botToken, chanName, chanID)
			if c.setup != nil {
				c.setup(api)
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			token, channel := botToken, chanName
			if c.token != "" {
				token = c.token
			}
			if c.channel != "" {
				channel = c.channel
			}
			bot, err := slack.NewBot(slack.BotConfig{Token: token, Channel: channel, APIURL: srv.URL + apiPrefix})
			if err != nil {
				t.Fatal(err)
			}
			_, err = bot.Send(t.Context(), notifytest.Notice(notify.TaskFailed), "")
			var de *notify.DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DeliveryError", err)
			}
			if de.Code != c.code || de.Permanent != c.permanent || de.Auth != c.auth || de.RetryAfter != c.after {
				t.Errorf("code %q permanent %v auth %v retryAfter %v; want %q %v %v %v (%v)",
					de.Code, de.Permanent, de.Auth, de.RetryAfter, c.code, c.permanent, c.auth, c.after, err)
			}
			if c.hint != "" && !strings.Contains(err.Error(), c.hint) {
				t.Errorf("error %q does not say %q", err, c.hint)
			}
			notifytest.AssertNoSecrets(t, "error", err.Error(), botToken, token)
		})
	}
}

// A Retry-After given as an HTTP date (RFC 9110 §10.2.3): the bot still reads the
// status and the wait.
func TestBotRetryAfterHTTPDate(t *testing.T) {
	err := notifytest.SendFailed(t, notifytest.RetryAfterDate(90*time.Second), func(base string) notify.Channel { return newBot(t, base) })
	var de *notify.DeliveryError
	if !errors.As(err, &de) || de.Status != 429 || de.Permanent || de.RetryAfter < 80*time.Second {
		t.Fatalf("err = %#v, want a temporary 429 with RetryAfter ≈ 90s", err)
	}
}

func TestBotTimeoutIsTemporary(t *testing.T) {
	_, err := notifytest.SendHanging(t, 50*time.Millisecond, func(base string) notify.Channel { return newBot(t, base) })
	if err == nil || notify.IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a temporary deadline error", err)
	}
}

func TestChannelFromEnvPicksBotWhenTokenSet(t *testing.T) {
	env := map[string]string{
		slack.EnvWebhookURL: "https://hooks.slack.com" + hookPath,
	}
	get := func(k string) string { return env[k] }
	ch, _, ok, err := slack.ChannelFromEnv(get, nil, "en")
	if _, isHook := ch.(*slack.Webhook); !ok || err != nil || !isHook {
		t.Fatalf("webhook only: %T ok=%v err=%v", ch, ok, err)
	}
	env[slack.EnvBotToken] = botToken
	if _, _, _, err := slack.ChannelFromEnv(get, nil, "en"); err == nil || !strings.Contains(err.Error(), slack.EnvChannel) {
		t.Fatalf("token without channel: err = %v, want one naming %s", err, slack.EnvChannel)
	}
	env[slack.EnvChannel] = chanName
	ch, secrets, ok, err := slack.ChannelFromEnv(get, nil, "en")
	if _, isBot := ch.(*slack.Bot); !ok || err != nil || !isBot || len(secrets) == 0 {
		t.Fatalf("bot: %T ok=%v err=%v", ch, ok, err)
	}
	if !notify.ShowsProgress(ch) {
		t.Error("the bot does not show live progress")
	}
}

func TestRenderChinese(t *testing.T) {
	txt := slack.PlainText(slack.RenderLang(notifytest.Notice(notify.WatchFinished), "zh"))
	for _, want := range []string{"已结束，有失败", "服务商", "20 个完成", "失败（3）", notifytest.FixturePath} {
		if !strings.Contains(txt, want) {
			t.Errorf("zh message lacks %q:\n%s", want, txt)
		}
	}
}

// The local Web API reads both of Slack's POST bodies and refuses what Slack refuses:
// a JSON body's token only counts in the Authorization header.
func TestWebAPIRejectsLikeSlack(t *testing.T) {
	api := slack.NewWebAPI(nil, botToken, chanName, chanID)
	srv := httptest.NewServer(api)
	defer srv.Close()
	bearer := "Bearer " + botToken
	const jsonCT, formCT = "application/json; charset=utf-8", "application/x-www-form-urlencoded"
	okMsg := `"channel":"` + chanID + `","text":"hi"`
	for _, c := range []struct {
		name, method, ct, auth, body string
		code                         string // "" for ok
	}{
		{"json", "chat.postMessage", jsonCT, bearer, `{` + okMsg + `}`, ""},
		{"json without charset", "chat.postMessage", "application/json", bearer, `{` + okMsg + `}`, ""},
		{"json token in body", "chat.postMessage", jsonCT, "", `{"token":"` + botToken + `",` + okMsg + `}`, "not_authed"},
		{"json wrong token", "chat.postMessage", jsonCT, "Bearer xoxb-other", `{` + okMsg + `}`, "invalid_auth"},
		{"json broken", "chat.postMessage", jsonCT, bearer, `{"channel":`, "invalid_json"},
		{"json no text", "chat.postMessage", jsonCT, bearer, `{"channel":"` + chanID + `"}`, "no_text"},
		{"json blocks as a string", "chat.postMessage", jsonCT, bearer, `{` + okMsg + `,"blocks":"[]"}`, "invalid_blocks_format"},
		{"json bad block", "chat.postMessage", jsonCT, bearer, `{` + okMsg + `,"blocks":[{"type":"section"}]}`, "invalid_blocks"},
		{"json unknown channel", "chat.postMessage", jsonCT, bearer, `{"channel":"C0NOPE","text":"x"}`, "channel_not_found"},
		{"json update unknown ts", "chat.update", jsonCT, bearer, `{` + okMsg + `,"ts":"1.000001"}`, "message_not_found"},
		{"form token argument", "chat.postMessage", formCT, "", "token=" + botToken + "&channel=" + chanID + "&text=hi", ""},
		{"form broken blocks", "chat.postMessage", formCT, bearer, "channel=" + chanID + "&text=hi&blocks=%5B", "invalid_blocks_format"},
		{"plain text body", "chat.postMessage", "text/plain", bearer, "hi", "invalid_post_type"},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+apiPrefix+"/"+c.method, strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ct)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ans struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&ans)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || ans.OK != (c.code == "") || ans.Error != c.code {
			t.Errorf("%s: HTTP %d ok=%v error=%q (%v); want 200 error %q", c.name, resp.StatusCode, ans.OK, ans.Error, err, c.code)
		}
	}
	if n := len(api.Messages()); n != 3 {
		t.Errorf("%d messages kept, want the 3 accepted posts", n)
	}
}
