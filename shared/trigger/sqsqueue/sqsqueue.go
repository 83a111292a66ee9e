// Package sqsqueue is the SQS continuation: a pending watch goes back to the queue with
// DelaySeconds = the next interval (<= 900); both configuration loaders honour
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SQS. The two calls (SendMessage, GetQueueUrl) are
// signed AWS JSON 1.0 POSTs of our own (shared/internal/awsjson), not aws-sdk-go-v2's SQS
// client, whose schemas and serializers for every operation cost the Lambda binary 0.46 MB.
package sqsqueue

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"cdnwatch/shared/internal/awsjson"
	"cdnwatch/shared/trigger"
	"cdnwatch/shared/watch"
)

// Environment variables.
const (
	EnvQueueURL = "CDNWATCH_SQS_QUEUE_URL" // continuation queue; default the source queue
	EnvDLQURL   = "CDNWATCH_SQS_DLQ_URL"   // optional: poison goes here directly
)

// MaxDelay is SQS's longest DelaySeconds.
const MaxDelay = 900 * time.Second

// Queue sends continuations to SQS. Create it with New; the client is made on first use.
type Queue struct {
	url, dlq string

	mu   sync.Mutex
	cfg  *aws.Config       // loaded on first use
	urls map[string]string // eventSourceARN → queue URL
	load func(context.Context) (aws.Config, error)
}

// service is SQS's AWS JSON 1.0 protocol
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html).
var service = awsjson.Service{Name: "sqs", TargetPrefix: "AmazonSQS", ContentType: "application/x-amz-json-1.0"}

// New reads CDNWATCH_SQS_QUEUE_URL and CDNWATCH_SQS_DLQ_URL; the client's AWS
// configuration comes from load on first use: awsenv's in the Lambda function (what Lambda
// sets in the environment), awschain's (the SDK's whole default chain) in the command.
// The package does not import the SDK's config package, so the Lambda binary does not link
// the chain.
func New(getenv func(string) string, load func(context.Context) (aws.Config, error)) *Queue {
	return &Queue{url: strings.TrimSpace(getenv(EnvQueueURL)), dlq: strings.TrimSpace(getenv(EnvDLQURL)),
		urls: map[string]string{}, load: load}
}

func (q *Queue) Name() string            { return "sqs" }
func (q *Queue) Budget() int             { return watch.BudgetSQS }
func (q *Queue) MaxDelay() time.Duration { return MaxDelay }
func (q *Queue) DeadLetter() string      { return q.dlq }

// Target is CDNWATCH_SQS_QUEUE_URL, else the source queue's ARN (resolved with
// GetQueueUrl on send, so endpoint overrides and moto work).
func (q *Queue) Target(source string) string {
	if q.url != "" {
		return q.url
	}
	if strings.HasPrefix(source, "arn:") && strings.Contains(source, ":sqs:") {
		return source
	}
	return ""
}

// Send implements trigger.Queue.
func (q *Queue) Send(ctx context.Context, target string, body []byte, delay time.Duration, attrs map[string]string) error {
	region := ""
	if a, err := parseARN(target); err == nil {
		region = a.region
	}
	cfg, err := q.config(ctx, region)
	if err != nil {
		return err
	}
	url, err := q.resolve(ctx, cfg, target)
	if err != nil {
		return err
	}
	// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
	type attribute struct{ DataType, StringValue string }
	in := struct {
		QueueUrl          string
		MessageBody       string
		DelaySeconds      int32
		MessageAttributes map[string]attribute `json:",omitempty"`
	}{QueueUrl: url, MessageBody: string(body), DelaySeconds: int32(min(max(delay, 0), MaxDelay).Round(time.Second) / time.Second)}
	if len(attrs) > 0 {
		in.MessageAttributes = map[string]attribute{}
		for k, v := range attrs {
			in.MessageAttributes[k] = attribute{DataType: "String", StringValue: v}
		}
	}
	var out struct{ MessageId, MD5OfMessageBody string }
	if err := awsjson.Call(ctx, cfg, service, "SendMessage", in, &out); err != nil {
		return fmt.Errorf("sqs SendMessage to %s: %w", url, err)
	}
	// As the SDK does: the body SQS stored must be the one sent.
	if sum := md5.Sum(body); out.MD5OfMessageBody != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("sqs SendMessage to %s: message %s: MD5OfMessageBody %q does not match the body sent",
			url, out.MessageId, out.MD5OfMessageBody)
	}
	return nil
}

func (q *Queue) config(ctx context.Context, region string) (aws.Config, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cfg != nil {
		return *q.cfg, nil
	}
	if q.load == nil {
		return aws.Config{}, fmt.Errorf("sqs: no AWS configuration loader")
	}
	cfg, err := q.load(ctx)
	if err != nil {
		return cfg, fmt.Errorf("sqs: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	if cfg.Region == "" {
		cfg.Region = regionFromURL(q.url)
	}
	q.cfg = &cfg
	return cfg, nil
}

func (q *Queue) resolve(ctx context.Context, cfg aws.Config, target string) (string, error) {
	if !strings.HasPrefix(target, "arn:") {
		return target, nil
	}
	q.mu.Lock()
	u, ok := q.urls[target]
	q.mu.Unlock()
	if ok {
		return u, nil
	}
	a, err := parseARN(target)
	if err != nil {
		return "", err
	}
	// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html
	in := struct{ QueueName, QueueOwnerAWSAccountId string }{a.name, a.account}
	var out struct{ QueueUrl string }
	if err := awsjson.Call(ctx, cfg, service, "GetQueueUrl", in, &out); err != nil {
		return "", fmt.Errorf("sqs GetQueueUrl %s: %w", a.name, err)
	}
	if out.QueueUrl == "" {
		return "", fmt.Errorf("sqs GetQueueUrl %s: no QueueUrl in the answer", a.name)
	}
	q.mu.Lock()
	q.urls[target] = out.QueueUrl
	q.mu.Unlock()
	return out.QueueUrl, nil
}

type arn struct{ region, account, name string }

// parseARN reads arn:aws:sqs:us-east-1:123456789012:name.
func parseARN(s string) (arn, error) {
	p := strings.Split(s, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" || p[5] == "" {
		return arn{}, fmt.Errorf("sqs: %q is not an SQS queue ARN", s)
	}
	return arn{region: p[3], account: p[4], name: p[5]}, nil
}

// regionFromURL reads the region of https://sqs.<region>.amazonaws.com/...
func regionFromURL(u string) string {
	_, rest, ok := strings.Cut(u, "://sqs.")
	if !ok {
		return ""
	}
	r, _, _ := strings.Cut(rest, ".")
	return r
}

var _ trigger.Queue = (*Queue)(nil)
