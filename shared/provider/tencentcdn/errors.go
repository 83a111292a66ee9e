package tencentcdn

import (
	"context"
	"errors"
	"strings"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"cdnwatch/shared/provider"
)

// mapError turns an SDK error (after its retries) into *provider.Error, keeping
// Tencent's code, message and request id, never a secret.
func (a *api) mapError(id string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	pe := &provider.Error{Provider: Name}
	var se *tcerr.TencentCloudSDKError
	if !errors.As(err, &se) {
		pe.Kind, pe.Message = provider.KindUnavailable, a.scrub(err.Error())
		return pe
	}
	pe.Code = se.GetCode()
	pe.Message = a.scrub(se.GetMessage())
	if rid := se.GetRequestId(); rid != "" {
		pe.Message += " (request id " + rid + ")"
	}
	pe.Kind = classify(pe.Code, pe.Message)
	if pe.Kind == provider.KindInvalidID {
		pe.IDs = []string{id}
	}
	return pe
}

// classify sorts Tencent Cloud error codes into Kinds.
func classify(code, msg string) provider.Kind {
	has := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if code == p || strings.HasPrefix(code, p+".") {
				return true
			}
		}
		return false
	}
	switch {
	case has("AuthFailure", "UnauthorizedOperation", "MissingCredentials"):
		return provider.KindAuth
	case has("RequestLimitExceeded"):
		return provider.KindThrottled
	case has("InternalError", "ResourceUnavailable") || code == "ClientError.NetworkError" || code == "ClientError.ParseJsonError":
		return provider.KindUnavailable
	case has("InvalidParameter", "InvalidParameterValue") && strings.Contains(strings.ToLower(msg), "taskid"):
		// One id per call: a parameter error about TaskId is about that id.
		return provider.KindInvalidID
	}
	return provider.KindBadRequest
}

func (a *api) scrub(msg string) string {
	for _, s := range a.secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}
