package awscloudfront

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"cdnwatch/shared/provider"
)

// missingCredentials is the advice when the SDK's whole chain found nothing (the command);
// missingEnvCredentials when a function, which reads the environment only, found nothing.
const (
	missingCredentials = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
		"(plus AWS_SESSION_TOKEN for temporary ones), or configure a profile, SSO or a role"
	missingEnvCredentials = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
		"(plus AWS_SESSION_TOKEN for temporary ones); functions read AWS credentials from the environment only"
)

// unknownInvalidation: CloudFront does not know the id in this distribution.
func unknownInvalidation(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && strings.EqualFold(ae.Code, "NoSuchInvalidation")
}

// mapError turns our client's error (after the retries are done) into *provider.Error,
// keeping CloudFront's code and message, never a secret. Context errors stay unmapped.
func (d *driver) mapError(ids []string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	pe := &provider.Error{Provider: Name}
	var ce *credentialsError
	if errors.As(err, &ce) {
		advice := missingEnvCredentials
		if d.chain {
			advice = missingCredentials
		}
		pe.Kind, pe.Code, pe.Message = provider.KindAuth, "MissingCredentials", d.scrub(oneLine(advice+": "+err.Error()))
		return pe
	}
	status := 0
	var hs interface{ HTTPStatusCode() int }
	if errors.As(err, &hs) {
		status = hs.HTTPStatusCode()
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		// No answer from the API: connection trouble the retryer gave up on, or an answer
		// that could not be read.
		pe.Kind, pe.Message = provider.KindUnavailable, d.scrub(oneLine(err.Error()))
		if status != 0 {
			pe.Code = fmt.Sprintf("HTTP%d", status)
		}
		return pe
	}
	pe.Code = ae.Code
	pe.Message = d.scrub(oneLine(ae.Message))
	if ae.RequestID != "" {
		pe.Message += " (request id " + ae.RequestID + ")"
	}
	pe.Kind = classify(pe.Code, status)
	if pe.Code == "NoSuchDistribution" {
		// Retrying cannot help: the scope is wrong, or these credentials cannot see it.
		pe.Message = fmt.Sprintf("distribution %s (scope.distributionId) does not exist or is not visible to these credentials: %s",
			d.dist, pe.Message)
	}
	if pe.Kind == provider.KindInvalidID {
		pe.IDs = append([]string(nil), ids...)
	}
	var exhausted *attemptsError
	if errors.As(err, &exhausted) {
		pe.Message += fmt.Sprintf(" (after %d attempts)", exhausted.attempts)
	}
	return pe
}

// classify sorts CloudFront / AWS error codes into Kinds.
func classify(code string, status int) provider.Kind {
	switch code {
	case "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch",
		"UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException", "MissingAuthenticationToken",
		"IncompleteSignature", "InvalidSignatureException":
		return provider.KindAuth
	case "InvalidArgument",
		// The ids are only unique within their distribution: a distribution that does not
		// exist makes them ids that never will, a refusal that no retry mends (the command
		// exits 4; a function drops the document as poison instead of retrying it).
		"NoSuchDistribution":
		return provider.KindInvalidID
	}
	if throttleCodes[code] || status == http.StatusTooManyRequests {
		return provider.KindThrottled
	}
	switch {
	case status >= 500 || code == "ServiceUnavailable" || code == "InternalError" || code == "InternalFailure":
		return provider.KindUnavailable
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return provider.KindAuth
	}
	return provider.KindBadRequest
}

func (d *driver) scrub(msg string) string {
	for _, s := range d.secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
