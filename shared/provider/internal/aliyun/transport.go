package aliyun

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/alibabacloud-go/tea/dara"
)

const codeNetwork = "NetworkError"

// httpDoer is the SDK's dara.HttpClient. Besides using our own *http.Client, it names
// failures the SDK would otherwise pass on as plain errors, so its retryer (which matches
// error codes only) can retry them and the mapper can classify them:
//   - a transport error while the caller still waits → code "NetworkError";
//   - an error status with a body that is neither JSON nor XML (a load balancer's HTML
//     page, which the SDK would fail to parse) → code "HTTP<status>".
type httpDoer struct{ c *http.Client }

var _ dara.HttpClient = (*httpDoer)(nil)

func (d *httpDoer) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, err // the caller gave up; the SDK reports the context's error
		}
		return nil, &transportError{code: codeNetwork, msg: err.Error()}
	}
	if resp.StatusCode >= 400 && !structured(resp.Header.Get("Content-Type")) {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		resp.Body.Close()
		return nil, &transportError{
			code:   fmt.Sprintf("HTTP%d", resp.StatusCode),
			status: resp.StatusCode,
			msg:    fmt.Sprintf("HTTP %d with a %q body: %q", resp.StatusCode, resp.Header.Get("Content-Type"), snippet),
		}
	}
	return resp, nil
}

func structured(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return strings.Contains(mt, "json") || strings.Contains(mt, "xml")
}

// transportError implements dara.BaseError (GetName, GetCode), which is what the
// retryer matches on.
type transportError struct {
	code   string
	status int
	msg    string
}

func (e *transportError) Error() string    { return e.msg }
func (e *transportError) GetName() *string { return dara.String(e.code) }
func (e *transportError) GetCode() *string { return dara.String(e.code) }
func (e *transportError) HTTPStatus() int  { return e.status }
