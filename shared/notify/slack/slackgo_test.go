package slack_test

// slack-go (github.com/slack-go/slack) is a test-only dependency here: production code
// speaks Slack's JSON with its own types (blocks.go), and these tests use slack-go's
// types and client as an independent reading of Slack's format. Every message the
// channel renders is decoded into slack-go's types and must come back block for block
// and text for text; the bot's requests must carry the same arguments slack-go's client
// sends for the same message; and the local stand-ins must accept what slack-go sends.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	slackapi "github.com/slack-go/slack"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/slack"
)

// viaSlackGo encodes msg as the channel sends it, decodes it into slack-go's
// WebhookMessage, and fails t unless every block and text object reads back unchanged:
// same block types, same text objects (type, text, emoji, verbatim), nothing dropped or
// added. slack-go ignores fields it does not know, so a misspelt field name is lost on
// the way and fails the comparison of the two encodings at the end.
func viaSlackGo(t testing.TB, msg slack.Message) slackapi.WebhookMessage {
	t.Helper()
	raw, err := json.Marshal(msg)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	var sm slackapi.WebhookMessage
	if err := json.Unmarshal(raw, &sm); err != nil {
		t.Fatalf("slack-go cannot read the message: %v\n%s", err, raw)
	}
	if sm.Text != msg.Text {
		t.Errorf("text: slack-go reads %q, we sent %q", sm.Text, msg.Text)
	}
	var got []slackapi.Block
	if sm.Blocks != nil {
		got = sm.Blocks.BlockSet
	}
	if len(got) != len(msg.Blocks) {
		t.Fatalf("slack-go reads %d blocks, we sent %d:\n%s", len(got), len(msg.Blocks), raw)
	}
	for i, b := range msg.Blocks {
		if string(got[i].BlockType()) != b.Type {
			t.Errorf("block %d: slack-go reads type %q, we sent %q", i, got[i].BlockType(), b.Type)
		}
		switch g := got[i].(type) {
		case *slackapi.HeaderBlock:
			sameText(t, i, "header text", g.Text, b.Text)
			if b.Fields != nil || b.Elements != nil {
				t.Errorf("block %d: a header with fields or elements", i)
			}
		case *slackapi.SectionBlock:
			sameText(t, i, "section text", g.Text, b.Text)
			if len(g.Fields) != len(b.Fields) {
				t.Errorf("block %d: slack-go reads %d fields, we sent %d", i, len(g.Fields), len(b.Fields))
			} else {
				for j := range b.Fields {
					sameText(t, i, "field", g.Fields[j], b.Fields[j])
				}
			}
			if g.Accessory != nil || b.Elements != nil {
				t.Errorf("block %d: a section with an accessory or elements", i)
			}
		case *slackapi.ContextBlock:
			els := g.ContextElements.Elements
			if len(els) != len(b.Elements) {
				t.Errorf("block %d: slack-go reads %d context elements, we sent %d", i, len(els), len(b.Elements))
				continue
			}
			for j, e := range els {
				to, ok := e.(*slackapi.TextBlockObject)
				if !ok {
					t.Errorf("block %d: slack-go reads context element %d as %T", i, j, e)
					continue
				}
				sameText(t, i, "context element", to, b.Elements[j])
			}
			if b.Text != nil || b.Fields != nil {
				t.Errorf("block %d: a context block with text or fields", i)
			}
		case *slackapi.DividerBlock:
			if b.Text != nil || b.Fields != nil || b.Elements != nil {
				t.Errorf("block %d: a divider with content", i)
			}
		default:
			t.Errorf("block %d: slack-go reads our %q block as %T", i, b.Type, g)
		}
	}
	// slack-go's own encoding of what it read is ours, byte for byte as JSON values:
	// anything it did not understand is missing there.
	back, err := json.Marshal(sm.Blocks)
	if err != nil {
		t.Fatalf("slack-go cannot encode what it read: %v", err)
	}
	ours, _ := json.Marshal(msg.Blocks)
	if len(msg.Blocks) == 0 {
		ours = []byte("[]")
	}
	if !sameJSON(back, ours) {
		t.Errorf("slack-go's encoding of the blocks differs from ours:\n ours %s\nslack %s", ours, back)
	}
	return sm
}

func sameText(t testing.TB, block int, what string, got *slackapi.TextBlockObject, want *slack.TextObject) {
	t.Helper()
	switch {
	case got == nil && want == nil:
		return
	case got == nil || want == nil:
		t.Errorf("block %d: %s: slack-go reads %+v, we sent %+v", block, what, got, want)
		return
	}
	if got.Type != want.Type || got.Text != want.Text || got.Verbatim != want.Verbatim ||
		!reflect.DeepEqual(got.Emoji, want.Emoji) {
		t.Errorf("block %d: %s: slack-go reads %+v, we sent %+v", block, what, *got, *want)
	}
}

