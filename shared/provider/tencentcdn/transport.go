package tencentcdn

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// transport is the SDK's http.RoundTripper. Tencent's API answers with HTTP 200 even for
// errors; a 5xx comes from a gateway in front of it, with a page the SDK cannot parse.
// transport turns such answers, and transport failures, into temporary network errors,
// which is what the SDK's network-failure retry recognises (net.Error Temporary()).
type transport struct{ base http.RoundTripper }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, err // the caller gave up: not something to retry
		}
		return nil, &temporaryError{msg: err.Error()}
	}
	if resp.StatusCode >= 500 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		resp.Body.Close()
		return nil, &temporaryError{msg: fmt.Sprintf("HTTP %d with a %q body: %q",
			resp.StatusCode, resp.Header.Get("Content-Type"), snippet)}
	}
	return resp, nil
}

// temporaryError is a net.Error the SDK retries.
type temporaryError struct{ msg string }

var _ net.Error = (*temporaryError)(nil)

func (e *temporaryError) Error() string   { return e.msg }
func (e *temporaryError) Timeout() bool   { return false }
func (e *temporaryError) Temporary() bool { return true }

func baseTransport(hc *http.Client) http.RoundTripper {
	if hc != nil && hc.Transport != nil {
		return hc.Transport
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 5 * time.Second
	tr.ResponseHeaderTimeout = 10 * time.Second
	tr.MaxIdleConnsPerHost = 32
	return tr
}
