package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"cdnwatch/shared/function/fakeruntime"
	"cdnwatch/shared/internal/mototest"
	"cdnwatch/shared/watch"
)

// TestChaosLambdaSQS runs the real Lambda binary under the fake runtime API, continuing
// through a real SQS (moto_server) the way an event source mapping drives it: messages
// are received with a short visibility timeout, handed over as SQS events, and deleted
// only when the function did not report them failed. The binary is killed with SIGKILL
// in the middle of some invocations and started again; the message it held comes back
// when its visibility timeout ends, as on AWS.
func TestChaosLambdaSQS(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos runs take about a minute")
	}
	_, bootstrap := binaries(t)
	moto := mototest.Start(t)
	for _, run := range []struct {
		name   string
		faults float64
		key    bool
	}{{"faults20-key", 0.2, true}, {"faults50-nokey", 0.5, false}} {
		t.Run(run.name, func(t *testing.T) {
			chaosLambda(t, bootstrap, moto, run.name, run.faults, run.key)
		})
	}
}

func chaosLambda(t *testing.T, bootstrap, moto, name string, faults float64, key bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	start := time.Now()
	rng := rand.New(rand.NewPCG(uint64(len(name)), 11))
	w := newWorld(t, 40, 0.3, faults, int64(len(name)))
	w.hook.recv.FailNext(3, 500, 0)
	c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(moto),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("chaos-dlq-" + name)})
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("chaos-" + name),
		Attributes: map[string]string{"VisibilityTimeout": "3"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:sqs:us-east-1:123456789012:chaos-" + name
	// Two watches, so a batch can carry more than one record.
	half := len(w.ids) / 2
	for i, ids := range [][]string{w.ids[:half], w.ids[half:]} {
		doc := fmt.Sprintf(`{"v":1,"provider":"aliyun-cdn","taskIds":["%s"],"label":"chaos %s #%d","notify":["webhook"],"timeout":"3m"}`,
			strings.Join(ids, `","`), name, i+1)
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}

	rt := fakeruntime.New("lambda", 25*time.Second, fakeruntime.Credentials{})
	api := httptest.NewServer(rt)
	defer api.Close()
	env := append(w.env(key), "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(api.URL, "http://"),
		"AWS_ENDPOINT_URL="+moto, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"CDNWATCH_SQS_QUEUE_URL="+aws.ToString(q.QueueUrl), "CDNWATCH_SQS_DLQ_URL="+aws.ToString(dlq.QueueUrl))
	var proc *exec.Cmd
	startProc := func() {
		proc = exec.Command(bootstrap)
		proc.Env = env
		logf, _ := os.CreateTemp(t.TempDir(), "lambda-*.log")
		proc.Stdout, proc.Stderr = logf, logf
		if err := proc.Start(); err != nil {
			t.Fatal(err)
		}
	}
	startProc()
	defer func() { _ = proc.Process.Kill(); _ = proc.Wait() }()

	var f figures
	f.Run = "lambda+sqs " + name
	finished := map[string]bool{}
	idle := 0
	for ctx.Err() == nil && idle < 6 {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			if len(finished) == 2 {
				idle++
			}
			continue
		}
		idle = 0
		for _, m := range out.Messages {
			// Invariant: every document the function sent decodes and verifies.
			d, err := watch.Decode([]byte(aws.ToString(m.Body)), keyBytes(key))
			if err != nil {
				t.Fatalf("a continuation does not decode: %v\n%.300s", err, aws.ToString(m.Body))
			}
			if d.State != nil && key && d.MAC == "" {
				t.Fatalf("a continuation is not sealed although the key is set")
			}
		}
		inv := &fakeruntime.Invocation{ID: fmt.Sprintf("req-%d", time.Now().UnixNano()), Payload: mototest.SQSEvent(arn, out.Messages)}
		rt.Push(inv)
		kill := rng.IntN(3) == 0
		var answered *fakeruntime.Invocation
		if kill {
			// Let it work for a moment, then kill it mid-invocation.
			answered, _ = rt.Await(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
			if answered == nil {
				_ = proc.Process.Signal(syscall.SIGKILL)
				_ = proc.Wait()
				f.Kills++
				startProc()
				f.Restarts++
				continue // the messages come back after their visibility timeout
			}
		} else {
			answered, err = rt.Await(30 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
		}
		if answered.Status != "response" {
			t.Fatalf("invocation failed as a whole: %s", answered.Body)
		}
		var resp struct {
			BatchItemFailures []struct{ ItemIdentifier string } `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(answered.Body, &resp); err != nil {
			t.Fatalf("answer: %v: %s", err, answered.Body)
		}
		failedIDs := map[string]bool{}
		for _, bf := range resp.BatchItemFailures {
			failedIDs[bf.ItemIdentifier] = true
		}
		var del []types.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			if !failedIDs[aws.ToString(m.MessageId)] {
				del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
			}
		}
		if len(del) > 0 {
			if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: q.QueueUrl, Entries: del}); err != nil {
				t.Fatal(err)
			}
		}
		w.hook.mu.Lock()
		for _, d := range w.hook.got {
			if d.Body.Type == "watch.finished" && d.Body.Watch != nil {
				finished[d.Body.Watch.ID] = true
			}
		}
		w.hook.mu.Unlock()
	}
	if ctx.Err() != nil {
		t.Fatalf("the watches did not end within the run's bound (finished %d of 2)", len(finished))
	}
	// Nothing healthy may end up in the dead-letter queue.
	if out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, MaxNumberOfMessages: 10}); err != nil {
		t.Fatal(err)
	} else if len(out.Messages) > 0 {
		t.Errorf("%d messages in the dead-letter queue, e.g. %.300s", len(out.Messages), aws.ToString(out.Messages[0].Body))
	}
	f.Elapsed = time.Since(start).Round(time.Second)
	w.check(t, &f)
}

func keyBytes(on bool) []byte {
	if on {
		return []byte(stateKey)
	}
	return nil
}
