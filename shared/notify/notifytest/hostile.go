package notifytest

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/msgtext"
)

// Hostile is user text that means something in some chat dialect: CloudFront wildcard
// paths, an Aliyun regex refresh, markdown emphasis, links and images, DingTalk/WeCom
// <font> colours, WeCom <@userid> and Feishu <at> mentions, Slack <!channel> and
// <@U…> mentions and :emoji:, code spans, entities and backslash escapes, line breaks
// that would start a list item or a heading, bytes that are not UTF-8, bidirectional
// controls, and text far longer than any line.
var Hostile = []string{
	"/*",
	"/images/*",
	`https://static.example.com/img/.*\.(jpg|png)$`,
	"a*b*c _d_ **e** __f__ x_y_z",
	"[x](http://evil.example/) ![i](http://evil.example/i.png)",
	"<font color=red>red</font> <font color=\"warning\">w</font>",
	"<@all> <@U024BE7LH> <!channel> <!here> @all @channel",
	"`code` ``x`` ~~struck~~ ~t~",
	"line1\nline2\r\n- fake item\n### fake heading\n> fake quote",
	`&lt;b&gt; &amp; &#42; \*x\* \_y\_`,
	`<at id=all></at> <at user_id="ou_1">x</at> <a href='http://evil.example'>a</a>`,
	":fire: #general | a | b |",
	"bad\xff\xfebytes\x00end",
	"\u202eevil\u2066 isolate",
	strings.Repeat("*_[x](http://e/)<b>`", 400),
}

// hostileShown is how much of a hostile string the suite looks for: all of it when
// short, else a prefix that every channel has room for (titles and ids are cut).
const hostileShown = 40

// wantShown is what a reader must see of s: with verbatim (a JSON channel) s as JSON
// carries it (each byte that is not UTF-8 becomes U+FFFD); otherwise as msgtext.Clean
// shows it on one line. Cut to its first n runes.
func wantShown(s string, verbatim bool, n int) string {
	if verbatim {
		b, _ := json.Marshal(s)
		_ = json.Unmarshal(b, &s)
	} else {
		s = msgtext.Clean(s)
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return s
}

// testHostile sends, for each hostile string, a task.failed notice carrying it as the
// label, the failed path, the failure reason and the watch id, and a watch.timeout
// notice carrying it as a pending task id, then reads each message as the service
// would show it (the receiver decodes its dialect): every piece must read as itself.
// A path rendered as emphasis, a link, a colour or a mention reads differently, and
// fails.
func testHostile(t *testing.T, h Harness) {
	verbatim := h.Verbatim != ""
	for i, s := range Hostile {
		t.Run(hostileName(i, s), func(t *testing.T) {
			e := newEnv(t, h)
			failed := Notice(notify.TaskFailed)
			failed.Label = "label " + s
			failed.WatchID = "w " + s
			failed.Failures = []notify.Failure{{TaskID: "16520011", Path: "/path/" + s, Type: "file", Reason: "reason " + s, Status: "failed"}}
			timeout := Notice(notify.WatchTimeout)
			timeout.Failures = nil
			timeout.Pending = []string{"id " + s}
			var box notify.Outbox
			box.Add(failed, timeout)
			if err := e.d.Deliver(ctx(t), &box, nil).Err(); err != nil {
				t.Fatalf("delivery failed: %v", err)
			}
			msgs := e.rcv.Received()
			if len(msgs) != 2 {
				t.Fatalf("receiver got %d messages, want 2", len(msgs))
			}
			for _, m := range msgs {
				if !utf8.ValidString(m.Text) {
					t.Errorf("the message is not valid UTF-8: %q", m.Text)
				}
			}
			idRoom := msgtext.MaxID - len("w ") - 1
			for _, w := range []struct {
				what, want string
				msg        int
			}{
				{"label", "label " + wantShown(s, verbatim, hostileShown), 0},
				{"path", "/path/" + wantShown(s, verbatim, hostileShown), 0},
				{"reason", "reason " + wantShown(s, verbatim, hostileShown), 0},
				{"watch id", "w " + wantShown(s, verbatim, min(hostileShown, idRoom)), 0},
				{"pending id", "id " + wantShown(s, verbatim, min(hostileShown, idRoom)), 1},
			} {
				if !strings.Contains(msgs[w.msg].Text, w.want) {
					t.Errorf("the %s does not read as itself: want %q in\n%s", w.what, w.want, msgs[w.msg].Text)
				}
			}
		})
	}
}

func hostileName(i int, s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '/' || r == utf8.RuneError {
			return '.'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if r := []rune(s); len(r) > 24 {
		s = string(r[:24])
	}
	return string(rune('a'+i)) + "_" + s
}
