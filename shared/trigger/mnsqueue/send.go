package mnsqueue

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The MNS queue API, as Aliyun documents it:
//   - SendMessage: POST /queues/<name>/messages with an XML <Message> body whose
//     MessageBody is base64 ("Base64-encode the message body before sending. Messages with
//     non-Base64-encoded bodies or unsupported characters cause request failures."), 201
//     Created with MessageId and MessageBodyMD5
//     (https://www.alibabacloud.com/help/en/mns/developer-reference/sendmessage);
//   - common headers: Date (GMT, within 15 minutes of the server's clock), x-mns-version
//     2015-06-06, Content-Type, Authorization, and security-token for STS credentials
//     (https://www.alibabacloud.com/help/en/mns/common-parameters);
//   - Authorization: MNS <AccessKeyId>:<Signature>, Signature = base64(HMAC-SHA1(secret,
//     METHOD\nCONTENT-MD5\nCONTENT-TYPE\nDATE\nCanonicalizedMNSHeaders CanonicalizedResource)),
//     the x-mns-* headers lower-cased, sorted, each "name:value\n"
//     (https://www.alibabacloud.com/help/en/mns/sign-requests).
//
// One signed POST is all cdnwatch needs; aliyun-mns-go-sdk would add 22 MB to the FC
// binary (its gogap/errors uses text/template, whose reflect.Value.MethodByName turns off
// the linker's dead-code elimination of methods).
const (
	apiVersion   = "2015-06-06"
	xmlNamespace = "http://mns.aliyuncs.com/doc/v1/"
	contentType  = "text/xml;charset=utf-8"
	// MaxBodyBytes is the largest message body MNS accepts (64 KB).
	MaxBodyBytes = 65536
	// DefaultPriority is MNS's default (1 is the highest, 16 the lowest).
	DefaultPriority = 8
)

// Message is the <Message> element of a SendMessage request. Exported for fakes that
// decode what the sender wrote.
type Message struct {
	XMLName      xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ Message"`
	MessageBody  string   `xml:"MessageBody"`
	DelaySeconds int64    `xml:"DelaySeconds"`
	Priority     int      `xml:"Priority"`
}

// SendResult is SendMessage's 201 answer.
type SendResult struct {
	XMLName        xml.Name `xml:"Message"`
	MessageID      string   `xml:"MessageId"`
	MessageBodyMD5 string   `xml:"MessageBodyMD5"`
}

// APIError is MNS's <Error> answer. Code and Message come from MNS and never carry our
// credentials.
type APIError struct {
	Status    int
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("MNS answered %d %s: %s (request %s)", e.Status, e.Code, e.Message, e.RequestID)
}

// key is one set of Aliyun credentials.
type key struct{ id, secret, token string }

// sendMessage posts body to queue name at endpoint ep (scheme://host[:port]).
func sendMessage(ctx context.Context, hc *http.Client, ep, name string, k key, body string, delaySeconds int64, now time.Time) (*SendResult, error) {
	if len(body) > MaxBodyBytes {
		return nil, fmt.Errorf("message body is %d bytes; MNS takes at most %d", len(body), MaxBodyBytes)
	}
	payload, err := xml.Marshal(Message{MessageBody: body, DelaySeconds: delaySeconds, Priority: DefaultPriority})
	if err != nil {
		return nil, fmt.Errorf("encode SendMessage body: %w", err)
	}
	payload = append([]byte(xml.Header), payload...)
	resource := "/queues/" + url.PathEscape(name) + "/messages"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep+resource, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", ep, err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	req.Header.Set("x-mns-version", apiVersion)
	if k.token != "" {
		req.Header.Set("security-token", k.token)
	}
	req.Header.Set("Authorization", "MNS "+k.id+":"+Sign(k.secret, req.Method, req.Header, resource))
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		e := &APIError{Status: resp.StatusCode}
		if xml.Unmarshal(raw, e) != nil || e.Code == "" {
			e.Code, e.Message = http.StatusText(resp.StatusCode), fmt.Sprintf("%.200q", raw)
		}
		return nil, e
	}
	var res SendResult
	if err := xml.Unmarshal(raw, &res); err != nil || res.MessageID == "" {
		return nil, fmt.Errorf("answer %d is not a <Message> with a MessageId: %.200q", resp.StatusCode, raw)
	}
	// MNS echoes the MD5 of the body it stored: a mismatch means the message is not the
	// document we sent (a proxy rewrote it, or the XML was read differently).
	sum := md5.Sum([]byte(body))
	if !strings.EqualFold(res.MessageBodyMD5, hex.EncodeToString(sum[:])) {
		return nil, fmt.Errorf("message %s stored with body MD5 %s, sent %X", res.MessageID, res.MessageBodyMD5, sum)
	}
	return &res, nil
}

// Sign computes the Signature part of an MNS Authorization header (see above). Exported
// for fakes that verify it.
func Sign(secret, method string, h http.Header, resource string) string {
	var mns []string
	for name, vals := range h {
		if n := strings.ToLower(name); strings.HasPrefix(n, "x-mns-") && len(vals) > 0 {
			mns = append(mns, n+":"+strings.TrimSpace(vals[0])+"\n")
		}
	}
	sort.Strings(mns)
	date := h.Get("Date")
	if d := h.Get("x-mns-date"); d != "" {
		date = d
	}
	s := method + "\n" + h.Get("Content-MD5") + "\n" + h.Get("Content-Type") + "\n" + date + "\n" +
		strings.Join(mns, "") + resource
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
