package trigger

import (
	"encoding/json"
	"fmt"
	"strings"

	"cdnwatch/shared/watch"
)

// ActionTrail is an EventBridge CloudEvent carrying an ActionTrail management event,
// delivered to FC: an Alibaba Cloud CDN or DCDN refresh or prefetch submitted anywhere
// (the console, the CLI, another tool). It starts a watch of the task ids the call
// returned, as CloudTrail's CreateInvalidation does on AWS.
//
// Format (https://www.alibabacloud.com/help/en/eventbridge/user-guide/actiontrail-events,
// and the management event structure of ActionTrail): a CloudEvent with source
// "acs.actiontrail", type "actiontrail:ActionTrail:ApiCall" (or ConsoleOperation for the
// console), and data the management event: eventName, serviceName, errorCode (set when
// the call failed), requestParameters (the call's parameters: ObjectPath, ObjectType),
// responseElements (its answer: RefreshTaskId, PushTaskId, PreloadTaskId, RequestId).
const ActionTrail Kind = "actiontrail"

// actionTrailCalls are the submit calls that start a watch: event name → provider and
// the responseElements field that holds the task ids (comma-joined where several).
var actionTrailCalls = map[string]struct{ provider, idField string }{
	"RefreshObjectCaches":     {"aliyun-cdn", "RefreshTaskId"},
	"PushObjectCache":         {"aliyun-cdn", "PushTaskId"},
	"RefreshDcdnObjectCaches": {"aliyun-dcdn", "RefreshTaskId"},
	"PreloadDcdnObjectCaches": {"aliyun-dcdn", "PreloadTaskId"},
}

// isActionTrail tells an ActionTrail CloudEvent from an MNS one by its type.
func isActionTrail(top map[string]json.RawMessage) bool {
	return strings.HasPrefix(str(top, "type"), "actiontrail:ActionTrail:")
}

type actionTrailEvent struct {
	EventName         string                     `json:"eventName"`
	ServiceName       string                     `json:"serviceName"`
	ErrorCode         string                     `json:"errorCode"`
	RequestParameters map[string]json.RawMessage `json:"requestParameters"`
	ResponseElements  map[string]json.RawMessage `json:"responseElements"`
	UserIdentity      struct {
		UserName string `json:"userName"`
	} `json:"userIdentity"`
}

func decodeActionTrail(top map[string]json.RawMessage) ([]Record, error) {
	var ev actionTrailEvent
	if err := json.Unmarshal(top["data"], &ev); err != nil {
		return nil, Poisonf("ActionTrail event: data: %v", err)
	}
	call, ok := actionTrailCalls[ev.EventName]
	if !ok {
		return nil, Poisonf("ActionTrail event %.60q from %.40q is not handled; want RefreshObjectCaches, PushObjectCache, "+
			"RefreshDcdnObjectCaches or PreloadDcdnObjectCaches (filter the EventBridge rule on data.eventName)", ev.EventName, ev.ServiceName)
	}
	if ev.ErrorCode != "" {
		return nil, Poisonf("ActionTrail %s failed (%.60s): no task to watch", ev.EventName, ev.ErrorCode)
	}
	raw := idString(ev.ResponseElements[call.idField])
	ids := watch.SplitIDs([]string{raw})
	if len(ids) == 0 {
		return nil, Poisonf("ActionTrail %s: data.responseElements.%s missing", ev.EventName, call.idField)
	}
	var paths string
	_ = json.Unmarshal(ev.RequestParameters["ObjectPath"], &paths)
	n := 0
	for _, p := range strings.Split(paths, "\n") {
		if strings.TrimSpace(p) != "" {
			n++
		}
	}
	label := fmt.Sprintf("%s %s", ev.EventName, strings.Join(ids, ","))
	if n > 0 {
		label = fmt.Sprintf("%s of %d URLs", ev.EventName, n)
	}
	if who := strings.TrimSpace(ev.UserIdentity.UserName); who != "" {
		label += " by " + who
	}
	doc, body, err := newWatch(&watch.Document{Provider: call.provider, TaskIDs: ids, Label: label})
	if err != nil {
		return nil, Poison("ActionTrail "+ev.EventName, err)
	}
	return []Record{{ID: str(top, "id"), Body: body, Doc: doc}}, nil
}
