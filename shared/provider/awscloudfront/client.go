package awscloudfront

// Our own client for the three CloudFront operations the driver makes, in CloudFront's
// REST-XML protocol (API 2020-05-31), signed with the SDK's Signature Version 4 signer and
// retried with the SDK's standard retry policy (retry.go). The SDK's service client links
// the serializers, deserializers, endpoint rules and smithy runtime of all of CloudFront's
// operations, about 0.7 MB of binary, for these three.
//
//	GetInvalidation     GET  /2020-05-31/distribution/{DistributionId}/invalidation/{Id}
//	ListInvalidations   GET  /2020-05-31/distribution/{DistributionId}/invalidation?Marker=&MaxItems=
//	CreateInvalidation  POST /2020-05-31/distribution/{DistributionId}/invalidation
//
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListInvalidations.html
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
// The protocol: https://smithy.io/2.0/aws/protocols/aws-restxml-protocol.html. Where the
// reference leaves a detail open, the SDK's own serializers and deserializers
// (github.com/aws/aws-sdk-go-v2/service/cloudfront v1.73.0, serializers.go and
// deserializers.go) are followed, and sdk_test.go runs both clients side by side.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	smithytime "github.com/aws/smithy-go/time"

	"cdnwatch/shared/internal/ctxsleep"
)

const (
	// apiVersion is the path prefix of every operation.
	apiVersion = "2020-05-31"
	// xmlns is the namespace of request bodies, as the SDK's serializer writes it.
	xmlns = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
	// signingName is SigV4's service name; CloudFront signs in us-east-1 (Region).
	signingName = "cloudfront"
	// defaultEndpoint is CloudFront's global endpoint (the aws partition).
	defaultEndpoint = "https://cloudfront.amazonaws.com"
	// maxAnswer bounds an answer read into memory: 3,000 paths of a batch at their
	// 4,000-byte maximum fit.
	maxAnswer = 16 << 20
)

// The XML shapes, named after the API's elements. Decoding ignores the namespace and any
// element we do not name; a missing element leaves its zero value, as the SDK leaves nil.

// Invalidation is GetInvalidation's and CreateInvalidation's answer.
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Invalidation.html
type Invalidation struct {
	XMLName           xml.Name           `xml:"Invalidation"`
	ID                string             `xml:"Id"`
	Status            string             `xml:"Status"`
	CreateTime        string             `xml:"CreateTime"` // timestamp: parseTime
	InvalidationBatch *InvalidationBatch `xml:"InvalidationBatch"`
}

// InvalidationBatch is CreateInvalidation's request body (encode), and the batch an
// Invalidation carries.
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
type InvalidationBatch struct {
	XMLName         xml.Name `xml:"InvalidationBatch"`
	CallerReference string   `xml:"CallerReference"`
	Paths           Paths    `xml:"Paths"`
}

// encode writes the batch as the SDK's serializer does: the 2020-05-31 namespace on the
// root, CallerReference before Paths, Items before Quantity, text escaped. By hand rather
// than with xml.Marshal, whose encoder (reflection over any type) would be about 30 KB of
// binary for this one document; TestEncodeBatch decodes it back.
func (b *InvalidationBatch) encode() []byte {
	var w bytes.Buffer
	w.WriteString(xml.Header)
	w.WriteString(`<InvalidationBatch xmlns="` + xmlns + `"><CallerReference>`)
	_ = xml.EscapeText(&w, []byte(b.CallerReference)) // a bytes.Buffer does not fail
	w.WriteString("</CallerReference><Paths><Items>")
	for _, p := range b.Paths.Items {
		w.WriteString("<Path>")
		_ = xml.EscapeText(&w, []byte(p))
		w.WriteString("</Path>")
	}
	w.WriteString("</Items><Quantity>" + strconv.Itoa(int(b.Paths.Quantity)) + "</Quantity></Paths></InvalidationBatch>")
	return w.Bytes()
}

// Paths: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Paths.html
type Paths struct {
	Items    []string `xml:"Items>Path"`
	Quantity int32    `xml:"Quantity"`
}

// InvalidationList is ListInvalidations' answer.
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationList.html
type InvalidationList struct {
	XMLName     xml.Name              `xml:"InvalidationList"`
	IsTruncated bool                  `xml:"IsTruncated"`
	Items       []InvalidationSummary `xml:"Items>InvalidationSummary"`
	Marker      string                `xml:"Marker"`
	MaxItems    int32                 `xml:"MaxItems"`
	NextMarker  string                `xml:"NextMarker"`
	Quantity    int32                 `xml:"Quantity"`
}

