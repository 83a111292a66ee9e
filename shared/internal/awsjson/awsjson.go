// Package awsjson makes one AWS JSON-protocol call (a POST with X-Amz-Target, signed with the
// SDK's Signature Version 4 signer) for the functions' own AWS calls: SQS SendMessage and
// GetQueueUrl, Secrets Manager GetSecretValue. The SDK's service clients link every
// operation's serializers, schemas and endpoint rules at init, about 0.5 MB of binary each
// for the one or two calls a function makes.
//
// Protocols: https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html (SQS) and
// https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html (Secrets Manager).
package awsjson

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Service describes one AWS service's JSON protocol.
type Service struct {
	Name         string // signing name and endpoint prefix: "sqs", "secretsmanager"
	TargetPrefix string // X-Amz-Target prefix: "AmazonSQS", "secretsmanager"
	ContentType  string // "application/x-amz-json-1.0" or "application/x-amz-json-1.1"
}

// Attempts is how many times a call is tried, as the SDK's standard retryer does: again on
// connection errors, 5xx answers and throttling.
const Attempts = 3

// Error is a refusal: {"__type": "[namespace#]Code", "message": "..."}.
type Error struct {
	Code, Message string
	Status        int
	RequestID     string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d, request id %s)", e.Code, e.Message, e.Status, e.RequestID)
}

// Call posts in as op of svc with cfg's region, credentials, endpoint (cfg.BaseEndpoint, else
// https://<name>.<region>.amazonaws.com) and HTTP client, and decodes the answer into out.
func Call(ctx context.Context, cfg aws.Config, svc Service, op string, in, out any) error {
	if cfg.Region == "" {
		return errors.New("no AWS region: set AWS_REGION")
	}
	if cfg.Credentials == nil {
		return errors.New("no AWS credentials")
	}
	endpoint := "https://" + svc.Name + "." + cfg.Region + ".amazonaws.com"
	if strings.HasPrefix(cfg.Region, "cn-") {
		endpoint += ".cn"
	}
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		endpoint = strings.TrimRight(*cfg.BaseEndpoint, "/")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	var last error
	for attempt := 1; attempt <= Attempts; attempt++ {
		if attempt > 1 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (after %d attempts; last: %v)", ctx.Err(), attempt-1, last)
			case <-time.After(time.Duration(attempt-1) * 200 * time.Millisecond):
			}
		}
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return fmt.Errorf("get AWS credentials: %w", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("endpoint %q: %w", endpoint, err)
		}
		req.Header.Set("Content-Type", svc.ContentType)
		req.Header.Set("X-Amz-Target", svc.TargetPrefix+"."+op)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), svc.Name, cfg.Region, time.Now()); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			last = err
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if err != nil {
			last = err
			continue
		}
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("read the answer: %w", err)
			}
			return nil
		}
		e := apiError(resp, raw)
		if resp.StatusCode < 500 && !throttling[e.Code] {
			return e
		}
		last = e
	}
	return fmt.Errorf("%w (after %d attempts)", last, Attempts)
}

func apiError(resp *http.Response, raw []byte) *Error {
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
		Lower   string `json:"message"`
	}
	_ = json.Unmarshal(raw, &body)
	code := body.Type
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", resp.StatusCode)
	}
	msg := body.Message
	if msg == "" {
		msg = body.Lower
	}
	return &Error{Code: code, Message: msg, Status: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-Requestid")}
}

// throttling are the codes the SDK's standard retryer retries as throttling
// (aws/retry.DefaultThrottleErrorCodes).
var throttling = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottledException": true,
	"TooManyRequestsException": true, "ProvisionedThroughputExceededException": true, "TransactionInProgressException": true,
	"RequestLimitExceeded": true, "BandwidthLimitExceeded": true, "LimitExceededException": true, "RequestThrottled": true,
	"SlowDown": true, "PriorRequestNotComplete": true, "EC2ThrottledException": true,
}
