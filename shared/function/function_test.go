package function_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/function"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/watch"
)

// memQueue is a trigger.Queue in memory that can be told to fail.
type memQueue struct {
	mu     sync.Mutex
	fail   error
	dlq    string
	sent   []string // target: body
	delays []time.Duration
}

func (q *memQueue) Name() string            { return "mem" }
func (q *memQueue) Budget() int             { return watch.BudgetSQS }
func (q *memQueue) MaxDelay() time.Duration { return 900 * time.Second }
func (q *memQueue) DeadLetter() string      { return q.dlq }
func (q *memQueue) Target(source string) string {
	if source == "" {
		return "configured"
	}
	return source
}
func (q *memQueue) Send(_ context.Context, target string, body []byte, delay time.Duration, _ map[string]string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil && target != q.dlq {
		return q.fail
	}
	q.sent = append(q.sent, target+": "+string(body))
	q.delays = append(q.delays, delay)
	return nil
}

func newHandler(t *testing.T, q trigger.Queue, rt trigger.Runtime) (*function.Handler, string) {
	t.Helper()
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "LTAI5tUnit", AccessKeySecret: "unit-secret"})
	id := sim.AddTask("aliyun-cdn", cdnsim.Task{Objects: []cdnsim.Object{{Path: "http://a.example.com/x", Type: cdnsim.TypePreload, Duration: time.Hour}}})
	api := httptest.NewServer(sim.Handler("aliyun-cdn"))
	t.Cleanup(api.Close)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tUnit")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "unit-secret")
	env := map[string]string{"CDNWATCH_ALIYUN_CDN_ENDPOINT": api.URL}
	h, err := function.New(function.Options{Runtime: rt, Getenv: func(k string) string { return env[k] }, Log: testWriter{t}, Queue: q})
	if err != nil {
		t.Fatal(err)
	}
	return h, id
}

func sqsBody(id, body string) string {
	return fmt.Sprintf(`{"messageId":%q,"body":%q,"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:1:q"}`, id, body)
}

func TestQueueRecordFailuresKeepState(t *testing.T) {
	q := &memQueue{fail: errors.New("sqs is down")}
	h, id := newHandler(t, q, trigger.Lambda)
	doc := fmt.Sprintf(`{"v":1,"provider":"aliyun-cdn","taskIds":[%q]}`, id)
	ev := `{"Records":[` + sqsBody("m1", doc) + `]}`
	out, err := h.Invoke(context.Background(), []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(*function.BatchResponse); len(r.BatchItemFailures) != 1 || r.BatchItemFailures[0].ItemIdentifier != "m1" {
		t.Fatalf("a record whose continuation was not sent must fail: %+v", r)
	}

	// Sent when the queue works, with the hop's wait as the delay.
	q.fail = nil
	out, err = h.Invoke(context.Background(), []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(*function.BatchResponse); len(r.BatchItemFailures) != 0 || len(q.sent) != 1 {
		t.Fatalf("failures %+v, sent %v", r, q.sent)
	}
	if !strings.HasPrefix(q.sent[0], "arn:aws:sqs:us-east-1:1:q: ") || q.delays[0] <= 0 {
		t.Errorf("continuation went to %q after %s; want the source queue with a delay", q.sent[0], q.delays[0])
	}
}

func TestPoisonGoesToConfiguredDLQ(t *testing.T) {
	q := &memQueue{dlq: "dlq"}
	h, _ := newHandler(t, q, trigger.Lambda)
	ev := `{"Records":[` + sqsBody("bad", `{"v":1,"provider":"nope","taskIds":["1"]}`) + `]}`
	out, err := h.Invoke(context.Background(), []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(*function.BatchResponse); len(r.BatchItemFailures) != 0 {
		t.Errorf("a poison record sent to the DLQ is not failed again: %+v", r)
	}
	if len(q.sent) != 1 || !strings.HasPrefix(q.sent[0], "dlq: ") || !strings.Contains(q.sent[0], `"provider":"nope"`) {
		t.Errorf("dead letters: %v", q.sent)
	}
}

func TestSingleInvocationContinuesOrFails(t *testing.T) {
	q := &memQueue{fail: errors.New("mns is down")}
	h, id := newHandler(t, q, trigger.FC)
	timer := fmt.Sprintf(`{"triggerTime":"2026-01-01T00:00:00Z","triggerName":"t","payload":"{\"v\":1,\"provider\":\"aliyun-cdn\",\"taskIds\":[\"%s\"]}"}`, id)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := h.Invoke(ctx, []byte(timer))
	var te *trigger.TransientError
	if !errors.As(err, &te) || trigger.IsPoison(err) {
		t.Fatalf("a lost continuation must fail the invocation as transient: %v", err)
	}

	q.fail = nil
	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	out, err := h.Invoke(ctx2, []byte(timer))
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(*watch.Response)
	if resp.Done || len(q.sent) != 1 || !strings.HasPrefix(q.sent[0], "configured: ") {
		t.Fatalf("done %v, sent %v", resp.Done, q.sent)
	}

	// A bare document is answered, never enqueued: its caller owns the loop.
	doc := fmt.Sprintf(`{"v":1,"provider":"aliyun-cdn","taskIds":[%q]}`, id)
	ctx3, cancel3 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel3()
	out, err = h.Invoke(ctx3, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(*watch.Response); r.Done || r.WaitSeconds <= 0 || len(q.sent) != 1 {
		t.Fatalf("bare document: done %v wait %d, sent %d", r.Done, r.WaitSeconds, len(q.sent))
	}

	// Poison is typed as such.
	if _, err := h.Invoke(context.Background(), []byte(`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"mac":"x","state":{"v":9}}`)); !trigger.IsPoison(err) {
		t.Fatalf("bad document: %v", err)
	}
}

func TestUntil(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, c := range []struct {
		left, margin time.Duration
	}{{300 * time.Second, 20 * time.Second}, {30 * time.Second, 6 * time.Second}, {5 * time.Second, 2 * time.Second}} {
		ctx, cancel := context.WithDeadline(context.Background(), now.Add(c.left))
		if got := now.Add(c.left).Sub(function.Until(ctx, now)); got != c.margin {
			t.Errorf("left %s: margin %s, want %s", c.left, got, c.margin)
		}
		cancel()
	}
}