// sameJSON compares two JSON documents as values (key order and spacing aside).
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// Every kind of notice, in both languages, as a message and as the bot's live message;
// long lists; hostile text: slack-go reads each the way we meant it.
func TestSlackGoReadsEveryMessage(t *testing.T) {
	var notices []notify.Notice
	for _, k := range notifytest.Kinds() {
		notices = append(notices, notifytest.Notice(k))
	}
	cf := notifytest.Notice(notify.WatchFinished)
	cf.NoFailedState, cf.Provider = true, "aws-cloudfront"
	notices = append(notices, cf, notifytest.ManyFailures(500, 1200), notifytest.ManyFailures(0, 40))
	for _, s := range notifytest.Hostile {
		n := notifytest.Notice(notify.TaskFailed)
		n.Label, n.WatchID = "label "+s, "w "+s
		n.Failures = []notify.Failure{{TaskID: "16520011", Path: "/path/" + s, Type: "file", Reason: "reason " + s, Status: "failed"}}
		notices = append(notices, n)
	}
	for _, lang := range []string{"en", "zh"} {
		for _, n := range notices {
			viaSlackGo(t, slack.RenderLang(n, lang))
			viaSlackGo(t, slack.RenderStatus(n, lang))
		}
	}
}

// The webhook's POST body is, field for field, what slack-go's PostWebhook sends for
// the same message (slack-go adds its replace_original and delete_original flags, which
// are for response URLs).
func TestWebhookBodyMatchesSlackGo(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q, want application/json", ct)
		}
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	n := notifytest.Notice(notify.WatchFinished)
	if _, err := newChannel(t, srv.URL).Send(t.Context(), n, ""); err != nil {
		t.Fatal(err)
	}
	sm := viaSlackGo(t, slack.Render(n))
	if err := slackapi.PostWebhookCustomHTTP(srv.URL+hookPath, srv.Client(), &sm); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 {
		t.Fatalf("%d posts, want 2", len(bodies))
	}
	var ours, theirs map[string]json.RawMessage
	if json.Unmarshal(bodies[0], &ours) != nil || json.Unmarshal(bodies[1], &theirs) != nil {
		t.Fatalf("bodies are not JSON objects:\n%s\n%s", bodies[0], bodies[1])
	}
	delete(theirs, "replace_original")
	delete(theirs, "delete_original")
	if len(ours) != len(theirs) {
		t.Errorf("fields: ours %s, slack-go's %s", keys(ours), keys(theirs))
	}
	for k, v := range theirs {
		if !sameJSON(ours[k], v) {
			t.Errorf("field %q: ours %s, slack-go's %s", k, ours[k], v)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// apiCall is one recorded Web API request.
type apiCall struct {
	method, contentType, auth string
	body                      []byte
	form                      url.Values
}

// recordingAPI records every request and hands it on to next.
func recordingAPI(next http.Handler) (http.Handler, func() []apiCall) {
	var mu sync.Mutex
	var calls []apiCall
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c := apiCall{method: strings.TrimPrefix(r.URL.Path, apiPrefix+"/"), contentType: r.Header.Get("Content-Type"),
			auth: r.Header.Get("Authorization"), body: b}
		if strings.HasPrefix(c.contentType, "application/x-www-form-urlencoded") {
			c.form, _ = url.ParseQuery(string(b))
		}
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		next.ServeHTTP(w, r)
	})
	return h, func() []apiCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]apiCall(nil), calls...)
	}
}

