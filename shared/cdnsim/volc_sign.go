package cdnsim

// Verification of Volcengine's request signature (HMAC-SHA256, V4 style), written from
// the published algorithm rather than by calling the SDK's signer, so a bug in either
// shows up as a test failure instead of cancelling out:
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//	                   SignedHeaders \n hex(sha256(body))
//	CredentialScope  = <yyyymmdd>/<region>/<service>/request
//	StringToSign     = "HMAC-SHA256" \n X-Date \n CredentialScope \n hex(sha256(CanonicalRequest))
//	kDate = HMAC(SecretKey, yyyymmdd); kRegion = HMAC(kDate, region);
//	kService = HMAC(kRegion, service); kSigning = HMAC(kService, "request")
//	Signature        = hex(HMAC(kSigning, StringToSign))
//	Authorization: HMAC-SHA256 Credential=<AK>/<CredentialScope>, SignedHeaders=<h1;h2>, Signature=<hex>
//
// X-Date is "20060102T150405Z" (UTC), X-Content-Sha256 is hex(sha256(body)), and STS
// credentials add X-Security-Token, which must then be signed.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

const volcAlgorithm = "HMAC-SHA256"

type volcVerifier struct {
	service string
	lookup  func(keyID string) (secret, token string, ok bool)
	maxSkew time.Duration
}

func volcAuthError(status int, code, msg string) *volcError { return &volcError{status, code, msg} }

// verify returns the access key id of a correctly signed request.
func (v *volcVerifier) verify(r *http.Request, body []byte, wallNow time.Time) (string, *volcError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", volcAuthError(401, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	algo, rest, _ := strings.Cut(auth, " ")
	if algo != volcAlgorithm {
		return "", volcAuthError(400, "InvalidAuthorization", "Invalid 'Authorization' header, Pls check authorization header.")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", volcAuthError(400, "InvalidAuthorization", "Invalid 'Authorization' header, Pls check authorization header.")
		}
		fields[k] = val
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if sig == "" {
		return "", volcAuthError(401, "MissingSignature", "The request is missing signature.")
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "request" || signed == "" {
		return "", volcAuthError(400, "InvalidCredential", "Invalid credential in 'Authorization', Pls check credential in authorization header.")
	}
	keyID, date, region, service := scope[0], scope[1], scope[2], scope[3]
	secret, token, ok := v.lookup(keyID)
	if !ok {
		return "", volcAuthError(401, "InvalidAccessKey", "The accesskey "+keyID+" included in the request is invalid.")
	}
	mismatch := volcAuthError(401, "SignatureDoesNotMatch", "The request signature we calculated does not match "+
		"the signature you provided. Check your Secret Access Key and signing method. Consult the service documentation for details.")

	xdate := r.Header.Get("X-Date")
	signedHeaders := strings.Split(signed, ";")
	required := []string{"host", "x-date", "x-content-sha256"}
	if r.Header.Get("X-Security-Token") != "" {
		required = append(required, "x-security-token")
	}
	for _, h := range required {
		if !slices.Contains(signedHeaders, h) {
			return "", mismatch
		}
	}
	sum := sha256.Sum256(body)
	hashed := hex.EncodeToString(sum[:])
	if !strings.EqualFold(r.Header.Get("X-Content-Sha256"), hashed) ||
		len(xdate) < 8 || xdate[:8] != date || service != v.service || region == "" {
		return "", mismatch
	}
	canonical := strings.Join([]string{
		r.Method,
		canonicalURI(r),
		canonicalQuery(r.URL.RawQuery),
		volcCanonicalHeaders(r, signedHeaders),
		signed,
		hashed,
	}, "\n")
	digest := sha256.Sum256([]byte(canonical))
	stringToSign := strings.Join([]string{volcAlgorithm, xdate, strings.Join(scope[1:], "/"),
		hex.EncodeToString(digest[:])}, "\n")
	key := []byte(secret)
	for _, part := range []string{date, region, service, "request"} {
		key = hmacSHA256(key, part)
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, hmacSHA256(key, stringToSign)) {
		return "", mismatch
	}

	// Only signed requests get this far, so the checks below cannot be forged.
	if token != "" && r.Header.Get("X-Security-Token") != token {
		return "", volcAuthError(401, "InvalidSecretToken", "Invalid secret token, msg: token mismatch.")
	}
	ts, err := time.Parse("20060102T150405Z", xdate)
	if err != nil || wallNow.Sub(ts) > v.maxSkew || ts.Sub(wallNow) > v.maxSkew {
		return "", volcAuthError(403, "InvalidTimestamp", "The Signature of the request is expired")
	}
	return keyID, nil
}

// volcCanonicalHeaders is "name:value\n" for each signed header in the order signed
// (the signer lists them sorted); the host is the one the client sent.
func volcCanonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, h := range signed {
		val := strings.TrimSpace(r.Header.Get(h))
		if h == "host" {
			val = r.Host
		}
		b.WriteString(h + ":" + val + "\n")
	}
	return b.String()
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
