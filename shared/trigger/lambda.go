package trigger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"cdnwatch/shared/sweep"
	"cdnwatch/shared/watch"
)

// sqsRecord is one record of an SQS event (the fields cdnwatch reads).
type sqsRecord struct {
	MessageID      string `json:"messageId"`
	Body           string `json:"body"`
	EventSource    string `json:"eventSource"`
	EventSourceARN string `json:"eventSourceARN"`
	AWSRegion      string `json:"awsRegion"`
	Attributes     struct {
		SentTimestamp string `json:"SentTimestamp"` // epoch ms, kept across redeliveries
	} `json:"attributes"`
}

func decodeSQS(top map[string]json.RawMessage, key []byte) ([]Record, error) {
	var recs []sqsRecord
	if err := json.Unmarshal(top["Records"], &recs); err != nil {
		return nil, Poisonf("event: Records: %v", err)
	}
	if len(recs) == 0 {
		return nil, Poisonf("event: Records: empty")
	}
	out := make([]Record, 0, len(recs))
	for i, r := range recs {
		if r.EventSource != "aws:sqs" {
			return nil, Poisonf("event: Records[%d]: eventSource %.40q is not handled; want aws:sqs", i, r.EventSource)
		}
		if r.MessageID == "" {
			return nil, Poisonf("event: Records[%d]: messageId missing", i)
		}
		rec := Record{ID: r.MessageID, Source: r.EventSourceARN, Body: []byte(r.Body), At: epochMillis(r.Attributes.SentTimestamp)}
		d, err := document([]byte(r.Body), key)
		if err != nil {
			rec.Err = Poison(fmt.Sprintf("sqs message %s", r.MessageID), err)
		}
		rec.Doc = d
		out = append(out, rec)
	}
	return out, nil
}

// decodeEventBridge reads an EventBridge envelope whose detail is a Watch document (a rule
// with an input transformer, PutEvents from a pipeline, a schedule without constant Input).
func decodeEventBridge(top map[string]json.RawMessage, key []byte) ([]Record, error) {
	detail := bytes.TrimSpace(top["detail"])
	dt := str(top, "detail-type")
	if len(detail) == 0 || string(detail) == "{}" || string(detail) == "null" {
		return nil, Poisonf("EventBridge %q event from %q has no Watch document in detail "+
			"(for a schedule, set the target's constant Input to the document)", dt, str(top, "source"))
	}
	if detail[0] == '"' { // a document passed as a JSON string
		var s string
		if err := json.Unmarshal(detail, &s); err != nil {
			return nil, Poisonf("EventBridge detail: %v", err)
		}
		detail = []byte(s)
	}
	if sweep.IsDocument(detail) {
		at, err := triggerTime("EventBridge time", str(top, "time"))
		if err != nil {
			return nil, Poison("EventBridge "+dt+" event", err)
		}
		return sweepRecord("EventBridge detail", str(top, "id"), detail, at)
	}
	d, err := document(detail, key)
	if err != nil {
		return nil, Poison("EventBridge detail", err)
	}
	return []Record{{ID: str(top, "id"), Body: detail, Doc: d, At: rfc3339(str(top, "time"))}}, nil
}

// cloudTrailDetail is the CloudTrail record EventBridge puts in detail for
// "AWS API Call via CloudTrail".
type cloudTrailDetail struct {
	EventSource       string `json:"eventSource"`
	EventName         string `json:"eventName"`
	ErrorCode         string `json:"errorCode"`
	RequestParameters struct {
		DistributionID string `json:"distributionId"`
	} `json:"requestParameters"`
	ResponseElements *struct {
		Invalidation struct {
			ID                string `json:"id"`
			InvalidationBatch struct {
				Paths struct {
					Quantity int      `json:"quantity"`
					Items    []string `json:"items"`
				} `json:"paths"`
			} `json:"invalidationBatch"`
		} `json:"invalidation"`
		Location string `json:"location"`
	} `json:"responseElements"`
}

// CloudFrontProvider is the provider id a CloudTrail CreateInvalidation starts a watch of.
const CloudFrontProvider = "aws-cloudfront"

func decodeCloudTrail(top map[string]json.RawMessage) ([]Record, error) {
	var d cloudTrailDetail
	if err := json.Unmarshal(top["detail"], &d); err != nil {
		return nil, Poisonf("CloudTrail event: detail: %v", err)
	}
	if d.EventSource != "cloudfront.amazonaws.com" || d.EventName != "CreateInvalidation" {
		return nil, Poisonf("CloudTrail event %.60s from %.60s is not handled; want CreateInvalidation from cloudfront.amazonaws.com",
			d.EventName, d.EventSource)
	}
	if d.ErrorCode != "" {
		return nil, Poisonf("CloudTrail CreateInvalidation failed (%.60s): no invalidation to watch", d.ErrorCode)
	}
	dist := d.RequestParameters.DistributionID
	var id string
	if d.ResponseElements != nil {
		id = d.ResponseElements.Invalidation.ID
		// .../distribution/<dist>/invalidation/<id>, the fallback for both fields.
		if loc := d.ResponseElements.Location; loc != "" {
			parts := strings.Split(strings.TrimSuffix(loc, "/"), "/")
			for i := 0; i+1 < len(parts); i++ {
				switch parts[i] {
				case "distribution":
					if dist == "" {
						dist = parts[i+1]
					}
				case "invalidation":
					if id == "" {
						id = parts[i+1]
					}
				}
			}
		}
	}
	if id == "" {
		return nil, Poisonf("CloudTrail CreateInvalidation: detail.responseElements.invalidation.id missing")
	}
	if dist == "" {
		return nil, Poisonf("CloudTrail CreateInvalidation: detail.requestParameters.distributionId missing")
	}
	label := "CloudFront invalidation " + id
	if d.ResponseElements != nil {
		if n := d.ResponseElements.Invalidation.InvalidationBatch.Paths.Quantity; n > 0 {
			label = fmt.Sprintf("CloudFront %s invalidation (%d paths)", dist, n)
		}
	}
	doc, body, err := newWatch(&watch.Document{Provider: CloudFrontProvider, TaskIDs: []string{id},
		Scope: map[string]string{"distributionId": dist}, Label: label})
	if err != nil {
		return nil, Poison("CloudTrail CreateInvalidation", err)
	}
	return []Record{{ID: str(top, "id"), Body: body, Doc: doc}}, nil
}
