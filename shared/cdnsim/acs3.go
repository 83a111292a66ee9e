package cdnsim

// Verification of Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), written from
// the published algorithm rather than by calling the SDK's signer, so a bug in either shows
// up as a test failure instead of cancelling out. The official Go SDK
// (darabonba-openapi v2 CallApi → DoRequest) signs every call, RPC style included, this way:
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//	                   SignedHeaders \n HashedPayload
//	StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//	Signature        = hex(hmac-sha256(AccessKeySecret, StringToSign))
//	Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>
//
// The action and version travel in x-acs-action / x-acs-version headers, the parameters
// in the query string, and x-acs-content-sha256 carries hex(sha256(body)).

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

const acs3Algorithm = "ACS3-HMAC-SHA256"

// acsError is an API refusal: HTTP status, provider code and message.
type acsError struct {
	Status  int
	Code    string
	Message string
}

func (e *acsError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func incomplete(format string, args ...any) *acsError {
	return &acsError{400, "IncompleteSignature",
		"The request signature does not conform to Aliyun standards. " + fmt.Sprintf(format, args...)}
}

// acsVerifier checks ACS3 signatures against one backend's key pair, remembering nonces
// to refuse replays.
type acsVerifier struct {
	lookup  func(keyID string) (secret, token string, ok bool)
	nonces  *nonceCache
	maxSkew time.Duration
}

// verify returns the access key id of a correctly signed request.
func (v *acsVerifier) verify(r *http.Request, body []byte, wallNow time.Time) (string, *acsError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", incomplete("The Authorization header is missing.")
	}
	algo, rest, _ := strings.Cut(auth, " ")
	if algo != acs3Algorithm {
		return "", incomplete("Signature algorithm %q is not supported.", algo)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", incomplete("Malformed Authorization element %q.", part)
		}
		fields[k] = val
	}
	keyID, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if keyID == "" || signed == "" || sig == "" {
		return "", incomplete("Credential, SignedHeaders and Signature are all required.")
	}
	secret, token, ok := v.lookup(keyID)
	if !ok {
		return "", &acsError{404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."}
	}

	signedHeaders := strings.Split(signed, ";")
	// Every common header that is present must be signed, and these must be present.
	for _, h := range []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
		"x-acs-signature-nonce", "x-acs-version"} {
		if !slices.Contains(signedHeaders, h) {
			return "", incomplete("Header %s must be signed.", h)
		}
	}
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") && !slices.Contains(signedHeaders, l) {
			return "", incomplete("Header %s must be signed.", l)
		}
	}

	payload := sha256.Sum256(body)
	hashed := hex.EncodeToString(payload[:])
	if !strings.EqualFold(r.Header.Get("x-acs-content-sha256"), hashed) {
		return "", &acsError{400, "SignatureDoesNotMatch",
			"Specified signature does not match our calculation: x-acs-content-sha256 is not the SHA-256 of the body."}
	}

	canonical := strings.Join([]string{
		r.Method,
		canonicalURI(r),
		canonicalQuery(r.URL.RawQuery),
		canonicalHeaders(r, signedHeaders),
		strings.Join(sortedLower(signedHeaders), ";"),
		hashed,
	}, "\n")
	digest := sha256.Sum256([]byte(canonical))
	stringToSign := acs3Algorithm + "\n" + hex.EncodeToString(digest[:])
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return "", &acsError{400, "SignatureDoesNotMatch",
			"Specified signature does not match our calculation. server string to sign is:" + stringToSign}
	}

	// Only signed requests get this far, so the checks below cannot be forged.
	if token != "" {
		switch got := r.Header.Get("x-acs-security-token"); {
		case got == "":
			return "", &acsError{400, "MissingSecurityToken", "SecurityToken is mandatory for this access key."}
		case got != token:
			return "", &acsError{400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey."}
		}
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	if err != nil {
		return "", &acsError{400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."}
	}
	if d := wallNow.Sub(ts); d > v.maxSkew || d < -v.maxSkew {
		return "", &acsError{400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."}
	}
	if !v.nonces.add(keyID+"/"+r.Header.Get("x-acs-signature-nonce"), wallNow) {
		return "", &acsError{400, "SignatureNonceUsed", "Specified signature nonce was used already."}
	}
	return keyID, nil
}

func canonicalURI(r *http.Request) string {
	p := r.URL.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// canonicalQuery sorts parameters by name (then value) and percent-encodes both per
// RFC 3986, which is how the signer encoded them.
func canonicalQuery(raw string) string {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return "\x00unparsable"
	}
	type kv struct{ k, v string }
	var pairs []kv
	for k, vs := range vals {
		for _, v := range vs {
			pairs = append(pairs, kv{percentEncode(k), percentEncode(v)})
		}
	}
	slices.SortFunc(pairs, func(a, b kv) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, h := range sortedLower(signed) {
		var vals []string
		if h == "host" {
			vals = []string{r.Host} // net/http moves Host out of the header map
		} else {
			for _, v := range r.Header.Values(h) {
				vals = append(vals, strings.TrimSpace(v))
			}
			slices.Sort(vals)
		}
		b.WriteString(h + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}

func sortedLower(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = strings.ToLower(strings.TrimSpace(h))
	}
	slices.Sort(out)
	return out
}

// percentEncode leaves only RFC 3986 unreserved characters as they are.
func percentEncode(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
	return b.String()
}

// nonceCache remembers nonces for ttl, so a replayed request is refused.
type nonceCache struct {
	ttl       time.Duration
	mu        sync.Mutex
	seen      map[string]time.Time
	nextPrune int
}

func newNonceCache(ttl time.Duration) *nonceCache {
	return &nonceCache{ttl: ttl, seen: make(map[string]time.Time), nextPrune: 1024}
}

// add reports whether the nonce is new.
func (c *nonceCache) add(nonce string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.seen[nonce]; ok && now.Sub(t) < c.ttl {
		return false
	}
	c.seen[nonce] = now
	if len(c.seen) >= c.nextPrune {
		for k, t := range c.seen {
			if now.Sub(t) >= c.ttl {
				delete(c.seen, k)
			}
		}
		c.nextPrune = max(1024, 2*len(c.seen))
	}
	return true
}
