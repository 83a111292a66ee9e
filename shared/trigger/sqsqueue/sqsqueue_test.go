package sqsqueue

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// The calls on the wire, as SQS's JSON protocol wants them: GetQueueUrl for a source ARN
// (once), then SendMessage with the delay in seconds and string attributes, signed for sqs
// in the ARN's region; an answer whose MD5 is not the body's is an error, as in the SDK.
func TestSendOnTheWire(t *testing.T) {
	var targets []string
	var sent map[string]any
	badMD5 := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targets = append(targets, r.Header.Get("X-Amz-Target"))
		if r.Header.Get("Content-Type") != "application/x-amz-json-1.0" ||
			!strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/sqs/aws4_request") {
			t.Errorf("headers %v", r.Header)
		}
		var in map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &in)
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSQS.GetQueueUrl":
			if in["QueueName"] != "cdnwatch" || in["QueueOwnerAWSAccountId"] != "123456789012" {
				t.Errorf("GetQueueUrl %s", b)
			}
			_, _ = io.WriteString(w, `{"QueueUrl":"`+"http://"+r.Host+`/123456789012/cdnwatch"}`)
		case "AmazonSQS.SendMessage":
			sent = in
			sum := md5.Sum([]byte(in["MessageBody"].(string)))
			if badMD5 {
				sum[0]++
			}
			_, _ = io.WriteString(w, `{"MessageId":"m-1","MD5OfMessageBody":"`+hex.EncodeToString(sum[:])+`"}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"com.amazon.coral.service#UnknownOperationException","message":"no"}`)
		}
	}))
	defer srv.Close()
	q := New(func(string) string { return "" }, func(context.Context) (aws.Config, error) {
		return aws.Config{BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}, nil
	})
	source := "arn:aws:sqs:eu-west-1:123456789012:cdnwatch"
	if q.Target(source) != source {
		t.Fatalf("target %q", q.Target(source))
	}
	ctx := context.Background()
	if err := q.Send(ctx, source, []byte(`{"watch":1}`), 90*time.Second+400*time.Millisecond, map[string]string{"kind": "continuation"}); err != nil {
		t.Fatal(err)
	}
	attrs, _ := sent["MessageAttributes"].(map[string]any)
	kind, _ := attrs["kind"].(map[string]any)
	if sent["QueueUrl"] != srv.URL+"/123456789012/cdnwatch" || sent["MessageBody"] != `{"watch":1}` || sent["DelaySeconds"] != 90.0 ||
		kind["DataType"] != "String" || kind["StringValue"] != "continuation" {
		t.Errorf("SendMessage %v", sent)
	}
	if err := q.Send(ctx, source, []byte(`{"watch":2}`), 20*time.Minute, nil); err != nil || sent["DelaySeconds"] != 900.0 {
		t.Errorf("a delay over 15 minutes: %v, DelaySeconds %v", err, sent["DelaySeconds"])
	}
	if want := "AmazonSQS.GetQueueUrl,AmazonSQS.SendMessage,AmazonSQS.SendMessage"; strings.Join(targets, ",") != want {
		t.Errorf("calls %v, want %s (the URL resolved once)", targets, want)
	}
	badMD5 = true
	if err := q.Send(ctx, source, []byte(`{"watch":3}`), 0, nil); err == nil || !strings.Contains(err.Error(), "MD5OfMessageBody") {
		t.Errorf("a mismatched MD5: %v", err)
	}
}
