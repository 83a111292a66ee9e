// Package sqsqueue is the SQS continuation: a pending watch goes back to the queue with
// DelaySeconds = the next interval (<= 900), through aws-sdk-go-v2; both configuration
// loaders honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SQS.
package sqsqueue

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

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

	mu     sync.Mutex
	client *sqs.Client
	urls   map[string]string // eventSourceARN → queue URL
	// Client, when set before first use, replaces the default-chain client (tests).
	Client *sqs.Client
	load   func(context.Context) (aws.Config, error)
}

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
	c, err := q.sqsClient(ctx, region)
	if err != nil {
		return err
	}
	url, err := q.resolve(ctx, c, target)
	if err != nil {
		return err
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(body)),
		DelaySeconds: int32(min(max(delay, 0), MaxDelay).Round(time.Second) / time.Second)}
	if len(attrs) > 0 {
		in.MessageAttributes = map[string]types.MessageAttributeValue{}
		for k, v := range attrs {
			in.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	if _, err := c.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("sqs SendMessage to %s: %w", url, err)
	}
	return nil
}

func (q *Queue) sqsClient(ctx context.Context, region string) (*sqs.Client, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.Client != nil {
		return q.Client, nil
	}
	if q.client != nil {
		return q.client, nil
	}
	if q.load == nil {
		return nil, fmt.Errorf("sqs: no AWS configuration loader")
	}
	cfg, err := q.load(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqs: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	if cfg.Region == "" {
		cfg.Region = regionFromURL(q.url)
	}
	q.client = sqs.NewFromConfig(cfg)
	return q.client, nil
}

func (q *Queue) resolve(ctx context.Context, c *sqs.Client, target string) (string, error) {
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
	out, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(a.name), QueueOwnerAWSAccountId: aws.String(a.account)})
	if err != nil {
		return "", fmt.Errorf("sqs GetQueueUrl %s: %w", a.name, err)
	}
	u = aws.ToString(out.QueueUrl)
	q.mu.Lock()
	q.urls[target] = u
	q.mu.Unlock()
	return u, nil
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
