package trigger_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/provider"
	_ "cdnwatch/shared/provider/all"
	"cdnwatch/shared/sweep"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/watch"
)

// golden says what each file in events/ must decode to. A file in events/ without an
// entry fails TestEventFiles, so every sample stays covered.
var golden = map[string]struct {
	rt       trigger.Runtime
	kind     trigger.Kind
	ids      [][]string // task ids per record
	msgIDs   []string   // record ids, where the envelope has them
	scope    map[string]string
	provider string
	state    bool // the (first) document carries state
	errSub   string
	sweepAt  string // a sweep: the trigger time the record must carry (RFC 3339)
}{
	"lambda-direct.json": {rt: trigger.Lambda, kind: trigger.Direct, provider: "aliyun-cdn",
		ids: [][]string{{"15920000101", "15920000102", "15920000103"}}},
	"stepfunctions-input.json": {rt: trigger.Lambda, kind: trigger.Direct, provider: "aliyun-cdn", state: true,
		ids: [][]string{{"15920000201", "15920000202"}}},
	"sqs-batch.json": {rt: trigger.Lambda, kind: trigger.SQS, provider: "aliyun-cdn",
		ids:    [][]string{{"15920000301"}, {"15920000302", "15920000303"}},
		msgIDs: []string{"6f2c1e0a-3b7d-4c9e-8a51-2d4f6b8c0e11", "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d"}},
	"eventbridge-scheduled-verbatim.json": {rt: trigger.Lambda, kind: trigger.Direct, provider: "aliyun-cdn",
		ids: [][]string{{"15920000401"}}},
	"eventbridge-scheduled-envelope.json": {rt: trigger.Lambda, kind: trigger.EventBridge, provider: "aliyun-cdn",
		ids: [][]string{{"15920000501", "15920000502"}}},
	"cloudtrail-create-invalidation.json": {rt: trigger.Lambda, kind: trigger.CloudTrail, provider: "aws-cloudfront",
		ids: [][]string{{"I2J0I21PCUYOIK"}}, scope: map[string]string{"distributionId": "E2QWRUHAPOMQZL"}},
	"watch-aws-cloudfront.json": {rt: trigger.Lambda, kind: trigger.Direct, provider: "aws-cloudfront",
		ids: [][]string{{"I2J0I21PCUYOIK", "I3K1J32QDVZPJL"}}, scope: map[string]string{"distributionId": "E2QWRUHAPOMQZL"}},
	"watch-tencent-cdn.json": {rt: trigger.Lambda, kind: trigger.Direct, provider: "tencent-cdn",
		ids: [][]string{{"153303185323131331", "153303185323131332"}}, scope: map[string]string{"kind": "push"}},
	"watch-aliyun-dcdn.json": {rt: trigger.Lambda, kind: trigger.Direct, provider: "aliyun-dcdn",
		ids: [][]string{{"18000000101", "18000000102", "18000000103"}}},
	"watch-volc-mcdn.json": {rt: trigger.Lambda, kind: trigger.Direct, provider: "volc-mcdn",
		ids: [][]string{{"65d2c9b64fb1452d12d4df91", "660294f4e4e644f6114dea83"}}},
	"watch-volc-cdn.json": {rt: trigger.Lambda, kind: trigger.Direct, provider: "volc-cdn",
		ids: [][]string{{"refresh_url_bbd36e1cb5154f52b648b07ee119223e2971399f5a1075c0",
			"prefetch_url_89c25a1aa3044b39921387190fc9b0e438f3d071f278f031"}}},
	"fc-direct.json": {rt: trigger.FC, kind: trigger.Direct, provider: "aliyun-cdn",
		ids: [][]string{{"15920000601", "15920000602"}}},
	"fc-timer.json": {rt: trigger.FC, kind: trigger.FCTimer, provider: "aliyun-cdn", ids: [][]string{{"15920000701"}}},
	"fc-mns-queue.json": {rt: trigger.FC, kind: trigger.MNS, provider: "aliyun-cdn", state: true,
		ids: [][]string{{"15920000801", "15920000802"}}, msgIDs: []string{"C6DB60D1574661357FA2272774450001"}},
	"fc-cdn-refreshed.json": {rt: trigger.FC, kind: trigger.CDNEvent, provider: "aliyun-cdn", ids: [][]string{{"15920000901"}}},
	"fc-cdn-pushed.json":    {rt: trigger.FC, kind: trigger.CDNEvent, provider: "aliyun-cdn", ids: [][]string{{"15920001001"}}},
	"fc-timer-sweep.json": {rt: trigger.FC, kind: trigger.FCTimer, provider: "aliyun-cdn", ids: [][]string{nil},
		sweepAt: "2026-03-01T10:40:00Z"},
	"eventbridge-scheduled-sweep.json": {rt: trigger.Lambda, kind: trigger.EventBridge, provider: "aliyun-cdn",
		ids: [][]string{nil}, sweepAt: "2026-03-01T10:40:00Z"},
	// Submit documents: no task ids until submitted.
	"submit-direct.json":   {rt: trigger.Lambda, kind: trigger.Direct, provider: "aliyun-cdn", ids: [][]string{nil}},
	"fc-submit-timer.json": {rt: trigger.FC, kind: trigger.FCTimer, provider: "aliyun-cdn", ids: [][]string{nil}},
	// An ActionTrail RefreshObjectCaches call delivered by EventBridge: a watch of its ids.
	"fc-actiontrail-refresh.json": {rt: trigger.FC, kind: trigger.ActionTrail, provider: "aliyun-cdn",
		ids: [][]string{{"15920001101", "15920001102"}}},
}

func eventsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../events")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestEventFiles decodes every sample, checks it against golden, and round-trips each
// document: Encode then Decode gives the same document.
func TestEventFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(eventsDir(t), "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no event files: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := golden[name]
			if !ok {
				t.Fatalf("events/%s has no golden entry in trigger_test.go: add one", name)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			registered := slices.Contains(provider.Names(), want.provider)
			ev, err := trigger.Decode(want.rt, data, nil)
			if !registered {
				if err == nil || !trigger.IsPoison(err) || !strings.Contains(err.Error(), "provider "+want.provider+" not available in this build") {
					t.Fatalf("provider %s is not built in: want a poison 'not available' error, got %v", want.provider, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if ev.Kind != want.kind || ev.Runtime != want.rt {
				t.Fatalf("kind %s/%s, want %s/%s", ev.Runtime, ev.Kind, want.rt, want.kind)
			}
			if len(ev.Records) != len(want.ids) {
				t.Fatalf("%d records, want %d", len(ev.Records), len(want.ids))
			}
			for i, r := range ev.Records {
				if r.Err != nil {
					t.Fatalf("record %d: %v", i, r.Err)
				}
				if want.sweepAt != "" {
					if r.Sweep == nil || r.Doc != nil || r.Sweep.Sweep.Provider != want.provider ||
						r.At.Format(time.RFC3339) != want.sweepAt {
						t.Fatalf("record %d: want a %s sweep at %s, got sweep %+v at %s", i, want.provider, want.sweepAt, r.Sweep, r.At)
					}
					if d, err := sweep.Decode(r.Body); err != nil || !reflect.DeepEqual(d, r.Sweep) {
						t.Errorf("record %d: Body does not hold the sweep: %v", i, err)
					}
					continue
				}
				if !reflect.DeepEqual(r.Doc.TaskIDs, want.ids[i]) {
					t.Errorf("record %d: taskIds %v, want %v", i, r.Doc.TaskIDs, want.ids[i])
				}
				if r.Doc.Provider != want.provider {
					t.Errorf("record %d: provider %q, want %q", i, r.Doc.Provider, want.provider)
				}
				if want.msgIDs != nil && r.ID != want.msgIDs[i] {
					t.Errorf("record %d: id %q, want %q", i, r.ID, want.msgIDs[i])
				}
				if want.scope != nil && !reflect.DeepEqual(r.Doc.Scope, want.scope) {
					t.Errorf("record %d: scope %v, want %v", i, r.Doc.Scope, want.scope)
				}
				if i == 0 && (r.Doc.State != nil) != want.state {
					t.Errorf("record 0: state present %v, want %v", r.Doc.State != nil, want.state)
				}
				// Round trip.
				b, err := watch.Encode(r.Doc)
				if err != nil {
					t.Fatal(err)
				}
				again, err := watch.Decode(b, nil)
				if err != nil {
					t.Fatalf("record %d: re-decode: %v\n%s", i, err, b)
				}
				if !reflect.DeepEqual(again, r.Doc) {
					t.Errorf("record %d: round trip changed the document:\n got %+v\nwant %+v", i, again, r.Doc)
				}
				// The body kept for a dead-letter queue decodes to the same document.
				fromBody, err := watch.Decode(r.Body, nil)
				if err != nil || !reflect.DeepEqual(fromBody, r.Doc) {
					t.Errorf("record %d: Body does not hold the document: %v", i, err)
				}
			}
			// The other runtime refuses the envelope (bare documents go anywhere).
			if want.kind != trigger.Direct {
				other := trigger.FC
				if want.rt == trigger.FC {
					other = trigger.Lambda
				}
				if _, err := trigger.Decode(other, data, nil); !trigger.IsPoison(err) {
					t.Errorf("%s runtime accepted a %s event: %v", other, want.kind, err)
				}
			}
		})
	}
	for name := range golden {
		if !seen[name] {
			t.Errorf("golden entry %s has no file in events/", name)
		}
	}
}

func TestDecodeTable(t *testing.T) {
	doc := `{"v":1,"provider":"aliyun-cdn","taskIds":["123"]}`
	b64 := base64.StdEncoding.EncodeToString([]byte(doc))
	sqsRec := func(id, body string) string {
		return `{"messageId":"` + id + `","body":` + quote(body) + `,"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:1:q"}`
	}
	sweepDoc := `{"v":1,"sweep":{"provider":"aliyun-cdn","window":"10m"},"notify":["slack"]}`
	cases := []struct {
		name      string
		rt        trigger.Runtime
		in        string
		kind      trigger.Kind
		ids       []string // first record's ids
		recErrs   []string // per-record error substrings ("" = ok)
		errSub    string   // whole-event error substring
		nonPoison bool
	}{
		{name: "bare", rt: trigger.Lambda, in: doc, kind: trigger.Direct, ids: []string{"123"}},
		{name: "bare with loop fields", rt: trigger.FC, in: `{"v":1,"provider":"aliyun-cdn","taskIds":["1,2"],"done":false,"waitSeconds":5}`,
			kind: trigger.Direct, ids: []string{"1", "2"}},
		{name: "empty", rt: trigger.Lambda, in: "  ", errSub: "empty event"},
		{name: "not json", rt: trigger.Lambda, in: "hello", errSub: "want a JSON object or array"},
		{name: "truncated", rt: trigger.Lambda, in: `{"v":1,"provider":`, errSub: "watch document"},
		{name: "unknown envelope", rt: trigger.Lambda, in: `{"foo":1,"bar":2}`, errSub: `unrecognised event with top-level keys ["bar" "foo"]`},
		{name: "unknown field", rt: trigger.Lambda, in: `{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"colour":"red"}`, errSub: "colour: unknown field"},
		{name: "unknown provider", rt: trigger.Lambda, in: `{"v":1,"provider":"akamai","taskIds":["1"]}`, errSub: "provider akamai not available in this build"},
		{name: "no ids", rt: trigger.Lambda, in: `{"v":1,"provider":"aliyun-cdn","taskIds":[]}`, errSub: "taskIds: no task ids"},
		{name: "sweep without window", rt: trigger.FC, in: `{"v":1,"sweep":{"provider":"aliyun-cdn"}}`, errSub: "sweep.window: missing"},
		{name: "bare sweep", rt: trigger.Lambda, in: sweepDoc, kind: trigger.Direct},
		{name: "sweep unknown provider", rt: trigger.FC, in: `{"v":1,"sweep":{"provider":"akamai","window":"10m"}}`,
			errSub: "provider akamai not available in this build"},
		{name: "timer sweep without time", rt: trigger.FC, in: `{"triggerTime":"","triggerName":"t","payload":` + quote(sweepDoc) + `}`,
			errSub: `FC timer "t": FC timer triggerTime missing: a sweep needs the trigger's time`},
		{name: "eventbridge sweep bad time", rt: trigger.Lambda,
			in:     `{"detail-type":"Scheduled Event","source":"aws.scheduler","time":"yesterday","detail":` + sweepDoc + `}`,
			errSub: `EventBridge time "yesterday": want an RFC 3339 time`},
		{name: "sweep from a queue", rt: trigger.Lambda, in: `{"Records":[` + sqsRec("a", sweepDoc) + `]}`,
			kind: trigger.SQS, recErrs: []string{"sqs message a: a sweep document is run by a timer"}},
		{name: "sqs mixed", rt: trigger.Lambda,
			in:   `{"Records":[` + sqsRec("a", doc) + `,` + sqsRec("b", `{"v":1`) + `,` + sqsRec("c", `{"v":2,"provider":"aliyun-cdn","taskIds":["1"]}`) + `]}`,
			kind: trigger.SQS, ids: []string{"123"}, recErrs: []string{"", "sqs message b: watch document", "v: version 2 not supported"}},
		{name: "sqs wrong source", rt: trigger.Lambda, in: `{"Records":[{"messageId":"x","eventSource":"aws:sns","body":""}]}`, errSub: `eventSource "aws:sns" is not handled`},
		{name: "sqs empty", rt: trigger.Lambda, in: `{"Records":[]}`, errSub: "Records: empty"},
		{name: "eventbridge string detail", rt: trigger.Lambda, in: `{"version":"0","detail-type":"cdnwatch","source":"ci","detail":` + quote(doc) + `}`,
			kind: trigger.EventBridge, ids: []string{"123"}},
		{name: "schedule without input", rt: trigger.Lambda, in: `{"version":"0","detail-type":"Scheduled Event","source":"aws.events","detail":{}}`,
			errSub: "no Watch document in detail"},
		{name: "cloudtrail other call", rt: trigger.Lambda,
			in:     `{"detail-type":"AWS API Call via CloudTrail","source":"aws.cloudfront","detail":{"eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution"}}`,
			errSub: `CloudTrail event UpdateDistribution from cloudfront.amazonaws.com is not handled`},
		{name: "cloudtrail failed call", rt: trigger.Lambda,
			in:     `{"detail-type":"AWS API Call via CloudTrail","source":"aws.cloudfront","detail":{"eventSource":"cloudfront.amazonaws.com","eventName":"CreateInvalidation","errorCode":"AccessDenied"}}`,
			errSub: "CreateInvalidation failed (AccessDenied)"},
		{name: "cloudtrail no id", rt: trigger.Lambda,
			in:     `{"detail-type":"AWS API Call via CloudTrail","source":"aws.cloudfront","detail":{"eventSource":"cloudfront.amazonaws.com","eventName":"CreateInvalidation","requestParameters":{"distributionId":"E1"},"responseElements":{}}}`,
			errSub: "invalidation.id missing"},
		{name: "timer", rt: trigger.FC, in: `{"triggerTime":"2026-01-01T00:00:00Z","triggerName":"t","payload":` + quote(doc) + `}`,
			kind: trigger.FCTimer, ids: []string{"123"}},
		{name: "timer object payload", rt: trigger.FC, in: `{"triggerTime":"2026-01-01T00:00:00Z","triggerName":"t","payload":` + doc + `}`,
			kind: trigger.FCTimer, ids: []string{"123"}},
		{name: "timer empty payload", rt: trigger.FC, in: `{"triggerTime":"x","triggerName":"t","payload":""}`, errSub: `FC timer "t": payload is empty`},
		{name: "timer bad payload", rt: trigger.FC, in: `{"triggerTime":"x","triggerName":"t","payload":"awesome-fc"}`, errSub: `FC timer "t": payload: watch document: malformed JSON`},
		{name: "mns single", rt: trigger.FC,
			in:   `{"id":"e1","specversion":"1.0","type":"mns:Queue:SendMessage","subject":"acs:mns:cn-hangzhou:1:queues/q","data":{"messageId":"m1","messageBody":` + quote(doc) + `}}`,
			kind: trigger.MNS, ids: []string{"123"}},
		{name: "mns base64 body", rt: trigger.FC,
			in:   `[{"id":"e1","specversion":"1.0","type":"mns:Queue:SendMessage","data":{"messageId":"m1","messageBody":"` + b64 + `"}}]`,
			kind: trigger.MNS, ids: []string{"123"}},
		{name: "mns poison body", rt: trigger.FC,
			in:   `[{"id":"e1","specversion":"1.0","type":"mns:Queue:SendMessage","data":{"messageId":"m1","messageBody":"TEST"}}]`,
			kind: trigger.MNS, recErrs: []string{"mns message m1: watch document: malformed JSON"}},
		{name: "cloudevent not mns", rt: trigger.FC, in: `[{"specversion":"1.0","type":"mq:Topic:SendMessage","data":{}}]`, errSub: `"mq:Topic:SendMessage" is not handled`},
		{name: "actiontrail dcdn preload", rt: trigger.FC,
			in:   `{"id":"a1","source":"acs.actiontrail","specversion":"1.0","type":"actiontrail:ActionTrail:ConsoleOperation","data":{"eventName":"PreloadDcdnObjectCaches","serviceName":"dcdn","responseElements":{"PreloadTaskId":"18000000401"}}}`,
			kind: trigger.ActionTrail, ids: []string{"18000000401"}},
		{name: "actiontrail other call", rt: trigger.FC,
			in:     `{"id":"a1","source":"acs.actiontrail","specversion":"1.0","type":"actiontrail:ActionTrail:ApiCall","data":{"eventName":"AddCdnDomain","serviceName":"Cdn"}}`,
			errSub: `ActionTrail event "AddCdnDomain" from "Cdn" is not handled`},
		{name: "actiontrail failed call", rt: trigger.FC,
			in:     `{"id":"a1","source":"acs.actiontrail","specversion":"1.0","type":"actiontrail:ActionTrail:ApiCall","data":{"eventName":"PushObjectCache","errorCode":"QuotaExceeded.Refresh"}}`,
			errSub: "PushObjectCache failed (QuotaExceeded.Refresh): no task to watch"},
		{name: "actiontrail no id", rt: trigger.FC,
			in:     `{"id":"a1","source":"acs.actiontrail","specversion":"1.0","type":"actiontrail:ActionTrail:ApiCall","data":{"eventName":"RefreshObjectCaches","responseElements":{}}}`,
			errSub: "data.responseElements.RefreshTaskId missing"},
		{name: "actiontrail at lambda", rt: trigger.Lambda,
			in:     `{"id":"a1","source":"acs.actiontrail","specversion":"1.0","type":"actiontrail:ActionTrail:ApiCall","data":{"eventName":"RefreshObjectCaches","responseElements":{"RefreshTaskId":"1"}}}`,
			errSub: "actiontrail event reached the lambda function"},
		{name: "cdn string task id", rt: trigger.FC,
			in:   `{"events":[{"eventName":"CachedObjectsRefreshed","eventSource":"cdn","eventParameter":{"taskId":"42,43","domain":"a.example.com"}}]}`,
			kind: trigger.CDNEvent, ids: []string{"42", "43"}},
		{name: "cdn two events", rt: trigger.FC,
			in:   `{"events":[{"eventName":"CachedObjectsRefreshed","eventSource":"cdn","eventParameter":{"taskId":7}},{"eventName":"CachedObjectsPushed","eventSource":"cdn","eventParameter":{"taskId":8}}]}`,
			kind: trigger.CDNEvent, ids: []string{"7", "8"}},
		{name: "cdn other event", rt: trigger.FC, in: `{"events":[{"eventName":"LogFileCreated","eventSource":"cdn","eventParameter":{}}]}`,
			errSub: `CDN event "LogFileCreated" is not watched`},
		{name: "cdn no task id", rt: trigger.FC, in: `{"events":[{"eventName":"CachedObjectsPushed","eventSource":"cdn","eventParameter":{}}]}`,
			errSub: "eventParameter.taskId missing"},
		{name: "oss event", rt: trigger.FC, in: `{"events":[{"eventName":"ObjectCreated:PutObject","eventSource":"acs:oss"}]}`,
			errSub: `eventSource "acs:oss" is not handled`},
		{name: "fc event at lambda", rt: trigger.Lambda, in: `{"triggerTime":"x","triggerName":"t","payload":` + quote(doc) + `}`,
			errSub: "fc-timer event reached the lambda function"},
		{name: "sqs at fc", rt: trigger.FC, in: `{"Records":[` + sqsRec("a", doc) + `]}`, errSub: "sqs event reached the fc function"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := trigger.Decode(c.rt, []byte(c.in), nil)
			if c.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), c.errSub) {
					t.Fatalf("err = %v, want it to contain %q", err, c.errSub)
				}
				if trigger.IsPoison(err) == c.nonPoison {
					t.Errorf("IsPoison = %v for %v", !c.nonPoison, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if ev.Kind != c.kind {
				t.Errorf("kind %s, want %s", ev.Kind, c.kind)
			}
			for i, sub := range c.recErrs {
				r := ev.Records[i]
				if sub == "" {
					if r.Err != nil || r.Doc == nil {
						t.Errorf("record %d: unexpected error %v", i, r.Err)
					}
					continue
				}
				if r.Err == nil || !strings.Contains(r.Err.Error(), sub) || !trigger.IsPoison(r.Err) {
					t.Errorf("record %d: err %v, want poison containing %q", i, r.Err, sub)
				}
				if r.Doc != nil {
					t.Errorf("record %d: has a document despite its error", i)
				}
			}
			if c.ids != nil && !reflect.DeepEqual(ev.Records[0].Doc.TaskIDs, c.ids) {
				t.Errorf("ids %v, want %v", ev.Records[0].Doc.TaskIDs, c.ids)
			}
		})
	}
}

