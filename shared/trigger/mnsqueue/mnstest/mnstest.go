// Package mnstest is a fake Aliyun MNS queue endpoint (SendMessage only) written from
// Aliyun's API documents rather than from our client, and stricter than the service: it
// checks the signature, the clock skew, the API version, the base64 body and every
// documented range, and answers the documented errors. CloudEvent turns a stored message
// into the event EventBridge's MNS source delivers to FC, so a test can follow a
// continuation all the way back into the function.
//
// Sources: SendMessage https://www.alibabacloud.com/help/en/mns/developer-reference/sendmessage,
// common parameters https://www.alibabacloud.com/help/en/mns/common-parameters, signing
// https://www.alibabacloud.com/help/en/mns/sign-requests, the MNS event of EventBridge
// https://www.alibabacloud.com/help/en/eventbridge/latest/439527.
package mnstest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"cdnwatch/shared/trigger/mnsqueue"
)

// Message is one accepted SendMessage.
type Message struct {
	ID           string
	Queue        string
	Body         string // MessageBody as sent (base64 for cdnwatch)
	DelaySeconds int64
	Priority     int
	KeyID        string
}

// Server is the fake. Set the fields before serving.
type Server struct {
	AccessKeyID, AccessKeySecret string
	// SecurityToken, when set, must come in the security-token header (STS credentials).
	SecurityToken string
	// Queues, when set, are the queues that exist; others answer QueueNotExist.
	Queues []string
	// Now is the server's clock (default time.Now).
	Now func() time.Time

	mu       sync.Mutex
	msgs     []Message
	rejected []string
	seq      int
}

// Messages are the accepted messages, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Rejected are the error codes answered so far.
func (s *Server) Rejected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.rejected...)
}

