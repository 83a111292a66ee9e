package function_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/config/awschain"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/function"
	"cdnwatch/shared/internal/mototest"
	_ "cdnwatch/shared/provider/all"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/trigger/sqsqueue"
	"cdnwatch/shared/watch"
)

func sqsClient(url string) *sqs.Client {
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// TestSQSContinuationMoto runs the SQS loop against a real moto_server: a pending watch
// reappears on its source queue with updated state after a delay; a poison message is
// reported as failed and the redrive policy moves it to the dead-letter queue.
func TestSQSContinuationMoto(t *testing.T) {
	url := mototest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := sqsClient(url)
	dlqURL, dlqARN := mototest.CreateQueue(ctx, t, c, "cdnwatch-dlq", nil)
	redrive := fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"2"}`, dlqARN)
	qURL, arn := mototest.CreateQueue(ctx, t, c, "cdnwatch-queue", map[string]string{"RedrivePolicy": redrive, "VisibilityTimeout": "1"})

	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "LTAI5tMoto", AccessKeySecret: "moto-secret"})
	id := sim.AddTask("aliyun-cdn", cdnsim.Task{Objects: []cdnsim.Object{{Path: "http://a.example.com/big.mp4",
		Type: cdnsim.TypePreload, Duration: 10 * time.Minute}}})
	api := httptest.NewServer(sim.Handler("aliyun-cdn"))
	defer api.Close()
	// The Aliyun SDK's default chain reads the process environment.
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tMoto")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "moto-secret")
	env := map[string]string{"CDNWATCH_ALIYUN_CDN_ENDPOINT": api.URL}
	// Default target: the source queue, from the ARN; moto through the command's loader
	// (the SDK's chain), with the endpoint and keys in the environment.
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	queue := sqsqueue.New(func(k string) string { return env[k] }, awschain.Load)
	h, err := function.New(function.Options{Runtime: trigger.Lambda, Getenv: func(k string) string { return env[k] },
		Log: testWriter{t}, Queue: queue,
		Tune: func(e *engine.Engine) {
			e.Policy = watch.Policy{Min: 2 * time.Second, Max: 3 * time.Second, Retry: 2 * time.Second}
		}})
	if err != nil {
		t.Fatal(err)
	}

	good := fmt.Sprintf(`{"v":1,"provider":"aliyun-cdn","taskIds":[%q],"label":"moto"}`, id)
	poison := `{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"state":{"v":1}}`
	for _, body := range []string{good, poison} {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(qURL), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	recv := func(url *string, wait int32) []types.Message {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: wait})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	msgs := recv(aws.String(qURL), 1)
	if len(msgs) != 2 {
		t.Fatalf("received %d messages, want 2", len(msgs))
	}
	out, err := h.Invoke(ctx, mototest.SQSEvent(arn, msgs))
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(*function.BatchResponse)
	var poisonID string
	for _, m := range msgs {
		if aws.ToString(m.Body) == poison {
			poisonID = aws.ToString(m.MessageId)
		} else {
			// Lambda deletes the records that did not fail.
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(qURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != poisonID {
		t.Fatalf("batchItemFailures %+v, want only the poison message %s", resp.BatchItemFailures, poisonID)
	}

	// The continuation is delayed: not visible at once, then back with updated state.
	sentAt := time.Now()
	var cont *watch.Document
	var contDelay time.Duration
	for time.Since(sentAt) < 20*time.Second && cont == nil {
		for _, m := range recv(aws.String(qURL), 1) {
			if aws.ToString(m.Body) == poison {
				continue // redelivered until the redrive policy takes it (below)
			}
			d, err := watch.Decode([]byte(aws.ToString(m.Body)), nil)
			if err != nil {
				t.Fatalf("continuation does not decode: %v", err)
			}
			cont, contDelay = d, time.Since(sentAt)
		}
	}
	if cont == nil {
		t.Fatal("the pending watch did not reappear on the queue")
	}
	if cont.State == nil || cont.State.Hops != 1 || cont.State.Wait < 2 || len(cont.TaskIDs) != 1 || cont.TaskIDs[0] != id {
		b, _ := watch.Encode(cont)
		t.Fatalf("continuation state not updated: %s", b)
	}
	if contDelay < time.Second {
		t.Errorf("continuation visible after %s; want it delayed by DelaySeconds=%d", contDelay, cont.State.Wait)
	}

	// The poison message: received again (receive count 2), failed again, then moved.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := recv(aws.String(dlqURL), 0); len(m) > 0 {
			if aws.ToString(m[0].Body) != poison {
				t.Fatalf("dead-letter queue holds %s", aws.ToString(m[0].Body))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("poison message never reached the dead-letter queue")
		}
		for _, m := range recv(aws.String(qURL), 1) {
			if aws.ToString(m.Body) != poison {
				continue
			}
			out, err := h.Invoke(ctx, mototest.SQSEvent(arn, []types.Message{m}))
			if err != nil {
				t.Fatal(err)
			}
			if r := out.(*function.BatchResponse); len(r.BatchItemFailures) != 1 {
				t.Fatalf("poison not reported as failed: %+v", r)
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	if os.Getenv("CDNWATCH_TEST_LOGS") != "" {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}
