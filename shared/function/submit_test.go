package function_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/config/awschain"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/function"
	"cdnwatch/shared/internal/mototest"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/sqsqueue"
	"cdnwatch/shared/watch"
)

// failingOnce is a queue whose first Send fails, as an SQS outage right after the submit.
type failingOnce struct {
	trigger.Queue
	failed atomic.Bool
}

func (q *failingOnce) Send(ctx context.Context, target string, body []byte, delay time.Duration, attrs map[string]string) error {
	if q.failed.CompareAndSwap(false, true) {
		return errors.New("simulated SQS outage")
	}
	return q.Queue.Send(ctx, target, body, delay, attrs)
}

// sqsEventWithAttrs is sqsEvent with the attributes Lambda passes (SentTimestamp).
func sqsEventWithAttrs(arn string, msgs []types.Message) []byte {
	type rec struct {
		MessageID      string            `json:"messageId"`
		ReceiptHandle  string            `json:"receiptHandle"`
		Body           string            `json:"body"`
		Attributes     map[string]string `json:"attributes"`
		EventSource    string            `json:"eventSource"`
		EventSourceARN string            `json:"eventSourceARN"`
		AWSRegion      string            `json:"awsRegion"`
	}
	var ev struct {
		Records []rec `json:"Records"`
	}
	for _, m := range msgs {
		attrs := map[string]string{}
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		ev.Records = append(ev.Records, rec{aws.ToString(m.MessageId), aws.ToString(m.ReceiptHandle), aws.ToString(m.Body),
			attrs, "aws:sqs", arn, "us-east-1"})
	}
	b, _ := json.Marshal(ev)
	return b
}

// TestSubmitDocumentSQSOnce: a submit document on a real (moto) SQS queue submits once.
// The first delivery submits, then its continuation cannot be sent, so the record fails
// and SQS redelivers it (same message id, same SentTimestamp). The redelivery finds the
// URLs already taken through the listing API and submits nothing; its continuation is the
// watch of the tasks the first delivery created.
func TestSubmitDocumentSQSOnce(t *testing.T) {
	url := mototest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := sqsClient(url)
	qURL, arn := mototest.CreateQueue(ctx, t, c, "cdnwatch-submit", map[string]string{"VisibilityTimeout": "1"})

	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "LTAI5tSubmit", AccessKeySecret: "submit-secret"})
	sim.SetSubmitLife("aliyun-cdn", func(u, kind string) cdnsim.Object {
		return cdnsim.Object{Path: u, Type: cdnsim.TypeFile, Duration: 10 * time.Minute}
	})
	api := httptest.NewServer(sim.Handler("aliyun-cdn"))
	defer api.Close()
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tSubmit")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "submit-secret")
	env := map[string]string{"CDNWATCH_ALIYUN_CDN_ENDPOINT": api.URL}
	// The queue talks to moto through the command's loader, endpoint and keys in the environment.
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	sq := sqsqueue.New(func(k string) string { return env[k] }, awschain.Load)
	queue := &failingOnce{Queue: sq}
	h, err := function.New(function.Options{Runtime: trigger.Lambda, Getenv: func(k string) string { return env[k] },
		Log: testWriter{t}, Queue: queue,
		Tune: func(e *engine.Engine) {
			e.Policy = watch.Policy{Min: 2 * time.Second, Max: 3 * time.Second, Retry: 2 * time.Second}
		}})
	if err != nil {
		t.Fatal(err)
	}

	const n = 1500 // two RefreshObjectCaches calls
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf(`"https://static.example.com/sqs/%04d.js"`, i)
	}
	body := `{"v":1,"submit":{"provider":"aliyun-cdn","type":"file","urls":[` + strings.Join(urls, ",") + `]},"label":"sqs submit"}`
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(qURL), MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	recv := func() []types.Message {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(qURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 2,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	first := recv()
	if len(first) != 1 {
		t.Fatalf("received %d messages, want the submit document", len(first))
	}
	out, err := h.Invoke(ctx, sqsEventWithAttrs(arn, first))
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(*function.BatchResponse); len(r.BatchItemFailures) != 1 {
		t.Fatalf("first delivery: %+v; want the record failed (its continuation could not be sent)", r)
	}
	st := sim.SubmitStats("aliyun-cdn")
	if st.URLs != n || st.Calls["RefreshObjectCaches"] != 2 {
		t.Fatalf("first delivery: the simulator took %d URLs in %d calls; want %d in 2", st.URLs, st.Calls["RefreshObjectCaches"], n)
	}

	// SQS redelivers the same message after the visibility timeout.
	var again []types.Message
	for deadline := time.Now().Add(20 * time.Second); len(again) == 0 && time.Now().Before(deadline); {
		again = recv()
	}
	if len(again) != 1 || aws.ToString(again[0].MessageId) != aws.ToString(first[0].MessageId) {
		t.Fatalf("redelivery: %d messages", len(again))
	}
	out, err = h.Invoke(ctx, sqsEventWithAttrs(arn, again))
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(*function.BatchResponse); len(r.BatchItemFailures) != 0 {
		t.Fatalf("redelivery failed: %+v", r)
	}
	if st := sim.SubmitStats("aliyun-cdn"); st.URLs != n || st.Calls["RefreshObjectCaches"] != 2 {
		t.Fatalf("redelivery submitted again: the simulator took %d URLs in %d calls; want %d in 2", st.URLs, st.Calls["RefreshObjectCaches"], n)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(qURL), ReceiptHandle: again[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}

	// The continuation is the watch of the two tasks, the submit recorded, no URLs.
	var cont *watch.Document
	for deadline := time.Now().Add(20 * time.Second); cont == nil && time.Now().Before(deadline); {
		for _, m := range recv() {
			d, err := watch.Decode([]byte(aws.ToString(m.Body)), nil)
			if err != nil {
				t.Fatalf("continuation does not decode: %v", err)
			}
			cont = d
		}
	}
	if cont == nil {
		t.Fatal("no continuation on the queue")
	}
	if !cont.Submit.Done() || len(cont.Submit.URLs) != 0 || cont.Submit.Submitted != n || len(cont.TaskIDs) != 2 {
		b, _ := watch.Encode(cont)
		t.Fatalf("continuation: %s", b)
	}
	for _, id := range cont.TaskIDs {
		if _, ok := sim.Task("aliyun-cdn", id); !ok {
			t.Errorf("continuation watches %s, not a task the submit created", id)
		}
	}
}
