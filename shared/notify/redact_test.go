package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
)

const hook = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"

func TestRedactURLError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hook+"?token=abc123", nil)
	_, raw := http.DefaultClient.Do(req)
	if raw == nil || !strings.Contains(raw.Error(), "XXXXsecretXXXX") {
		t.Fatalf("precondition: *url.Error should print the URL, got %v", raw)
	}
	err := notify.Redact(fmt.Errorf("post: %w", raw))
	if s := err.Error(); strings.Contains(s, "secret") || strings.Contains(s, "abc123") || !strings.Contains(s, "https://hooks.slack.com/…") {
		t.Errorf("redacted = %q", s)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is lost through Redact")
	}
	if errors.Unwrap(err) != nil {
		t.Error("Unwrap hands out the unredacted error")
	}
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() {
		t.Error("Timeout() lost through Redact")
	}
}

func TestRedactSecretsAndEscapedForms(t *testing.T) {
	secret := "tok/en+with spaces"
	for _, s := range []string{secret, "tok%2Fen%2Bwith+spaces", "tok%2Fen+with%20spaces"} {
		got := notify.RedactString("value="+s+" end", secret)
		if got != "value="+notify.Redacted+" end" {
			t.Errorf("RedactString(%q) = %q", s, got)
		}
	}
	if got := notify.RedactString("see https://user:pw@h.example.com:8443/p/q?x=1#f and http://h2/"); got != "see https://h.example.com:8443/… and http://h2" {
		t.Errorf("URLs: %q", got)
	}
	if got := notify.RedactURL(hook); got != "https://hooks.slack.com" {
		t.Errorf("RedactURL = %q", got)
	}
	if got := notify.RedactURL("::bad"); got != notify.Redacted {
		t.Errorf("RedactURL(bad) = %q", got)
	}
}

func TestRedactKeepsDeliveryError(t *testing.T) {
	de := &notify.DeliveryError{Channel: "slack", Status: 429, RetryAfter: time.Second,
		Err: errors.New("Post " + hook + ": EOF")}
	for _, err := range []error{notify.Redact(de), notify.Redact(fmt.Errorf("ctx: %w", de), "XXXXsecretXXXX")} {
		var got *notify.DeliveryError
		if !errors.As(err, &got) || got.RetryAfter != time.Second || got.Status != 429 {
			t.Fatalf("As(%v) lost the DeliveryError", err)
		}
		if strings.Contains(got.Error(), "secret") || strings.Contains(err.Error(), "secret") {
			t.Errorf("leak: %q / %q", got.Error(), err.Error())
		}
	}
	if de.Err.Error() != "Post "+hook+": EOF" {
		t.Error("Redact modified its argument")
	}
	if notify.Redact(nil) != nil {
		t.Error("Redact(nil) != nil")
	}
}

func TestRedactingHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(notify.NewRedactingHandler(slog.NewJSONHandler(&buf, nil), "XXXXsecretXXXX", "s3cr3t"))
	log = log.With("url", hook).WithGroup("g")
	log.Info("posting to "+hook, "err", errors.New("bad s3cr3t"), "n", 3,
		slog.Group("inner", "token", "s3cr3t"), "any", struct{ U string }{hook})
	out := buf.String()
	if strings.Contains(out, "secret") || strings.Contains(out, "s3cr3t") || strings.Contains(out, "/services/") {
		t.Errorf("leak: %s", out)
	}
	for _, want := range []string{`"n":3`, `"token":"[REDACTED]"`, `https://hooks.slack.com/…`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s: %s", want, out)
		}
	}
}
