package notifytest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
)

// TextReceiver is a receiver that keeps the plain text of each accepted message, as
// the group robots' stand-ins (DingTalk, Feishu, WeCom) do.
type TextReceiver interface {
	http.Handler
	FailNext(n, status int, retryAfter time.Duration)
	Texts() []string
	Requests() int
}

// FromTexts adapts r to Receiver.
func FromTexts(r TextReceiver) Receiver { return textReceiver{r} }

type textReceiver struct{ TextReceiver }

func (r textReceiver) Received() []Message {
	var out []Message
	for _, t := range r.Texts() {
		out = append(out, Message{Text: t})
	}
	return out
}

var moreRE = regexp.MustCompile(`(?:…and|另有) (\d+) (?:more|项)`)

// Listed counts the items a rendered markdown message lists ("\n- " lines) and those
// its "…and N more" lines announce (English or Chinese).
func Listed(text string) (shown, announced int) {
	shown = strings.Count(text, "\n- ")
	for _, g := range moreRE.FindAllStringSubmatch(text, -1) {
		k, _ := strconv.Atoi(g[1])
		announced += k
	}
	return shown, announced
}

// SendFailed serves h on a local server, builds the channel for its base URL and sends
// it one task.failed notice, returning Send's error.
func SendFailed(t *testing.T, h http.Handler, newChannel func(base string) notify.Channel) error {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, err := newChannel(srv.URL).Send(t.Context(), Notice(notify.TaskFailed), "")
	return err
}

// Want is what a test expects of a delivery error.
type Want struct {
	Status    int // the HTTP status; not checked when 0
	Code      string
	Permanent bool
	Auth      bool
	MinWait   time.Duration // RetryAfter is at least this
}

// AssertDeliveryError fails t unless err is a *notify.DeliveryError as want says.
func AssertDeliveryError(t *testing.T, err error, want Want) {
	t.Helper()
	var de *notify.DeliveryError
	if !errors.As(err, &de) || (want.Status != 0 && de.Status != want.Status) || de.Code != want.Code ||
		de.Permanent != want.Permanent || de.Auth != want.Auth || de.RetryAfter < want.MinWait {
		t.Fatalf("err = %#v, want %+v", err, want)
	}
}

// RetryAfterDate answers every request 429 with a Retry-After header given as an HTTP
// date after from now (some client libraries fail on it without saying it was a 429).
func RetryAfterDate(after time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(after).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	})
}

// SendHanging sends a task.failed notice to a local server that never answers, giving
// up after timeout; it returns the server's base URL and Send's error.
func SendHanging(t *testing.T, timeout time.Duration, newChannel func(base string) notify.Channel) (string, error) {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	_, err := newChannel(srv.URL).Send(ctx, Notice(notify.TaskFailed), "")
	return srv.URL, err
}

// Must returns a function that returns v, or fails the test when err is not nil, for
// one-line constructors in tests: notifytest.Must(slack.New(url))(t).
func Must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
