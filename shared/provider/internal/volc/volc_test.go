package volc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/volcengine/volcengine-go-sdk/volcengine/volcengineerr"

	"cdnwatch/shared/provider"
)

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		code   string
		status int
		want   provider.Kind
	}{
		{"SignatureDoesNotMatch", 401, provider.KindAuth},
		{"InvalidAccessKey", 401, provider.KindAuth},
		{"MissingAuthenticationToken", 401, provider.KindAuth},
		{"InvalidSecretToken", 401, provider.KindAuth},
		{"InvalidTimestamp", 403, provider.KindAuth},
		{"AccessDenied", 403, provider.KindAuth},
		{"NoCredentialProviders", 0, provider.KindAuth},
		{"FlowLimitExceeded", 429, provider.KindThrottled},
		{"AccountFlowLimitExceeded", 429, provider.KindThrottled},
		{"HTTP429", 429, provider.KindThrottled},
		{"ServiceUnavailableTemp", 503, provider.KindUnavailable},
		{"InternalError", 500, provider.KindUnavailable},
		{"HTTP502", 502, provider.KindUnavailable},
		{"RequestError", 0, provider.KindUnavailable},
		{"InvalidParameter", 400, provider.KindBadRequest},
		{"InvalidActionOrVersion", 404, provider.KindBadRequest},
		{"Odd", 403, provider.KindAuth},
	} {
		if got := classify(tt.code, tt.status); got != tt.want {
			t.Errorf("classify(%q, %d) = %s, want %s", tt.code, tt.status, got, tt.want)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	b := &Base{Name: "volc-mcdn", secrets: scrubbable("s3cr3t-value", "tok-value-123")}
	ctx := context.Background()
	err := b.Error(ctx, []string{"x"}, volcengineerr.NewRequestFailure(
		volcengineerr.New("FlowLimitExceeded", "flow limit\nexceeded for s3cr3t-value tok-value-123", nil), 429, "REQ-1"))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.KindThrottled || pe.Code != "FlowLimitExceeded" ||
		pe.Message != "flow limit exceeded for *** *** (request id REQ-1)" {
		t.Errorf("mapped to %#v", pe)
	}
	err = b.Error(ctx, nil, volcengineerr.New("NoCredentialProviders", "no valid providers in chain", nil))
	if provider.KindOf(err) != provider.KindAuth || !strings.Contains(err.Error(), EnvAccessKey) || !strings.Contains(err.Error(), EnvSecretKey) {
		t.Errorf("missing credentials mapped to %v", err)
	}
	if err := b.Error(ctx, nil, errors.New("json: cannot unmarshal")); provider.KindOf(err) != provider.KindUnavailable {
		t.Errorf("undecodable answer mapped to kind %s", provider.KindOf(err))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Error(cctx, nil, volcengineerr.New("RequestCanceled", "request context canceled", context.Canceled)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call mapped to %v, want context.Canceled kept", err)
	}
}

// A non-JSON answer becomes a coded Volcengine error with its status; a JSON one passes.
func TestJSONErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>502 Bad Gateway</html>")
		case "/empty200":
			w.WriteHeader(http.StatusOK)
		default:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	defer srv.Close()
	c := httpClient(nil, Options{})
	for path, want := range map[string]struct {
		status int
		body   string
	}{
		"/html":     {502, `"Code":"HTTP502"`},
		"/empty200": {502, `"Code":"HTTP502"`},
		"/json":     {200, `{"ok":true}`},
	} {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.status || !strings.Contains(string(body), want.body) || !isJSON(resp.Header.Get("Content-Type")) {
			t.Errorf("%s: %d %s %q", path, resp.StatusCode, body, resp.Header.Get("Content-Type"))
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	creds := &provider.Credentials{AccessKeyID: "a", AccessKeySecret: "b"}
	for _, ep := range []string{"ftp://cdn.example.com", "http://", "http://127.0.0.1:1/path"} {
		if _, err := New("volc-cdn", provider.Config{Endpoint: ep, Credentials: creds}, Options{}); err == nil {
			t.Errorf("endpoint %q accepted", ep)
		}
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := New("volc-cdn", provider.Config{}, Options{Getenv: env(map[string]string{EnvAccessKey: "AK"})}); provider.KindOf(err) != provider.KindAuth {
		t.Errorf("access key without secret in the environment: %v", err)
	}
	b, err := New("volc-cdn", provider.Config{}, Options{Getenv: env(map[string]string{EnvAccessKey: "AK", EnvSecretKey: "env-secret-1"})})
	if err != nil || len(b.secrets) != 1 || b.secrets[0] != "env-secret-1" {
		t.Errorf("key pair from the environment: %v %+v", err, b)
	}
}
