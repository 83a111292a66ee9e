package notify

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Redacted replaces a secret in redacted text.
const Redacted = "[REDACTED]"

// urlPattern finds URLs in free text. Webhook URLs carry their secret in the path or the
// query (Slack's /services/T/B/secret, DingTalk's access_token=...), so only the scheme
// and host are kept.
// Compiled on first use, not at start.
var urlPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.\-]*://)([^\s/?#"'<>@]*@)?([^\s/?#"'<>]*)([^\s"'<>]*)`)
})

// RedactURL keeps only the scheme and host of a URL ("https://hooks.slack.com"), which is
// enough to tell which service failed. Unparsable input yields Redacted.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Redacted
	}
	return u.Scheme + "://" + u.Host
}

// RedactString strips the path, query and user info of every URL in s, then replaces
// each secret (and its URL-escaped forms) with Redacted.
func RedactString(s string, secrets ...string) string {
	s = urlPattern().ReplaceAllStringFunc(s, func(m string) string {
		sub := urlPattern().FindStringSubmatch(m)
		out := sub[1] + sub[3]
		if rest := sub[4]; rest != "" && rest != "/" {
			out += "/…"
		}
		return out
	})
	for _, v := range secretForms(secrets) {
		s = strings.ReplaceAll(s, v, Redacted)
	}
	return s
}

// secretForms lists the secrets and the escaped spellings they take in error messages,
// longest first so that a secret containing another is replaced whole.
func secretForms(secrets []string) []string {
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if !slices.Contains(forms, f) {
				forms = append(forms, f)
			}
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return forms
}

// Redact returns err with every URL cut to scheme and host and every secret replaced,
// so it is safe to log or return. Go's *url.Error prints the whole request URL, and a
// webhook URL is itself a secret, hence this exists.
//
// The result still answers errors.Is as err does (context.DeadlineExceeded, ...), and
// errors.As for *DeliveryError yields a redacted copy; the original error, which may
// hold the URL, is not reachable through Unwrap.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	if de, ok := err.(*DeliveryError); ok {
		return redactDelivery(de, secrets)
	}
	return &redactedError{msg: RedactString(err.Error(), secrets...), cause: err, secrets: secrets}
}

func redactDelivery(de *DeliveryError, secrets []string) *DeliveryError {
	cp := *de
	cp.Code = RedactString(cp.Code, secrets...)
	if cp.Err != nil {
		cp.Err = Redact(cp.Err, secrets...)
	}
	return &cp
}

// redactedError carries a safe message. It deliberately has no Unwrap: unwrapping would
// hand out the original error and its URL.
type redactedError struct {
	msg     string
	cause   error
	secrets []string
}

func (e *redactedError) Error() string { return e.msg }

// Is lets errors.Is see through to the cause (sentinels hold no secrets).
func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }

// As yields only types known to be safe once redacted.
func (e *redactedError) As(target any) bool {
	if p, ok := target.(**DeliveryError); ok {
		var de *DeliveryError
		if errors.As(e.cause, &de) {
			*p = redactDelivery(de, e.secrets)
			return true
		}
	}
	return false
}

// Timeout keeps net.Error-style timeout checks working.
func (e *redactedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.cause, &t) && t.Timeout()
}