// InvalidationSummary: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationSummary.html
type InvalidationSummary struct {
	CreateTime string `xml:"CreateTime"`
	ID         string `xml:"Id"`
	Status     string `xml:"Status"`
}

// ErrorResponse is the body of every refusal (restXml with the Error wrapper, as the
// SDK's deserializer reads it: awsxml.GetErrorResponseComponents(body, false)):
//
//	<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchInvalidation</Code>
//	<Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
//
// https://smithy.io/2.0/aws/protocols/aws-restxml-protocol.html#error-response-serialization
// As the SDK's, it does not check the root's name: a body with another root, or text, has
// no code.
type ErrorResponse struct {
	Error struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// parseTime reads a timestamp element as the SDK does (date-time, RFC 3339, with or
// without the Z); an empty element is the zero time.
func parseTime(field, s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	t, err := smithytime.ParseDateTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: %w", field, s, err)
	}
	return t.UTC(), nil
}

// client calls CloudFront. Every attempt goes through hc (provider.Open's pacing,
// deadline and counting transport).
type client struct {
	endpoint string // scheme://host[/prefix], no trailing slash
	creds    aws.CredentialsProvider
	hc       *http.Client
	retryer  *retryer
	signer   *v4.Signer
	log      logger
}

func (c *client) GetInvalidation(ctx context.Context, dist, id string) (*Invalidation, error) {
	var out Invalidation
	err := c.call(ctx, "GetInvalidation", http.MethodGet, distPath(dist)+"/invalidation/"+url.PathEscape(id), nil, nil, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListInvalidations lists one page, newest first; marker is the previous page's
// NextMarker ("" for the first page).
func (c *client) ListInvalidations(ctx context.Context, dist, marker string, maxItems int32) (*InvalidationList, error) {
	q := url.Values{}
	if marker != "" {
		q.Set("Marker", marker)
	}
	if maxItems > 0 {
		q.Set("MaxItems", strconv.Itoa(int(maxItems)))
	}
	var out InvalidationList
	if err := c.call(ctx, "ListInvalidations", http.MethodGet, distPath(dist)+"/invalidation", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateInvalidation creates (or, for a CallerReference seen before with the same
// paths, returns) an invalidation of paths.
func (c *client) CreateInvalidation(ctx context.Context, dist, callerRef string, paths []string) (*Invalidation, error) {
	batch := InvalidationBatch{CallerReference: callerRef, Paths: Paths{Items: paths, Quantity: int32(len(paths))}}
	body := batch.encode()
	var out Invalidation
	if err := c.call(ctx, "CreateInvalidation", http.MethodPost, distPath(dist)+"/invalidation", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func distPath(dist string) string {
	return "/" + apiVersion + "/distribution/" + url.PathEscape(dist)
}

// call makes op with the standard retry policy (retry.go), as the SDK's retry
// middleware applies it (aws/retry/middleware.go): an attempt that fails retryably is
// tried again after the backoff while attempts remain and the retry quota pays for it;
// the last failure comes back in an attemptsError. Not carried over from the middleware:
// clock-skew correction and the x-amz-retry-after hint, which CloudFront does not send.
func (c *client) call(ctx context.Context, op, method, path string, query url.Values, body []byte, out any) error {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	var refund func() // the last retry's cost, given back if it succeeds
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := c.attempt(ctx, op, method, path, query, body, hash, out)
		if err == nil {
			if refund != nil {
				refund()
			} else {
				c.retryer.firstSucceeded()
			}
			return nil
		}
		if ctx.Err() != nil || !retryable(err) {
			return err
		}
		if attempt >= c.retryer.maxAttempts {
			return &attemptsError{attempts: attempt, err: err}
		}
		var quotaErr error
		if refund, quotaErr = c.retryer.retryToken(err); quotaErr != nil {
			return errors.Join(err, quotaErr)
		}
		delay := c.retryer.delay(attempt, err)
		c.log.DebugContext(ctx, "retrying", "provider", Name, "operation", op, "attempt", attempt+1, "delay", delay, "error", err)
		if err := ctxsleep.Sleep(ctx, delay); err != nil {
			return err
		}
	}
}

// attempt signs and sends one request and decodes its answer into out.
func (c *client) attempt(ctx context.Context, op, method, path string, query url.Values, body []byte, hash string, out any) error {
	if c.creds == nil {
		return &credentialsError{err: errors.New("no credentials provider configured")}
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return &credentialsError{err: err}
	}
	u := c.endpoint + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%s: endpoint %q: %w", op, c.endpoint, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/xml")
	}
	if err := c.signer.SignHTTP(ctx, creds, req, hash, signingName, Region, time.Now()); err != nil {
		return fmt.Errorf("%s: sign the request: %w", op, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		return &sendError{op: op, err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		// As the SDK: a broken answer is a connection failure, retried.
		return &sendError{op: op, err: fmt.Errorf("read the answer (HTTP %d): %w", resp.StatusCode, err)}
	}
	if len(raw) > maxAnswer {
		return fmt.Errorf("%s: the answer is larger than %d MiB", op, maxAnswer>>20)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return decodeError(op, resp, raw)
	}
	if err := xml.Unmarshal(raw, out); err != nil {
		return &responseError{op: op, status: resp.StatusCode, requestID: headerRequestID(resp),
			err: fmt.Errorf("decode the answer: %w", err)}
	}
	return nil
}

// decodeError reads a refusal as the SDK's deserializer does: the code "UnknownError"
// when the body names none, the message the code when it has none; an empty body is such
// an answer, a body that is not XML is no API error at all (its status still decides
// whether it is retried).
func decodeError(op string, resp *http.Response, raw []byte) error {
	var er ErrorResponse
	if err := xml.NewDecoder(bytes.NewReader(raw)).Decode(&er); err != nil && !errors.Is(err, io.EOF) {
		return &responseError{op: op, status: resp.StatusCode, requestID: headerRequestID(resp),
			err: fmt.Errorf("decode the error answer: %w", err)}
	}
	e := &apiError{op: op, Status: resp.StatusCode, Type: er.Error.Type, Code: er.Error.Code,
		Message: er.Error.Message, RequestID: er.RequestID}
	if e.Code == "" {
		e.Code = "UnknownError"
	}
	for _, m := range modeledCodes {
		if strings.EqualFold(e.Code, m) {
			e.Code = m // the SDK's modeled error types name their code so, whatever the case sent
		}
	}
	if e.Message == "" {
		e.Message = e.Code
	}
	if e.RequestID == "" {
		e.RequestID = headerRequestID(resp)
	}
	return e
}

// modeledCodes are the errors the SDK models for these three operations (matched without
// regard to case, as its deserializers do).
var modeledCodes = []string{"AccessDenied", "BatchTooLarge", "InconsistentQuantities", "InvalidArgument",
	"MissingBody", "NoSuchDistribution", "NoSuchInvalidation", "TooManyInvalidationsInProgress"}

// headerRequestID is the request id AWS puts in a header (the SDK reads both names).
func headerRequestID(resp *http.Response) string {
	if id := resp.Header.Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	return resp.Header.Get("X-Amz-Request-Id")
}

// apiError is CloudFront's refusal. ErrorCode and HTTPStatusCode are what the retry
// policy reads to decide; as for the SDK's unmodeled errors, a 429 is retried as
// throttling whatever its code.
type apiError struct {
	op                             string
	Status                         int
	Type, Code, Message, RequestID string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: HTTP %d, request id %s: %s: %s", e.op, e.Status, e.RequestID, e.Code, e.Message)
}
func (e *apiError) ErrorCode() string   { return e.Code }
func (e *apiError) HTTPStatusCode() int { return e.Status }

// responseError is an answer that could not be read: its status is known, its content
// not.
type responseError struct {
	op        string
	status    int
	requestID string
	err       error
}

func (e *responseError) Error() string {
	return fmt.Sprintf("%s: HTTP %d, request id %s: %v", e.op, e.status, e.requestID, e.err)
}
func (e *responseError) Unwrap() error       { return e.err }
func (e *responseError) HTTPStatusCode() int { return e.status }

// sendError: the request got no answer. Retried, as the SDK retries every failed send
// (smithy-go's RequestSendError) unless the caller's context ended.
type sendError struct {
	op  string
	err error
}

func (e *sendError) Error() string         { return e.op + ": request send failed: " + e.err.Error() }
func (e *sendError) Unwrap() error         { return e.err }
func (e *sendError) ConnectionError() bool { return true }

// credentialsError: the credentials provider gave none; no request was sent.
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "get credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }
