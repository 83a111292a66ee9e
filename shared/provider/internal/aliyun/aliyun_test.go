package aliyun

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"

	"cdnwatch/shared/provider"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		code   string
		status int
		want   provider.Kind
	}{
		{"InvalidTaskId.Malformed", 400, provider.KindInvalidID},
		{"InvalidTaskId", 400, provider.KindInvalidID},
		{"InvalidAccessKeyId.NotFound", 404, provider.KindAuth},
		{"InvalidAccessKeyId.Inactive", 400, provider.KindAuth},
		{"SignatureDoesNotMatch", 400, provider.KindAuth},
		{"IncompleteSignature", 400, provider.KindAuth},
		{"Forbidden.RAM", 403, provider.KindAuth},
		{"Forbidden", 403, provider.KindAuth},
		{"InvalidSecurityToken.Expired", 400, provider.KindAuth},
		{"NoPermission", 403, provider.KindAuth},
		{"TooManyRequests", 429, provider.KindThrottled},
		{"Throttling.User", 400, provider.KindThrottled},
		{"Throttling", 503, provider.KindThrottled},
		{"HTTP429", 429, provider.KindThrottled},
		{"ServiceUnavailable", 503, provider.KindUnavailable},
		{"InternalError", 500, provider.KindUnavailable},
		{"HTTP502", 502, provider.KindUnavailable},
		{codeNetwork, 0, provider.KindUnavailable},
		{"HTTP403", 403, provider.KindAuth},
		{"InvalidParameters", 400, provider.KindBadRequest},
		{"InvalidTaskIdSuffix", 400, provider.KindBadRequest}, // a prefix match needs the dot
		{"InvalidTime", 400, provider.KindBadRequest},
	}
	for _, tt := range tests {
		if got := classify(tt.code, tt.status); got != tt.want {
			t.Errorf("classify(%q, %d) = %s, want %s", tt.code, tt.status, got, tt.want)
		}
	}
}

func sdkError(status int, code, body string) error {
	return &tea.SDKError{StatusCode: tea.Int(status), Code: tea.String(code),
		Message: tea.String("code: 400, whatever request id: X"), Data: tea.String(body)}
}

func TestErrorMapping(t *testing.T) {
	b := &Base{Name: "aliyun-cdn", secrets: &secretSet{}}
	b.secrets.add("s3cr3t-value", "tok-value-123")

	err := b.Error([]string{"1", "2"}, sdkError(400, "InvalidTaskId.Malformed",
		`{"Code":"InvalidTaskId.Malformed","Message":"The specified TaskId is invalid.","RequestId":"R-1"}`))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.KindInvalidID || pe.Code != "InvalidTaskId.Malformed" ||
		pe.Message != "The specified TaskId is invalid. (request id R-1)" || len(pe.IDs) != 2 {
		t.Errorf("mapped to %#v", pe)
	}

	// A gateway that echoes secrets back must not make us print them.
	err = b.Error(nil, sdkError(400, "Odd", `{"Message":"key s3cr3t-value and\ntoken tok-value-123"}`))
	if msg := err.Error(); strings.Contains(msg, "s3cr3t-value") || strings.Contains(msg, "tok-value-123") ||
		strings.Contains(msg, "\n") || provider.KindOf(err) != provider.KindBadRequest {
		t.Errorf("message %q (kind %s): secrets or newlines kept", msg, provider.KindOf(err))
	}

	if !PastRetention(sdkError(400, "InvalidTime", `{"Code":"InvalidTime"}`)) || PastRetention(sdkError(400, "InvalidTaskId", "{}")) {
		t.Error("PastRetention misjudged InvalidTime")
	}

	err = b.Error(nil, &credentialsError{cause: errors.New("no provider in chain")})
	if provider.KindOf(err) != provider.KindAuth || !strings.Contains(err.Error(), "ALIBABA_CLOUD_ACCESS_KEY_ID") ||
		!strings.Contains(err.Error(), "ALIBABA_CLOUD_ACCESS_KEY_SECRET") {
		t.Errorf("missing credentials mapped to %v", err)
	}

	if err := b.Error(nil, errors.New("json: cannot unmarshal")); provider.KindOf(err) != provider.KindUnavailable {
		t.Errorf("undecodable answer mapped to kind %s", provider.KindOf(err))
	}
}

func TestRetryPolicy(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	if p.MaxAttempts != 4 || p.Budget() > 3*time.Second {
		t.Errorf("default policy %+v can wait %v; want 4 attempts within 3 s", p, RetryPolicy{}.Budget())
	}
	o := RetryPolicy{}.options()
	if !o.Retryable || o.MaxAttempts != 1 || len(o.RetryCondition) != 1 || o.RetryCondition[0].MaxAttempts != 4 {
		t.Errorf("options %+v: want retryable, unmatched errors not retried, 4 attempts for listed codes", o)
	}
}

func TestNewRejectsBadEndpoints(t *testing.T) {
	for _, ep := range []string{"ftp://cdn.example.com", "http://", "http://127.0.0.1:1/path"} {
		if _, err := New("aliyun-cdn", provider.Config{Endpoint: ep,
			Credentials: &provider.Credentials{AccessKeyID: "a", AccessKeySecret: "b"}}, "cdn.aliyuncs.com", Options{}); err == nil {
			t.Errorf("endpoint %q accepted", ep)
		}
	}
	b, err := New("aliyun-cdn", provider.Config{Endpoint: "http://127.0.0.1:8080",
		Credentials: &provider.Credentials{AccessKeyID: "a", AccessKeySecret: "b"}}, "cdn.aliyuncs.com", Options{})
	if err != nil || *b.Config.Endpoint != "127.0.0.1:8080" || *b.Config.Protocol != "http" {
		t.Errorf("override with scheme: %v %+v", err, b)
	}
	b, _ = New("aliyun-cdn", provider.Config{Credentials: &provider.Credentials{AccessKeyID: "a", AccessKeySecret: "b"}},
		"cdn.aliyuncs.com", Options{})
	if *b.Config.Endpoint != "cdn.aliyuncs.com" || *b.Config.Protocol != "https" {
		t.Errorf("default endpoint %s://%s", *b.Config.Protocol, *b.Config.Endpoint)
	}
	if _, err := New("aliyun-cdn", provider.Config{Credentials: &provider.Credentials{AccessKeyID: "a"}},
		"cdn.aliyuncs.com", Options{}); provider.KindOf(err) != provider.KindAuth {
		t.Errorf("credentials without a secret: %v", err)
	}
}

func TestCheckTaskID(t *testing.T) {
	for id, ok := range map[string]bool{"12345678": true, "17000000001": true, "": false, "12a": false,
		" 1": false, "1,2": false, "123456789012345678901": false} {
		if err := CheckTaskID(id); (err == nil) != ok {
			t.Errorf("CheckTaskID(%q) = %v", id, err)
		}
	}
}
