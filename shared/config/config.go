// Package config reads cdnwatch's environment (docs/design.md "Configuration") into the
// pieces the engine needs: provider configs, channels, the state key, the log level.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"cdnwatch/shared/engine"
	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// Getenv reads one variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// Env is the configuration read from the environment.
type Env struct {
	Get         Getenv
	StateKey    []byte
	Lang        string
	LogLevel    slog.Level
	Credentials *provider.Credentials // explicit credentials (FC role), nil = SDK default chains
	HTTPClient  *http.Client
	// Redact are more values no log line may show (the values of CDNWATCH_SECRET_ID's
	// secret, see WithSecret).
	Redact []string
}

// FromEnv reads the environment. It fails on values that are present but wrong.
func FromEnv(get Getenv) (*Env, error) {
	if get == nil {
		get = os.Getenv
	}
	e := &Env{Get: get, Lang: "en", HTTPClient: &http.Client{Timeout: 15 * time.Second}}
	if k := get("CDNWATCH_STATE_KEY"); k != "" {
		if strings.TrimSpace(k) == "" {
			// A blank key would sign every document with a guessable MAC.
			return nil, fmt.Errorf("CDNWATCH_STATE_KEY is blank (whitespace only): set a real key, e.g. $(openssl rand -base64 32), or unset it")
		}
		e.StateKey = []byte(k)
	}
	switch l := strings.ToLower(strings.TrimSpace(get("CDNWATCH_LANG"))); l {
	case "", "en":
	case "zh":
		e.Lang = "zh"
	default:
		return nil, fmt.Errorf("CDNWATCH_LANG=%q: want en or zh", l)
	}
	switch l := strings.ToLower(strings.TrimSpace(get("CDNWATCH_LOG_LEVEL"))); l {
	case "", "info":
		e.LogLevel = slog.LevelInfo
	case "debug":
		e.LogLevel = slog.LevelDebug
	case "warn", "warning":
		e.LogLevel = slog.LevelWarn
	case "error":
		e.LogLevel = slog.LevelError
	default:
		return nil, fmt.Errorf("CDNWATCH_LOG_LEVEL=%q: want debug, info, warn or error", l)
	}
	return e, nil
}

// ProviderConfig is the provider.Config for one provider id.
func (e *Env) ProviderConfig(name string) (provider.Config, error) {
	cfg, err := provider.ConfigFromEnv(name, e.Get)
	if err != nil {
		return cfg, err
	}
	cfg.Credentials = e.Credentials
	return cfg, nil
}

// Logger makes the JSON logger the functions use (text for a terminal is the CLI's).
func (e *Env) Logger(w io.Writer, json bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: e.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if json {
		h = slog.NewJSONHandler(w, opts)
	}
	if r := redactable(e.Redact); len(r) > 0 {
		h = notify.NewRedactingHandler(h, r...)
	}
	return slog.New(h)
}

// Engine wires an engine from the environment.
func (e *Env) Engine(logger *slog.Logger) (*engine.Engine, error) {
	chans, err := e.Channels(logger)
	if err != nil {
		return nil, err
	}
	// Channels keep their secrets out of errors; this catches anything that slips through
	// (a library's own message, a future log line) before it reaches the log.
	if secrets := append(append(SecretsOf(chans), string(e.StateKey)), e.Redact...); logger != nil {
		logger = slog.New(notify.NewRedactingHandler(logger.Handler(), redactable(secrets)...))
	}
	// Providers log through the same redacting logger, so CDNWATCH_LOG_LEVEL=debug reaches
	// them and nothing they print escapes the redaction.
	cache := engine.NewClientCache(func(name string) (provider.Config, error) {
		cfg, err := e.ProviderConfig(name)
		cfg.Logger = logger
		return cfg, err
	})
	return &engine.Engine{
		CheckNotify: func(names []string) error { return CheckNotify(chans, names) },
		Open:        cache.Open,
		Dispatcher:  &notify.Dispatcher{Channels: chans, Logger: logger},
		Policy:      watch.DefaultPolicy(),
		StateKey:    e.StateKey,
		Logger:      logger,
	}, nil
}

// redactable drops values too short to search for without garbling every log line (a
// real secret is longer; a test's "k" is not worth hiding).
func redactable(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if len(s) >= 8 {
			out = append(out, s)
		}
	}
	return out
}
