package volc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// jsonErrors makes every answer one the SDK can decode. The SDK's unmarshalers print
// decoding failures to stdout with fmt.Printf (which would corrupt `cdnwatch watch
// --json`) and then fail with an error that has no code. A response that is not JSON —
// a load balancer's HTML error page, an empty 502 — is turned into a Volcengine error
// body with code "HTTP<status>" (502 for a non-JSON success), keeping the status, so the
// SDK's retryer and our error mapping see an ordinary coded error.
type jsonErrors struct{ base http.RoundTripper }

func (t jsonErrors) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || isJSON(resp.Header.Get("Content-Type")) {
		return resp, err
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	resp.Body.Close()
	status := resp.StatusCode
	if status < 400 {
		status = http.StatusBadGateway
	}
	body, _ := json.Marshal(map[string]any{"ResponseMetadata": map[string]any{
		"Error": map[string]any{"Code": "HTTP" + strconv.Itoa(status),
			"Message": fmt.Sprintf("HTTP %d with a %q body: %q", resp.StatusCode, resp.Header.Get("Content-Type"), snippet)},
	}})
	resp.StatusCode, resp.Status = status, fmt.Sprintf("%d %s", status, http.StatusText(status))
	resp.Header = resp.Header.Clone()
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Del("Content-Length")
	resp.ContentLength = int64(len(body))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func isJSON(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return strings.Contains(mt, "json")
}
