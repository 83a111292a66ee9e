package mototest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSEvent is what Lambda's event source mapping sends for msgs received from the queue
// arn: the records a function sees, each with its receipt handle.
func SQSEvent(arn string, msgs []types.Message) []byte {
	type rec struct {
		MessageID      string `json:"messageId"`
		ReceiptHandle  string `json:"receiptHandle"`
		Body           string `json:"body"`
		EventSource    string `json:"eventSource"`
		EventSourceARN string `json:"eventSourceARN"`
		AWSRegion      string `json:"awsRegion"`
	}
	var ev struct {
		Records []rec `json:"Records"`
	}
	for _, m := range msgs {
		ev.Records = append(ev.Records, rec{aws.ToString(m.MessageId), aws.ToString(m.ReceiptHandle), aws.ToString(m.Body), "aws:sqs", arn, "us-east-1"})
	}
	b, _ := json.Marshal(ev)
	return b
}

// CreateQueue creates the queue name with attrs on c and returns its URL and ARN.
func CreateQueue(ctx context.Context, t testing.TB, c *sqs.Client, name string, attrs map[string]string) (url, arn string) {
	t.Helper()
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("create queue %s: %v", name, err)
	}
	qa, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("queue %s attributes: %v", name, err)
	}
	return aws.ToString(q.QueueUrl), qa.Attributes["QueueArn"]
}
