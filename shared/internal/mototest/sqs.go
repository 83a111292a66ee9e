package mototest

import (
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
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
