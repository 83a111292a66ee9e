// Package watch is the Watch document and the pure Step that advances it. No I/O: the
// provider's answers come in as values, notices go out as values.
package watch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Version is the only Watch document version this build reads and writes.
const Version = 1

// Document is the Watch document: the event payload, written by users at first and by
// cdnwatch on every later hop. State is absent at first and owned by cdnwatch.
type Document struct {
	V        int               `json:"v"`
	Provider string            `json:"provider"`
	TaskIDs  []string          `json:"taskIds"`
	Scope    map[string]string `json:"scope,omitempty"`
	Label    string            `json:"label,omitempty"`
	Notify   []string          `json:"notify,omitempty"`
	Interval Duration          `json:"interval,omitzero"`
	Timeout  Duration          `json:"timeout,omitzero"`
	State    *State            `json:"state,omitempty"`
	Submit   *Submit           `json:"submit,omitempty"`
	// MAC is an HMAC-SHA256 over the rest of the document when CDNWATCH_STATE_KEY is set.
	MAC string `json:"mac,omitempty"`
}

// Response is what a direct invoke or a state machine gets back: the updated document plus
// the two fields a Step Functions Choice/Wait loop needs.
type Response struct {
	Document
	Done        bool `json:"done"`
	WaitSeconds int  `json:"waitSeconds"`
}

// wire is Document plus the response fields, so a response fed back in (a state machine
// loop) decodes like a document.
type wire struct {
	Document
	Done        *bool `json:"done,omitempty"`
	WaitSeconds *int  `json:"waitSeconds,omitempty"`
}

// DecodeError names the field and problem of a bad document.
type DecodeError struct {
	Field   string
	Problem string
}

func (e *DecodeError) Error() string {
	if e.Field == "" {
		return "watch document: " + e.Problem
	}
	return fmt.Sprintf("watch document: %s: %s", e.Field, e.Problem)
}

// ErrMAC is returned when a document's MAC is missing or wrong.
var ErrMAC = errors.New("watch document: mac does not match (document altered, or CDNWATCH_STATE_KEY differs)")

// MaxDocumentBytes bounds what Decode reads at all, before any budget applies.
const MaxDocumentBytes = 4 << 20

// Decode parses, normalises and validates a Watch document. Comma-joined ids are split.
// When key is non-empty, a document that carries state must carry a valid MAC.
func Decode(data []byte, key []byte) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, &DecodeError{Problem: fmt.Sprintf("%d bytes is over the %d-byte limit", len(data), MaxDocumentBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w wire
	if err := dec.Decode(&w); err != nil {
		return nil, jsonProblem(err)
	}
	if dec.More() {
		return nil, &DecodeError{Problem: "trailing data after the JSON object"}
	}
	d := &w.Document
	if err := d.normalise(); err != nil {
		return nil, err
	}
	if len(key) > 0 && d.State != nil {
		if err := Verify(d, key); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func jsonProblem(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &DecodeError{Problem: fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)}
	case errors.As(err, &te):
		return &DecodeError{Field: strings.TrimPrefix(te.Field, "Document."), Problem: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &DecodeError{Field: f, Problem: "unknown field"}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &DecodeError{Problem: "empty or truncated JSON"}
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return de
	}
	return &DecodeError{Problem: err.Error()}
}

// MaxTaskIDs bounds one document; larger watches are split (see Split).
const MaxTaskIDs = 100000

func (d *Document) normalise() error {
	if d.V != Version {
		if d.V == 0 {
			return &DecodeError{Field: "v", Problem: "missing; want 1"}
		}
		return &DecodeError{Field: "v", Problem: fmt.Sprintf("version %d not supported; want 1", d.V)}
	}
	if pending, err := d.Submit.normalise(d); pending || err != nil {
		return err
	}
	d.Provider = strings.TrimSpace(d.Provider)
	if d.Provider == "" {
		return &DecodeError{Field: "provider", Problem: "missing"}
	}
	ids := SplitIDs(d.TaskIDs)
	if len(ids) == 0 && (d.State == nil || d.State.Finished == "") {
		if d.State == nil || d.State.Outbox.Empty() {
			return &DecodeError{Field: "taskIds", Problem: "no task ids"}
		}
	}
	if len(ids) > MaxTaskIDs {
		return &DecodeError{Field: "taskIds", Problem: fmt.Sprintf("%d ids is over the limit of %d", len(ids), MaxTaskIDs)}
	}
	for _, id := range ids {
		if len(id) > 128 || strings.ContainsAny(id, " \t\r\n\"\\") {
			return &DecodeError{Field: "taskIds", Problem: fmt.Sprintf("malformed task id %.40q", id)}
		}
	}
	d.TaskIDs = ids
	if d.Interval.D < 0 {
		return &DecodeError{Field: "interval", Problem: "negative"}
	}
	if d.Timeout.D < 0 {
		return &DecodeError{Field: "timeout", Problem: "negative"}
	}
	for i, n := range d.Notify {
		n = strings.TrimSpace(n)
		if n == "" {
			return &DecodeError{Field: fmt.Sprintf("notify[%d]", i), Problem: "empty channel name"}
		}
		d.Notify[i] = n
	}
	if len(d.Label) > 200 {
		return &DecodeError{Field: "label", Problem: "longer than 200 characters"}
	}
	if d.State != nil {
		if err := d.State.validate(len(d.TaskIDs)); err != nil {
			return err
		}
	}
	return nil
}

// SplitIDs splits comma-joined ids ("1,2" → "1","2"), trims space and drops duplicates
// and empties, keeping order. RefreshObjectCaches answers several ids joined by commas.
func SplitIDs(in []string) []string {
	seen := make(map[string]struct{}, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		for id := range strings.SplitSeq(s, ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

// Encode writes the document compactly (the form every hop carries).
func Encode(d *Document) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encode watch document: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// EncodeResponse writes a response document.
func EncodeResponse(r *Response) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode response document: %w", err)
	}
	return b, nil
}

// Duration is a time.Duration that reads "30s"/"2h" or a number of seconds, and writes "30s".
type Duration struct{ D time.Duration }

func (d Duration) IsZero() bool { return d.D == 0 }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.D.String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("duration %q: want e.g. \"30s\", \"10m\", \"2h\"", s)
		}
		d.D = v
		return nil
	}
	secs, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("duration %s: want a string like \"30s\" or a number of seconds", b)
	}
	d.D = time.Duration(secs * float64(time.Second))
	return nil
}
