// Package trigger turns every envelope the two functions accept into Watch documents
// (docs/design.md "Triggers") and carries a pending watch on to its next
// hop ("Continuation while tasks are pending"). Decoding is pure; the queues are in sqs.go
// and mns.go.
package trigger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/sweep"
	"cdnwatch/shared/watch"
)

// Runtime is the platform a function runs on.
type Runtime string

const (
	Lambda Runtime = "lambda" // AWS Lambda, provided.al2023
	FC     Runtime = "fc"     // Aliyun Function Compute, go1
)

// ParseRuntime reads "lambda" or "fc".
func ParseRuntime(s string) (Runtime, error) {
	switch Runtime(strings.ToLower(strings.TrimSpace(s))) {
	case Lambda:
		return Lambda, nil
	case FC:
		return FC, nil
	}
	return "", fmt.Errorf("runtime %q: want lambda or fc", s)
}

// Kind is the envelope an event arrived in.
type Kind string

const (
	// Direct is a bare Watch document: a direct invoke, a Step Functions or CloudFlow task,
	// or an EventBridge schedule whose constant Input arrives verbatim. The caller owns the
	// loop, so the answer is the updated document with done/waitSeconds.
	Direct Kind = "direct"
	// SQS is an SQS event; each record body is a document.
	SQS Kind = "sqs"
	// EventBridge is an EventBridge envelope with the document in detail.
	EventBridge Kind = "eventbridge"
	// CloudTrail is EventBridge's "AWS API Call via CloudTrail" for CloudFront
	// CreateInvalidation: it starts a watch of that invalidation.
	CloudTrail Kind = "cloudtrail"
	// FCTimer is an FC timer trigger; payload is a string holding the document.
	FCTimer Kind = "fc-timer"
	// MNS is an FC MNS queue trigger (EventBridge CloudEvents, one or a batch); each
	// data.messageBody is a document.
	MNS Kind = "mns"
	// CDNEvent is an FC CDN event trigger (CachedObjectsRefreshed / CachedObjectsPushed):
	// it starts a watch of the event's task ids.
	CDNEvent Kind = "cdn-event"
)

// Queued reports whether the event came from a queue, so each record is one hop and a
// pending watch goes back to the queue.
func (k Kind) Queued() bool { return k == SQS || k == MNS }

// Record is one document of an event, or the reason it has none.
type Record struct {
	// ID is the queue's message id (SQS messageId, MNS messageId); empty otherwise.
	ID string
	// Source is where the record came from: the SQS eventSourceARN, the MNS subject
	// (acs:mns:<region>:<account>:queues/<name>); empty otherwise.
	Source string
	// Body is the document as it arrived (what a dead-letter queue receives).
	Body []byte
	// Doc is the decoded document, nil when Err is set or the record is a sweep.
	Doc *watch.Document
	// Sweep is set instead of Doc when a timer carried a sweep document (sweep.go).
	Sweep *sweep.Document
	// At is the trigger's own time (FC triggerTime, EventBridge time; for queue messages
	// when the message was first sent: SQS SentTimestamp, the MNS event's time), when the
	// envelope has one. A sweep's window is computed from it; a submit document's retry
	// check lists the provider's tasks from then on.
	At time.Time
	// Err says why the record has no document; IsPoison(Err) is true.
	Err error
}

// Event is a decoded trigger envelope.
type Event struct {
	Runtime Runtime
	Kind    Kind
	Records []Record
}

// Decode auto-detects the envelope of data and decodes every document in it with
// watch.Decode (key: CDNWATCH_STATE_KEY). An envelope it cannot read at all is a
// PoisonError naming what it saw; a record it cannot read keeps its own Err so the other
// records of a batch still run.
func Decode(rt Runtime, data []byte, key []byte) (*Event, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, Poisonf("empty event")
	}
	if len(data) > watch.MaxDocumentBytes*2 {
		return nil, Poisonf("event of %d bytes is over the %d-byte limit", len(data), watch.MaxDocumentBytes*2)
	}
	var kind Kind
	var recs []Record
	var err error
	switch data[0] {
	case '[':
		kind = MNS
		recs, err = decodeCloudEvents(data, key)
	case '{':
		var top map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			// Let watch.Decode name the JSON problem precisely.
			_, derr := watch.Decode(data, key)
			if derr == nil {
				derr = err
			}
			return nil, Poison("event", derr)
		}
		kind, err = detect(top)
		if err != nil {
			return nil, err
		}
		recs, err = decodeKind(kind, data, top, key)
	default:
		return nil, Poisonf("event: want a JSON object or array, got %s", firstBytes(data))
	}
	if err != nil {
		return nil, err
	}
	if !accepts(rt, kind) {
		return nil, Poisonf("%s event reached the %s function; it belongs to %s", kind, rt, other(rt))
	}
	return &Event{Runtime: rt, Kind: kind, Records: recs}, nil
}

func other(rt Runtime) Runtime {
	if rt == Lambda {
		return FC
	}
	return Lambda
}

func accepts(rt Runtime, k Kind) bool {
	switch k {
	case Direct:
		return true
	case SQS, EventBridge, CloudTrail:
		return rt == Lambda
	case FCTimer, MNS, CDNEvent, ActionTrail:
		return rt == FC
	}
	return false
}

// detect names the envelope from its top-level keys.
func detect(top map[string]json.RawMessage) (Kind, error) {
	has := func(k string) bool { _, ok := top[k]; return ok }
	switch {
	case has("Records"):
		return SQS, nil
	case has("detail-type") && has("source"):
		var dt string
		_ = json.Unmarshal(top["detail-type"], &dt)
		if dt == "AWS API Call via CloudTrail" {
			return CloudTrail, nil
		}
		return EventBridge, nil
	case has("triggerTime") && has("triggerName"):
		return FCTimer, nil
	case has("events"):
		return CDNEvent, nil
	case has("specversion") && has("data") && isActionTrail(top): // actiontrail.go
		return ActionTrail, nil
	case has("specversion") && has("data"):
		return MNS, nil
	case has("v") || has("sweep") || has("provider") || has("taskIds"):
		return Direct, nil
	}
	return "", Poisonf("unrecognised event with top-level keys [%s]; want a Watch document, an SQS, "+
		"EventBridge or CloudTrail event (Lambda), or an FC timer, MNS queue or CDN event (FC)", keyList(top))
}

func decodeKind(k Kind, data []byte, top map[string]json.RawMessage, key []byte) ([]Record, error) {
	switch k {
	case Direct:
		if sweep.IsDocument(data) {
			return sweepRecord("", "", data, time.Time{})
		}
		d, err := document(data, key)
		if err != nil {
			return nil, err
		}
		return []Record{{Body: data, Doc: d}}, nil
	case SQS:
		return decodeSQS(top, key)
	case EventBridge:
		return decodeEventBridge(top, key)
	case CloudTrail:
		return decodeCloudTrail(top)
	case FCTimer:
		return decodeTimer(top, key)
	case MNS:
		return decodeCloudEvents(data, key)
	case CDNEvent:
		return decodeCDNEvents(top)
	case ActionTrail:
		return decodeActionTrail(top)
	}
	return nil, Poisonf("unknown event kind %q", k)
}

// document decodes one Watch document and checks its provider is built in.
func document(body []byte, key []byte) (*watch.Document, error) {
	if err := notFromQueue(body); err != nil {
		return nil, err
	}
	d, err := watch.Decode(body, key)
	if err != nil {
		return nil, Poison("", err)
	}
	if err := CheckProvider(d.Provider); err != nil {
		return nil, err
	}
	return d, nil
}

// CheckProvider is a PoisonError when no driver of that id is registered in this build.
func CheckProvider(name string) error {
	names := provider.Names()
	if slices.Contains(names, name) {
		return nil
	}
	have := strings.Join(names, ", ")
	if have == "" {
		have = "none"
	}
	return Poisonf("watch document: provider: provider %s not available in this build (available: %s)", name, have)
}

// newWatch builds a first-hop document from an event (CloudTrail, CDN event) and runs it
// through the same validation as a user's document.
func newWatch(d *watch.Document) (*watch.Document, []byte, error) {
	d.V = watch.Version
	b, err := watch.Encode(d)
	if err != nil {
		return nil, nil, err
	}
	out, err := document(b, nil)
	if err != nil {
		return nil, b, err
	}
	return out, b, nil
}

func keyList(m map[string]json.RawMessage) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, fmt.Sprintf("%.40q", k))
	}
	sort.Strings(ks)
	if len(ks) > 12 {
		ks = append(ks[:12], "...")
	}
	return strings.Join(ks, " ")
}

func firstBytes(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return fmt.Sprintf("%q", b)
}

// str reads a JSON string field, "" when absent or not a string.
func str(m map[string]json.RawMessage, k string) string {
	var s string
	_ = json.Unmarshal(m[k], &s)
	return s
}

// idString reads an id given as a JSON string or number (FC's CDN events send taskId as a
// number; JSON numbers are kept digit for digit).
func idString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
		return ""
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&n) == nil {
		return n.String()
	}
	return ""
}
