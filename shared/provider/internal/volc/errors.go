package volc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/volcengine/volcengine-go-sdk/volcengine/volcengineerr"

	"cdnwatch/shared/provider"
)

const missingCredentials = "no Volcengine credentials found: set " + EnvAccessKey + " and " + EnvSecretKey +
	" (plus " + EnvSessionToken + " for STS)"

// Error maps an SDK error from a call for ids onto *provider.Error, keeping the
// provider's code and message and never a secret. Context errors are returned wrapped,
// unmapped, so callers still see context.Canceled / DeadlineExceeded.
func (b *Base) Error(ctx context.Context, ids []string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s call for %d ids: %w", b.Name, len(ids), errors.Join(ctx.Err(), err))
	}
	pe := &provider.Error{Provider: b.Name}
	var ve volcengineerr.Error
	if !errors.As(err, &ve) {
		// Not an answer from the API (e.g. one the SDK could not decode).
		pe.Kind, pe.Message = provider.KindUnavailable, b.scrub(err.Error())
		return pe
	}
	status := 0
	var rf volcengineerr.RequestFailure
	if errors.As(err, &rf) {
		status = rf.StatusCode()
	}
	pe.Code, pe.Kind = ve.Code(), classify(ve.Code(), status)
	msg := ve.Message()
	switch {
	case isMissingCredentials(ve.Code()):
		pe.Code, msg = "MissingCredentials", missingCredentials
	case ve.Code() == "RequestError" && ve.OrigErr() != nil:
		msg += ": " + ve.OrigErr().Error()
	}
	if rf != nil && rf.RequestID() != "" {
		msg += " (request id " + rf.RequestID() + ")"
	}
	pe.Message = b.scrub(strings.Join(strings.Fields(msg), " "))
	if pe.Kind == provider.KindInvalidID {
		pe.IDs = append([]string(nil), ids...)
	}
	return pe
}

func (b *Base) scrub(msg string) string {
	for _, s := range b.secrets {
		msg = strings.ReplaceAll(msg, s, "***")
	}
	return msg
}

// isMissingCredentials: the SDK's chain found no key pair.
func isMissingCredentials(code string) bool {
	return code == "NoCredentialProviders" || code == "EnvAccessKeyNotFound" || code == "EnvSecretNotFound" ||
		code == "SharedCredsLoad" || code == "SharedCredsAccessKey"
}

// classify sorts Volcengine error codes (public error code table) and our transport
// codes into Kinds.
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
	case has("InvalidTaskId", "InvalidParameter.TaskId", "InvalidParameter.TaskID"):
		return provider.KindInvalidID
	case isMissingCredentials(code) || has("MissingAuthenticationToken", "MissingSignature", "InvalidAccessKey",
		"SignatureDoesNotMatch", "InvalidSecretToken", "InvalidAuthorization", "InvalidCredential",
		"InvalidTimestamp", "AccessDenied", "Forbidden", "LackProjectPolicy", "NoPermission", "InvalidAccessKeyId",
		"AccessKeyNotExist", "AccessKeyIsExpire", "SessionTokenInvalid"):
		return provider.KindAuth
	case status == 429 || has("FlowLimitExceeded", "AccountFlowLimitExceeded", "Throttling", "TooManyRequests",
		"RequestLimitExceeded"):
		return provider.KindThrottled
	case status >= 500 || has("RequestError", "InternalError", "InternalServiceError", "ServiceUnavailable",
		"ServiceUnavailableTemp", "ServiceFailure", "UnknownError"):
		return provider.KindUnavailable
	case status == 401 || status == 403:
		return provider.KindAuth
	}
	return provider.KindBadRequest
}
