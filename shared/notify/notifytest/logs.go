package notifytest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// LogBuffer is a goroutine-safe log sink.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CaptureLogs returns a debug-level logger writing text lines to the returned buffer,
// with no redaction in between, so that a leak by the code under test shows up.
func CaptureLogs() (*slog.Logger, *LogBuffer) {
	b := &LogBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// AssertNoSecrets fails t if text contains any secret, raw or URL-escaped. what names
// the text in the failure message; the secret itself is not printed.
func AssertNoSecrets(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	if leak := FindSecret(text, secrets...); leak >= 0 {
		t.Errorf("%s leaks secret #%d (%d chars): %.300s", what, leak, len(secrets[leak]), mask(text, secrets))
	}
}

// FindSecret returns the index of the first secret text contains (raw or escaped), or -1.
func FindSecret(text string, secrets ...string) int {
	for i, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if strings.Contains(text, form) {
				return i
			}
		}
	}
	return -1
}

// mask hides the secrets in text so a failure message does not leak them further.
func mask(text string, secrets []string) string {
	for i, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, fmt.Sprintf("<SECRET#%d>", i))
		}
	}
	return text
}

// Sleeps is an injectable Dispatcher.Sleep that returns at once and records each wait.
type Sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

// Sleep records d; it fails only when ctx has already ended.
func (s *Sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

// Durations returns the recorded waits.
func (s *Sleeps) Durations() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}
