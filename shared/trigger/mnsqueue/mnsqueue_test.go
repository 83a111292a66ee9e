package mnsqueue_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/mnsqueue"
	"cdnwatch/shared/trigger/mnsqueue/mnstest"
	"cdnwatch/shared/watch"
)

// The worked example of Aliyun's "How do I obtain the signature string of an API
// request?" (https://www.alibabacloud.com/help/en/mns/support/how-do-i-obtain-the-signature-string-of-an-api-request):
// GET /MyQueue, that Date and x-mns-version, secret TestAccessSecret; the page shows the
// signature's first 24 characters.
func TestSignDocumentedExample(t *testing.T) {
	h := http.Header{}
	h.Set("Date", "Thu, 09 Jul 2015 03:01:34 GMT")
	h.Set("x-mns-version", "2015-06-06")
	got := mnsqueue.Sign("TestAccessSecret", "GET", h, "/MyQueue")
	if !strings.HasPrefix(got, "uwx3yeWoILzgmvesW0BQSgfM") {
		t.Errorf("signature %q, want the documented uwx3yeWoILzgmvesW0BQSgfM…", got)
	}
}

func roleCtx(id, secret, token string) context.Context {
	return trigger.WithCredentials(context.Background(), &provider.Credentials{AccessKeyID: id, AccessKeySecret: secret, SecurityToken: token})
}

func TestSendBase64AndDelay(t *testing.T) {
	fake := &mnstest.Server{AccessKeyID: "LTAI-role", AccessKeySecret: "role-secret-value", SecurityToken: "sts-token", Queues: []string{"cdnwatch"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	q := mnsqueue.New(func(k string) string { return map[string]string{mnsqueue.EnvEndpoint: srv.URL}[k] })
	target := q.Target("acs:mns:cn-hangzhou:1234567890123456:queues/cdnwatch")
	if target != srv.URL+"#cdnwatch" {
		t.Fatalf("target %q", target)
	}
	doc := []byte(`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"label":"<b>&amp; \"x\""}`)
	if err := q.Send(roleCtx("LTAI-role", "role-secret-value", "sts-token"), target, doc, 42*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	// A delay past MNS's 7 days is clamped, not refused.
	if err := q.Send(roleCtx("LTAI-role", "role-secret-value", "sts-token"), target, doc, 30*24*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	if len(msgs) != 2 || msgs[0].Body != mnsqueue.EncodeBody(doc) || msgs[0].DelaySeconds != 42 || msgs[1].DelaySeconds != 604800 ||
		msgs[0].Priority != mnsqueue.DefaultPriority {
		t.Errorf("messages %+v", msgs)
	}
}

func TestSendRefusals(t *testing.T) {
	fake := &mnstest.Server{AccessKeyID: "LTAI-role", AccessKeySecret: "role-secret-value", Queues: []string{"cdnwatch"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	q := mnsqueue.New(func(string) string { return "" })
	for _, c := range []struct {
		name, target, secret, want string
	}{
		{"wrong secret", srv.URL + "#cdnwatch", "another-secret-value", "SignatureDoesNotMatch"},
		{"unknown queue", srv.URL + "#nope", "role-secret-value", "QueueNotExist"},
		{"bad target", "cdnwatch", "role-secret-value", "bad target"},
		{"bad endpoint", "ftp://x#cdnwatch", "role-secret-value", "want https://"},
	} {
		err := q.Send(roleCtx("LTAI-role", c.secret, ""), c.target, []byte(`{"v":1}`), 0, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), c.secret) {
			t.Errorf("%s: the error shows the secret: %v", c.name, err)
		}
	}
	if len(fake.Messages()) != 0 {
		t.Errorf("refused sends were stored: %+v", fake.Messages())
	}
}

// Budget is what fits once base64 inflates it: a document of exactly Budget bytes is
// accepted, one byte more is over MNS's 64 KB and refused by the sender.
func TestBudgetFitsBase64(t *testing.T) {
	fake := &mnstest.Server{AccessKeyID: "k", AccessKeySecret: "s"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	q := mnsqueue.New(func(string) string { return "" })
	ctx := roleCtx("k", "s", "")
	if err := q.Send(ctx, srv.URL+"#q", []byte(strings.Repeat("x", q.Budget())), 0, nil); err != nil {
		t.Errorf("a document of Budget() bytes: %v", err)
	}
	if err := q.Send(ctx, srv.URL+"#q", []byte(strings.Repeat("x", q.Budget()+1)), 0, nil); err == nil {
		t.Errorf("a document over Budget() was sent")
	}
	if q.Budget() >= watch.BudgetMNS {
		t.Errorf("budget %d leaves no room for base64", q.Budget())
	}
}