func TestMACIsChecked(t *testing.T) {
	key := []byte("k3y")
	d, err := watch.Decode([]byte(`{"v":1,"provider":"aliyun-cdn","taskIds":["1"]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := watch.Step(d, nil, watchNow(), watch.DefaultPolicy(), watch.Info{})
	if err := watch.Seal(res.Doc, key); err != nil {
		t.Fatal(err)
	}
	b, _ := watch.Encode(res.Doc)
	if _, err := trigger.Decode(trigger.Lambda, b, key); err != nil {
		t.Fatalf("sealed document refused: %v", err)
	}
	tampered := strings.Replace(string(b), `"hops":1`, `"hops":0`, 1)
	_, err = trigger.Decode(trigger.Lambda, []byte(tampered), key)
	if !errors.Is(err, watch.ErrMAC) || !trigger.IsPoison(err) {
		t.Fatalf("tampered document: err %v, want poison ErrMAC", err)
	}
}

func TestIsPoison(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("connection reset"), false},
		{&watch.DecodeError{Field: "v", Problem: "missing"}, true},
		{&provider.ErrUnknownProvider{Name: "x"}, true},
		{&provider.Error{Provider: "aliyun-cdn", Kind: provider.KindInvalidID}, true},
		{&provider.Error{Provider: "aliyun-cdn", Kind: provider.KindAuth}, false},
		{&provider.Error{Provider: "aliyun-cdn", Kind: provider.KindThrottled}, false},
		{&trigger.TransientError{Err: errors.New("x")}, false},
		{&watch.BudgetError{}, true},
	} {
		if got := trigger.IsPoison(c.err); got != c.want {
			t.Errorf("IsPoison(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func watchNow() time.Time { return time.Unix(1767225600, 0) }

// A watch whose notify list names a channel that is not configured would tell nobody:
// it is poison (dead-letter queue), not retried.
func TestUnconfiguredChannelIsPoison(t *testing.T) {
	err := fmt.Errorf("hop: %w", &notify.UnconfiguredError{Unknown: []string{"teams"}, Unset: map[string]string{"slack": "CDNWATCH_SLACK_WEBHOOK_URL"}})
	if !trigger.IsPoison(err) {
		t.Fatalf("IsPoison(%v) = false", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"teams" is not a channel`) || !strings.Contains(msg, "slack is not configured (set CDNWATCH_SLACK_WEBHOOK_URL)") {
		t.Fatalf("message %q does not name the channels and variables", msg)
	}
}
