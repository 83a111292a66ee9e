// Package sweep is the scheduled sweep (docs/design.md "Sweeps"): at each timer tick,
// list every task the account created in one window of time and post one digest of
// them. Nothing is stored between ticks; windows tile time, so each task is reported by
// exactly one tick, and a retried tick reports the same window under the same notice id.
//
// The document, the window arithmetic and the digest step are pure (document.go,
// window.go, digest.go); run.go does the I/O: list through provider.Client.List, deliver
// through notify.Dispatcher.
package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"cdnwatch/shared/watch"
)

// Version is the only sweep document version this build reads.
const Version = 1

// Document is a sweep document, the payload a timer trigger carries:
//
//	{"v":1,"sweep":{"provider":"aliyun-cdn","domains":["static.example.com"],
//	                "window":"10m","settle":"30m"},"notify":["slack"]}
type Document struct {
	V      int      `json:"v"`
	Sweep  Spec     `json:"sweep"`
	Notify []string `json:"notify,omitempty"`
}

// Spec is what to sweep.
type Spec struct {
	Provider string `json:"provider"`
	// Domains to list; empty means every domain of the account, where the provider can
	// list without naming one.
	Domains []string `json:"domains,omitempty"`
	// Scope is provider-specific, as in a Watch document (e.g. distributionId).
	Scope map[string]string `json:"scope,omitempty"`
	// Window is the length of each window and must equal the timer's period.
	Window watch.Duration `json:"window"`
	// Settle is how long after a window ends it is reported, so that most of its tasks
	// have finished. Default DefaultSettle.
	Settle watch.Duration `json:"settle,omitzero"`
	// Label, optional, is shown in the digest's title instead of the provider id.
	Label string `json:"label,omitempty"`
}

// Bounds on a Spec.
const (
	DefaultSettle = 30 * time.Minute
	MinWindow     = time.Minute
	MaxDomains    = 100
)

// ConfigError says what is wrong with a sweep as configured: a bad document, a provider
// that cannot list, a window beyond the provider's retention. Retrying cannot fix it,
// so the functions treat it as poison.
type ConfigError struct {
	Field   string // e.g. "sweep.window"; empty when not about one field
	Problem string
	Err     error
}

func (e *ConfigError) Error() string {
	if e.Field == "" {
		return "sweep: " + e.Problem
	}
	return fmt.Sprintf("sweep document: %s: %s", e.Field, e.Problem)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// IsConfigError reports whether err is (or wraps) a *ConfigError.
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// IsDocument reports whether data is a JSON object with a top-level "sweep" key, i.e.
// meant as a sweep document rather than a Watch document. It does not validate it.
func IsDocument(data []byte) bool {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	_, ok := top["sweep"]
	return ok
}

// Decode parses and validates a sweep document; unknown fields are refused, as in a
// Watch document, so a typo is named rather than ignored.
func Decode(data []byte) (*Document, error) {
	if len(data) > watch.MaxDocumentBytes {
		return nil, &ConfigError{Problem: fmt.Sprintf("document of %d bytes is over the %d-byte limit", len(data), watch.MaxDocumentBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, jsonProblem(err)
	}
	if dec.More() {
		return nil, &ConfigError{Problem: "trailing data after the JSON object"}
	}
	if err := d.Normalise(); err != nil {
		return nil, err
	}
	return &d, nil
}

func jsonProblem(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &ConfigError{Problem: fmt.Sprintf("malformed JSON at byte %d", se.Offset), Err: err}
	case errors.As(err, &te):
		return &ConfigError{Field: te.Field, Problem: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value), Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &ConfigError{Field: f, Problem: "unknown field", Err: err}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &ConfigError{Problem: "empty or truncated JSON", Err: err}
	}
	return &ConfigError{Problem: err.Error(), Err: err}
}

// Normalise trims, applies defaults and validates. Decode calls it; callers that build a
// Document in code (the CLI) call it too.
func (d *Document) Normalise() error {
	if d.V != Version {
		if d.V == 0 {
			return &ConfigError{Field: "v", Problem: "missing; want 1"}
		}
		return &ConfigError{Field: "v", Problem: fmt.Sprintf("version %d not supported; want 1", d.V)}
	}
	s := &d.Sweep
	s.Provider = strings.TrimSpace(s.Provider)
	if s.Provider == "" {
		return &ConfigError{Field: "sweep.provider", Problem: "missing"}
	}
	var doms []string
	for i, dom := range s.Domains {
		dom = strings.ToLower(strings.TrimSpace(dom))
		if dom == "" || strings.ContainsAny(dom, "/ \t,:") {
			return &ConfigError{Field: fmt.Sprintf("sweep.domains[%d]", i), Problem: fmt.Sprintf("%.60q is not a domain name", s.Domains[i])}
		}
		if !slices.Contains(doms, dom) {
			doms = append(doms, dom)
		}
	}
	if len(doms) > MaxDomains {
		return &ConfigError{Field: "sweep.domains", Problem: fmt.Sprintf("%d domains is over the limit of %d; split the sweep", len(doms), MaxDomains)}
	}
	s.Domains = doms
	w := s.Window.D
	switch {
	case w == 0:
		return &ConfigError{Field: "sweep.window", Problem: "missing; set it to the timer's period, e.g. \"10m\""}
	case w < MinWindow:
		return &ConfigError{Field: "sweep.window", Problem: fmt.Sprintf("%s is shorter than the minimum %s", w, MinWindow)}
	case w%time.Second != 0:
		// Providers list by whole seconds; a fractional window would split a second
		// between two windows.
		return &ConfigError{Field: "sweep.window", Problem: fmt.Sprintf("%s is not a whole number of seconds", w)}
	case (24*time.Hour)%w != 0:
		// Windows align to multiples of w from the Unix epoch; when w divides a day they
		// also start at midnight UTC, so digests read 10:00–10:10, not 10:03–10:10.
		return &ConfigError{Field: "sweep.window", Problem: fmt.Sprintf("%s does not divide 24h; use e.g. 5m, 10m, 15m, 30m, 1h", w)}
	}
	switch {
	case s.Settle.D == 0:
		s.Settle.D = DefaultSettle
	case s.Settle.D < 0:
		return &ConfigError{Field: "sweep.settle", Problem: "negative"}
	}
	if len(s.Label) > 200 {
		return &ConfigError{Field: "sweep.label", Problem: "longer than 200 characters"}
	}
	for i, n := range d.Notify {
		n = strings.TrimSpace(n)
		if n == "" {
			return &ConfigError{Field: fmt.Sprintf("notify[%d]", i), Problem: "empty channel name"}
		}
		d.Notify[i] = n
	}
	return nil
}