// The bot's JSON calls carry exactly the arguments, under the same names and with the
// same values, that slack-go's client sends (form-encoded) for the same message: the
// live message (chat.postMessage), its edit (chat.update) and a reply (thread_ts).
func TestBotArgumentsMatchSlackGo(t *testing.T) {
	ours, oursCalls := recordingAPI(slack.NewWebAPI(nil, botToken, chanName, chanID))
	srvOurs := httptest.NewServer(ours)
	defer srvOurs.Close()
	bot := newBot(t, srvOurs.URL)
	thread, err := bot.Send(t.Context(), notifytest.Notice(notify.Progress), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Send(t.Context(), notifytest.Notice(notify.WatchFinished), thread); err != nil {
		t.Fatal(err)
	}
	calls := oursCalls()
	if len(calls) != 3 || calls[0].method != "chat.postMessage" || calls[1].method != "chat.update" || calls[2].method != "chat.postMessage" {
		t.Fatalf("calls %v, want post, update, reply", calls)
	}

	theirs, theirsCalls := recordingAPI(slack.NewWebAPI(nil, botToken, chanName, chanID))
	srvTheirs := httptest.NewServer(theirs)
	defer srvTheirs.Close()
	api := slackapi.New(botToken, slackapi.OptionAPIURL(srvTheirs.URL+apiPrefix+"/"), slackapi.OptionHTTPClient(srvTheirs.Client()))
	for _, c := range calls {
		if !strings.HasPrefix(c.contentType, "application/json") || c.auth != "Bearer "+botToken {
			t.Errorf("%s: Content-Type %q, Authorization %q; want JSON with a bearer token", c.method, c.contentType, c.auth)
		}
		var args map[string]json.RawMessage
		if err := json.Unmarshal(c.body, &args); err != nil {
			t.Fatalf("%s: body is not a JSON object: %s", c.method, c.body)
		}
		var text, channel, ts, threadTS string
		var blocks slackapi.Blocks
		json.Unmarshal(args["text"], &text)
		json.Unmarshal(args["channel"], &channel)
		json.Unmarshal(args["ts"], &ts)
		json.Unmarshal(args["thread_ts"], &threadTS)
		if err := json.Unmarshal(args["blocks"], &blocks); err != nil {
			t.Fatalf("%s: slack-go cannot read the blocks: %v", c.method, err)
		}
		opts := []slackapi.MsgOption{slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks.BlockSet...)}
		if c.method == "chat.update" {
			// slack-go's UpdateMessage adds the ts itself.
			if _, _, _, err := api.UpdateMessage(chanID, ts, opts...); err != nil {
				t.Fatalf("slack-go chat.update: %v", err)
			}
		} else {
			opts = append(opts, slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl())
			if threadTS != "" {
				opts = append(opts, slackapi.MsgOptionTS(threadTS))
			}
			if _, _, err := api.PostMessage(channel, opts...); err != nil {
				t.Fatalf("slack-go chat.postMessage: %v", err)
			}
		}
		sent := theirsCalls()
		them := sent[len(sent)-1]
		if them.method != c.method {
			t.Fatalf("slack-go called %s, we called %s", them.method, c.method)
		}
		form := them.form
		form.Del("token")
		if len(form) != len(args) {
			t.Errorf("%s: our arguments %s, slack-go's %s", c.method, keys(args), keys(form))
		}
		for k := range form {
			v := form.Get(k)
			var want json.RawMessage
			switch k {
			case "blocks":
				want = json.RawMessage(v)
			case "unfurl_links", "unfurl_media":
				want = json.RawMessage(v) // "false"
			default:
				want, _ = json.Marshal(v)
			}
			if !sameJSON(args[k], want) {
				t.Errorf("%s: argument %q: ours %s, slack-go's %s", c.method, k, args[k], want)
			}
		}
	}
}

// The local Web API takes slack-go's form-encoded calls as Slack does: a post, its
// edit, a reply in its thread.
func TestWebAPIAcceptsSlackGoClient(t *testing.T) {
	fake := slack.NewWebAPI(nil, botToken, chanName, chanID)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	api := slackapi.New(botToken, slackapi.OptionAPIURL(srv.URL+apiPrefix+"/"), slackapi.OptionHTTPClient(srv.Client()))
	live := viaSlackGo(t, slack.RenderStatus(notifytest.Notice(notify.Progress), "en"))
	ch, ts, err := api.PostMessage(chanName, slackapi.MsgOptionText(live.Text, false), slackapi.MsgOptionBlocks(live.Blocks.BlockSet...))
	if err != nil || ch != chanID || ts == "" {
		t.Fatalf("post: %q %q %v", ch, ts, err)
	}
	final := viaSlackGo(t, slack.RenderStatus(notifytest.Notice(notify.WatchFinished), "en"))
	if _, _, _, err := api.UpdateMessage(ch, ts, slackapi.MsgOptionText(final.Text, false), slackapi.MsgOptionBlocks(final.Blocks.BlockSet...)); err != nil {
		t.Fatalf("update: %v", err)
	}
	reply := slack.Render(notifytest.Notice(notify.WatchFinished))
	rs := viaSlackGo(t, reply)
	if _, _, err := api.PostMessage(ch, slackapi.MsgOptionText(rs.Text, false), slackapi.MsgOptionBlocks(rs.Blocks.BlockSet...), slackapi.MsgOptionTS(ts)); err != nil {
		t.Fatalf("reply: %v", err)
	}
	msgs := fake.Messages()
	if len(msgs) != 2 || msgs[0].Edits != 1 || msgs[1].ThreadTS != ts {
		t.Fatalf("messages %+v, want the edited live message and a reply under it", msgs)
	}
	if !reflect.DeepEqual(msgs[1].Msg, reply) {
		t.Errorf("the reply as the fake keeps it differs from what was rendered:\n%+v\n%+v", msgs[1].Msg, reply)
	}
	if got := slack.PlainText(msgs[0].Msg); !strings.Contains(got, "Failures and the summary are in the thread") {
		t.Errorf("the edit did not take:\n%s", got)
	}
	// A refusal reaches slack-go as Slack's error code.
	if _, _, err := api.PostMessage("#nope", slackapi.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("unknown channel: err = %v, want channel_not_found", err)
	}
}

// The local webhook takes what slack-go's PostWebhook sends, and keeps the message as
// it was rendered.
func TestReceiverAcceptsSlackGoWebhook(t *testing.T) {
	rcv := slack.NewReceiver(nil).RequirePath(hookPath)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	msg := slack.Render(notifytest.Notice(notify.TaskFailed))
	sm := viaSlackGo(t, msg)
	if err := slackapi.PostWebhookCustomHTTP(srv.URL+hookPath, srv.Client(), &sm); err != nil {
		t.Fatal(err)
	}
	got := rcv.Messages()
	if len(got) != 1 || !reflect.DeepEqual(got[0], msg) {
		t.Fatalf("received %+v, want %+v", got, msg)
	}
}
