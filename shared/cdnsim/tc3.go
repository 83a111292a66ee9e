package cdnsim

// Verification of Tencent Cloud API 3.0 signatures (TC3-HMAC-SHA256), written from the
// published algorithm rather than by calling the SDK's signer:
//
//	CanonicalRequest = Method \n "/" \n CanonicalQuery \n CanonicalHeaders \n
//	                   SignedHeaders \n hex(sha256(payload))
//	StringToSign     = "TC3-HMAC-SHA256" \n X-TC-Timestamp \n Scope \n hex(sha256(CanonicalRequest))
//	Scope            = yyyy-mm-dd/service/tc3_request   (the UTC date of the timestamp)
//	SigningKey       = HMAC(HMAC(HMAC("TC3"+SecretKey, date), service), "tc3_request")
//	Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<Scope>, SignedHeaders=content-type;host, Signature=<hex>
//
// Tencent answers every refusal, authentication included, with HTTP 200 and
// {"Response":{"Error":{"Code","Message"},"RequestId"}}.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const tc3Algorithm = "TC3-HMAC-SHA256"

// tencentError is a refusal in Tencent's words; Status is the HTTP status (200 for
// everything the API itself answers).
type tencentError struct {
	Status  int
	Code    string
	Message string
}

type tc3Verifier struct {
	service string // e.g. "cdn"
	lookup  func(keyID string) (secret, token string, ok bool)
	maxSkew time.Duration
}

func (v *tc3Verifier) verify(r *http.Request, body []byte, wallNow time.Time) (string, *tencentError) {
	bad := func(code, msg string) (string, *tencentError) { return "", &tencentError{200, code, msg} }
	auth := r.Header.Get("Authorization")
	algo, rest, _ := strings.Cut(auth, " ")
	if auth == "" || algo != tc3Algorithm {
		return bad("AuthFailure.InvalidAuthorization", "The Authorization header is missing or not TC3-HMAC-SHA256.")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return bad("AuthFailure.InvalidAuthorization", "The Authorization header is malformed.")
		}
		fields[k] = val
	}
	scopeParts := strings.Split(fields["Credential"], "/")
	signed, sig := fields["SignedHeaders"], fields["Signature"]
	if len(scopeParts) != 4 || scopeParts[3] != "tc3_request" || signed == "" || sig == "" {
		return bad("AuthFailure.InvalidAuthorization", "Credential, SignedHeaders and Signature are all required.")
	}
	keyID, date, service := scopeParts[0], scopeParts[1], scopeParts[2]
	secret, token, ok := v.lookup(keyID)
	if !ok {
		return bad("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return bad("AuthFailure.InvalidAuthorization", "X-TC-Timestamp is missing or not a number.")
	}
	at := time.Unix(ts, 0).UTC()
	if d := wallNow.Sub(at); d > v.maxSkew || d < -v.maxSkew {
		return bad("AuthFailure.SignatureExpire", "Signature expired. Timestamp and server time cannot differ by more than 5 minutes.")
	}
	if service != v.service || date != at.Format("2006-01-02") {
		return bad("AuthFailure.SignatureFailure", "The credential scope does not match the service or the timestamp's date.")
	}
	signedHeaders := strings.Split(signed, ";")
	for _, h := range []string{"content-type", "host"} {
		if !slices.Contains(signedHeaders, h) {
			return bad("AuthFailure.SignatureFailure", "Header "+h+" must be signed.")
		}
	}
	payload := sha256.Sum256(body)
	canonical := strings.Join([]string{
		r.Method,
		"/",
		canonicalQuery(r.URL.RawQuery),
		tc3CanonicalHeaders(r, signedHeaders),
		strings.Join(sortedLower(signedHeaders), ";"),
		hex.EncodeToString(payload[:]),
	}, "\n")
	digest := sha256.Sum256([]byte(canonical))
	stringToSign := tc3Algorithm + "\n" + r.Header.Get("X-TC-Timestamp") + "\n" +
		date + "/" + service + "/tc3_request\n" + hex.EncodeToString(digest[:])
	key := awsHMAC([]byte("TC3"+secret), date)
	key = awsHMAC(key, service)
	key = awsHMAC(key, "tc3_request")
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, awsHMAC(key, stringToSign)) {
		return bad("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
	}
	if token != "" && r.Header.Get("X-TC-Token") != token {
		return bad("AuthFailure.TokenFailure", "Token verification failed.")
	}
	return keyID, nil
}

// tc3CanonicalHeaders lists each signed header as "name:value\n", the value trimmed and
// lower-cased as the TC3 algorithm specifies.
func tc3CanonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, h := range sortedLower(signed) {
		val := r.Host
		if h != "host" {
			val = r.Header.Get(h)
		}
		b.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(val)) + "\n")
	}
	return b.String()
}
