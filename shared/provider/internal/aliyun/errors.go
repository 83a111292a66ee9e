package aliyun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/alibabacloud-go/tea/tea"

	"cdnwatch/shared/provider"
)

// codeOf returns the provider's error code and HTTP status carried by an SDK error.
// After its retries the SDK wraps every coded error into *tea.SDKError (DisableSDKError
// unset); the raw dara.BaseError form is accepted too.
func codeOf(err error) (code string, status int, body map[string]any, ok bool) {
	var se *tea.SDKError
	if errors.As(err, &se) {
		if se.StatusCode != nil {
			status = *se.StatusCode
		}
		if se.Data != nil {
			_ = json.Unmarshal([]byte(*se.Data), &body)
		}
		code = deref(se.Code)
		if n, err := strconv.Atoi(strings.TrimPrefix(code, "HTTP")); status == 0 && err == nil && strings.HasPrefix(code, "HTTP") {
			status = n // a transportError; the SDK's rewrapping dropped its status
		}
		return code, status, body, true
	}
	var be interface{ GetCode() *string }
	if errors.As(err, &be) {
		if te, ok := be.(*transportError); ok {
			status = te.status
		}
		return deref(be.GetCode()), status, nil, true
	}
	return "", 0, nil, false
}

// PastRetention reports whether err is Aliyun's "InvalidTime" answer: the query reached
// further back than the provider keeps tasks. Drivers treat the ids as unknown.
func PastRetention(err error) bool {
	code, _, _, ok := codeOf(err)
	return ok && code == "InvalidTime"
}

// Error maps an SDK error from a call for ids onto *provider.Error, keeping the
// provider's code and message and never a secret. Context errors are returned wrapped,
// unmapped, so callers still see context.Canceled / DeadlineExceeded.
func (b *Base) Error(ids []string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s call for %d ids: %w", b.Name, len(ids), err)
	}
	pe := &provider.Error{Provider: b.Name}
	var ce *credentialsError
	if errors.As(err, &ce) {
		pe.Kind, pe.Code = provider.KindAuth, "MissingCredentials"
		pe.Message = b.secrets.scrub(ce.Error())
		return pe
	}
	code, status, body, ok := codeOf(err)
	if !ok {
		// Not an answer from the API (e.g. a response the SDK could not decode).
		pe.Kind, pe.Message = provider.KindUnavailable, b.secrets.scrub(err.Error())
		return pe
	}
	pe.Code, pe.Kind = code, classify(code, status)
	pe.Message = b.secrets.scrub(message(err, body))
	if pe.Kind == provider.KindInvalidID {
		pe.IDs = append([]string(nil), ids...)
	}
	return pe
}

// message prefers the provider's own Message and request id over the SDK's rendering.
func message(err error, body map[string]any) string {
	msg, _ := body["Message"].(string)
	if msg == "" {
		var se *tea.SDKError
		if errors.As(err, &se) && se.Message != nil {
			msg = *se.Message
		} else {
			msg = err.Error()
		}
	}
	if id, _ := body["RequestId"].(string); id != "" {
		msg += " (request id " + id + ")"
	}
	// One line: gateway messages may embed a multi-line string to sign.
	return strings.Join(strings.Fields(msg), " ")
}

// classify sorts Alibaba Cloud error codes (and our transport codes) into Kinds.
func classify(code string, status int) provider.Kind {
	has := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if code == p || strings.HasPrefix(code, p+".") {
				return true
			}
		}
		return false
	}
	switch {
	case has("InvalidTaskId"):
		return provider.KindInvalidID
	case has("InvalidAccessKeyId", "SignatureDoesNotMatch", "IncompleteSignature", "Forbidden",
		"InvalidSecurityToken", "MissingSecurityToken", "NoPermission", "MissingCredentials",
		"InvalidAccessKeySecret", "UnauthorizedOperation", "NotAuthorized"):
		return provider.KindAuth
	case has("TooManyRequests", "Throttling") || status == 429:
		return provider.KindThrottled
	case status >= 500 || has(codeNetwork, "ServiceUnavailable", "InternalError", "ServiceBusy"):
		return provider.KindUnavailable
	case status == 401 || status == 403:
		return provider.KindAuth
	}
	return provider.KindBadRequest
}