func (s *Server) fail(w http.ResponseWriter, status int, code, msg string) {
	s.mu.Lock()
	s.rejected = append(s.rejected, code)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
		`<Error xmlns="http://mns.aliyuncs.com/doc/v1/"><Code>%s</Code><Message>%s</Message>`+
		`<RequestId>5F2A0C6D0000000000000001</RequestId><HostId>http://1234567890123456.mns.cn-hangzhou.aliyuncs.com</HostId></Error>`,
		code, xmlText(msg))
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	name, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/queues/"), "/messages")
	if !strings.HasPrefix(r.URL.Path, "/queues/") || !ok || name == "" || strings.Contains(name, "/") {
		s.fail(w, http.StatusNotFound, "InvalidURI", "only POST /queues/<name>/messages is served")
		return
	}
	if r.Method != http.MethodPost {
		s.fail(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" is not SendMessage")
		return
	}
	if v := r.Header.Get("x-mns-version"); v != "2015-06-06" {
		s.fail(w, http.StatusBadRequest, "InvalidArgument", fmt.Sprintf("x-mns-version %q: want 2015-06-06", v))
		return
	}
	if r.Header.Get("Content-Type") == "" {
		s.fail(w, http.StatusBadRequest, "InvalidArgument", "Content-Type is required")
		return
	}
	dateHeader := r.Header.Get("Date")
	if d := r.Header.Get("x-mns-date"); d != "" {
		dateHeader = d
	}
	date, err := http.ParseTime(dateHeader)
	if err != nil || !strings.HasSuffix(dateHeader, "GMT") {
		s.fail(w, http.StatusBadRequest, "InvalidArgument", fmt.Sprintf("Date %q is not a GMT date", dateHeader))
		return
	}
	if skew := now().Sub(date); skew > 15*time.Minute || skew < -15*time.Minute {
		s.fail(w, http.StatusBadRequest, "RequestTimeTooSkewed", "the request time is more than 15 minutes from the server's")
		return
	}
	id, sig, ok := strings.Cut(strings.TrimPrefix(r.Header.Get("Authorization"), "MNS "), ":")
	if !strings.HasPrefix(r.Header.Get("Authorization"), "MNS ") || !ok {
		s.fail(w, http.StatusForbidden, "AccessDenied", "Authorization: want MNS <AccessKeyId>:<Signature>")
		return
	}
	if id != s.AccessKeyID {
		s.fail(w, http.StatusForbidden, "InvalidAccessKeyId", "the access key id does not exist")
		return
	}
	if r.Header.Get("security-token") != s.SecurityToken {
		s.fail(w, http.StatusForbidden, "InvalidSecurityToken", "security-token missing or wrong")
		return
	}
	if want := mnsqueue.Sign(s.AccessKeySecret, r.Method, r.Header, r.URL.EscapedPath()+query(r)); sig != want {
		s.fail(w, http.StatusForbidden, "SignatureDoesNotMatch", "the request signature does not conform to MNS standards")
		return
	}
	if len(s.Queues) > 0 && !contains(s.Queues, name) {
		s.fail(w, http.StatusNotFound, "QueueNotExist", "The queue name you provided is not exist.")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.fail(w, http.StatusBadRequest, "MalformedXML", err.Error())
		return
	}
	var m mnsqueue.Message
	if err := xml.Unmarshal(raw, &m); err != nil || m.XMLName.Space != "http://mns.aliyuncs.com/doc/v1/" || m.XMLName.Local != "Message" {
		s.fail(w, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed.")
		return
	}
	if m.MessageBody == "" || len(m.MessageBody) > mnsqueue.MaxBodyBytes {
		s.fail(w, http.StatusBadRequest, "InvalidArgument", fmt.Sprintf("The value of MessageBody should between 1 and %d bytes.", mnsqueue.MaxBodyBytes))
		return
	}
	// "Messages with non-Base64-encoded bodies or unsupported characters cause request failures."
	if _, err := base64.StdEncoding.Strict().DecodeString(m.MessageBody); err != nil {
		s.fail(w, http.StatusBadRequest, "InvalidArgument", "MessageBody is not base64")
		return
	}
	if m.DelaySeconds < 0 || m.DelaySeconds > 604800 {
		s.fail(w, http.StatusBadRequest, "InvalidArgument", "The value of DelaySeconds should between 0 and 604800 seconds.")
		return
	}
	if m.Priority == 0 {
		m.Priority = 8
	}
	if m.Priority < 1 || m.Priority > 16 {
		s.fail(w, http.StatusBadRequest, "InvalidArgument", "The value of Priority should between 1 and 16.")
		return
	}
	s.mu.Lock()
	s.seq++
	msg := Message{ID: fmt.Sprintf("5F290C926D472878-2-14D9529A8FA-%09d", s.seq), Queue: name, Body: m.MessageBody,
		DelaySeconds: m.DelaySeconds, Priority: m.Priority, KeyID: id}
	s.msgs = append(s.msgs, msg)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.Header().Set("x-mns-request-id", "5F2A0C6D0000000000000002")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/">`+
		`<MessageId>%s</MessageId><MessageBodyMD5>%X</MessageBodyMD5></Message>`, msg.ID, md5.Sum([]byte(m.MessageBody)))
}

func query(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// CloudEvent is the batch EventBridge's MNS source pushes to FC for msg (a JSON array of
// one CloudEvent, as with batch push), with data.messageBody the body as stored, or its
// base64 decoding when the source is set to IsBase64Decode. A body that is not base64
// cannot be decoded: that is an error, as it would be a broken event in the cloud.
func CloudEvent(msg Message, base64Decode bool, region, account string) ([]byte, error) {
	body := msg.Body
	if base64Decode {
		b, err := base64.StdEncoding.DecodeString(msg.Body)
		if err != nil {
			return nil, fmt.Errorf("IsBase64Decode is set but message %s is not base64: %w", msg.ID, err)
		}
		body = string(b)
	}
	ev := map[string]any{
		"id":                eventID(msg.ID),
		"source":            "acs:mns",
		"specversion":       "1.0",
		"type":              "mns:Queue:SendMessage",
		"datacontenttype":   "application/json; charset=utf-8",
		"subject":           fmt.Sprintf("acs:mns:%s:%s:queues/%s", region, account, msg.Queue),
		"time":              time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"aliyunaccountid":   account,
		"aliyunpublishtime": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"aliyunregionid":    region,
		"data": map[string]string{
			"requestId":   "606EA3074344430D4C810001",
			"messageId":   msg.ID,
			"messageBody": body,
		},
	}
	return json.Marshal([]any{ev})
}

// eventID is a CloudEvent id (a UUID) derived from the message id, so one message always
// makes the same event.
func eventID(messageID string) string {
	h := md5.Sum([]byte(messageID))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
