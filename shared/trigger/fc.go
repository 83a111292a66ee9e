package trigger

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"cdnwatch/shared/sweep"
	"cdnwatch/shared/watch"
)

func decodeTimer(top map[string]json.RawMessage, key []byte) ([]Record, error) {
	raw := bytes.TrimSpace(top["payload"])
	body := raw
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, Poisonf("FC timer %q: payload: %v", str(top, "triggerName"), err)
		}
		body = []byte(s)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, Poisonf("FC timer %q: payload is empty; set the trigger's payload to a Watch document", str(top, "triggerName"))
	}
	if sweep.IsDocument(body) {
		at, err := triggerTime("FC timer triggerTime", str(top, "triggerTime"))
		if err != nil {
			return nil, Poison(fmt.Sprintf("FC timer %q", str(top, "triggerName")), err)
		}
		return sweepRecord(fmt.Sprintf("FC timer %q: payload", str(top, "triggerName")), "", body, at)
	}
	d, err := document(body, key)
	if err != nil {
		return nil, Poison(fmt.Sprintf("FC timer %q: payload", str(top, "triggerName")), err)
	}
	// The tick's time (when it reads): a submit document retried on the same tick lists
	// the provider's tasks from then on (shared/function/submit.go).
	return []Record{{Body: body, Doc: d, At: rfc3339(str(top, "triggerTime"))}}, nil
}

// cloudEvent is an EventBridge CloudEvent as FC's MNS queue trigger delivers it. Our own
// struct: the SDK's events types mis-type some fields.
type cloudEvent struct {
	ID          string `json:"id"`
	Source      string `json:"source"`
	SpecVersion string `json:"specversion"`
	Type        string `json:"type"`
	Subject     string `json:"subject"`
	Time        string `json:"time"`
	Data        *struct {
		RequestID   string `json:"requestId"`
		MessageID   string `json:"messageId"`
		MessageBody string `json:"messageBody"`
	} `json:"data"`
}

// decodeCloudEvents reads one CloudEvent or a batch (a JSON array, FC's batch push).
func decodeCloudEvents(data []byte, key []byte) ([]Record, error) {
	var evs []cloudEvent
	if data[0] == '[' {
		if err := json.Unmarshal(data, &evs); err != nil {
			return nil, Poisonf("MNS queue event batch: %v", err)
		}
	} else {
		var ev cloudEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			return nil, Poisonf("MNS queue event: %v", err)
		}
		evs = []cloudEvent{ev}
	}
	if len(evs) == 0 {
		return nil, Poisonf("MNS queue event batch: empty")
	}
	out := make([]Record, 0, len(evs))
	for i, ev := range evs {
		if !strings.HasPrefix(ev.Type, "mns:Queue:") || ev.Data == nil {
			return nil, Poisonf("CloudEvent[%d] of type %.60q is not handled; want mns:Queue:SendMessage with data.messageBody", i, ev.Type)
		}
		id := ev.Data.MessageID
		if id == "" {
			id = ev.ID
		}
		body := mnsBody(ev.Data.MessageBody)
		rec := Record{ID: id, Source: ev.Subject, Body: body, At: rfc3339(ev.Time)}
		d, err := document(body, key)
		if err != nil {
			rec.Err = Poison(fmt.Sprintf("mns message %s", id), err)
		}
		rec.Doc = d
		out = append(out, rec)
	}
	return out, nil
}

// mnsBody undoes base64 when the trigger was set not to decode it (IsBase64Decode false).
func mnsBody(s string) []byte {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "{") || t == "" {
		return []byte(t)
	}
	if b, err := base64.StdEncoding.DecodeString(t); err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return bytes.TrimSpace(b)
	}
	return []byte(t)
}

// cdnEvent is one event of FC's CDN event trigger (version 1.0.0). For
// CachedObjectsRefreshed and CachedObjectsPushed, eventParameter carries taskId (a number),
// objectPath (a list), objectType ("File", "Directory"), domain, createTime and
// completeTime (unix seconds).
type cdnEvent struct {
	EventName      string `json:"eventName"`
	EventSource    string `json:"eventSource"`
	EventVersion   string `json:"eventVersion"`
	Region         string `json:"region"`
	EventParameter struct {
		TaskID     json.RawMessage `json:"taskId"`
		ObjectPath []string        `json:"objectPath"`
		ObjectType string          `json:"objectType"`
		Domain     string          `json:"domain"`
	} `json:"eventParameter"`
	Resource struct {
		Domain string `json:"domain"`
	} `json:"resource"`
}

// CDNProvider is the provider id a CDN event starts a watch of.
const CDNProvider = "aliyun-cdn"

func decodeCDNEvents(top map[string]json.RawMessage) ([]Record, error) {
	var evs []cdnEvent
	if err := json.Unmarshal(top["events"], &evs); err != nil {
		return nil, Poisonf("CDN event: events: %v", err)
	}
	if len(evs) == 0 {
		return nil, Poisonf("CDN event: events: empty")
	}
	var ids []string
	verbs := map[string]bool{}
	var domain string
	objects := 0
	for i, ev := range evs {
		if ev.EventSource != "cdn" {
			return nil, Poisonf("events[%d]: eventSource %.40q is not handled; want cdn", i, ev.EventSource)
		}
		switch ev.EventName {
		case "CachedObjectsRefreshed":
			verbs["refresh"] = true
		case "CachedObjectsPushed":
			verbs["prefetch"] = true
		default:
			return nil, Poisonf("events[%d]: CDN event %.60q is not watched; want CachedObjectsRefreshed or CachedObjectsPushed", i, ev.EventName)
		}
		id := idString(ev.EventParameter.TaskID)
		if id == "" {
			return nil, Poisonf("events[%d]: eventParameter.taskId missing", i)
		}
		ids = append(ids, id)
		objects += len(ev.EventParameter.ObjectPath)
		if domain == "" {
			domain = ev.EventParameter.Domain
		}
		if domain == "" {
			domain = ev.Resource.Domain
		}
	}
	verb := "refresh"
	switch {
	case verbs["refresh"] && verbs["prefetch"]:
		verb = "refresh and prefetch"
	case verbs["prefetch"]:
		verb = "prefetch"
	}
	label := verb
	if domain != "" {
		label += " " + domain
	}
	if objects > 0 {
		label += fmt.Sprintf(" (%d objects)", objects)
	}
	if len(label) > 200 {
		label = label[:200]
	}
	doc, body, err := newWatch(&watch.Document{Provider: CDNProvider, TaskIDs: ids, Label: label})
	if err != nil {
		return nil, Poison("CDN event", err)
	}
	return []Record{{Body: body, Doc: doc}}, nil
}
