package cdnsim

// Verification of AWS Signature Version 4, written from the published algorithm rather
// than by calling the SDK's signer, so a bug in either shows up as a test failure
// instead of cancelling out:
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//	                   SignedHeaders \n HashedPayload
//	StringToSign     = "AWS4-HMAC-SHA256" \n X-Amz-Date \n Scope \n hex(sha256(CanonicalRequest))
//	Scope            = yyyymmdd/region/service/aws4_request
//	SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, yyyymmdd), region), service), "aws4_request")
//	Authorization: AWS4-HMAC-SHA256 Credential=<AccessKeyId>/<Scope>, SignedHeaders=<h1;h2>, Signature=<hex>

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

const sigv4Algorithm = "AWS4-HMAC-SHA256"

// sigv4Verifier checks SigV4 signatures for one service against one backend's key pair.
type sigv4Verifier struct {
	service string // e.g. "cloudfront"
	region  string // the region the service signs for, e.g. "us-east-1"
	lookup  func(keyID string) (secret, token string, ok bool)
	maxSkew time.Duration
}

// verify returns the access key id of a correctly signed request, or the refusal AWS
// would answer with (codes as the AWS query/REST-XML services use them).
func (v *sigv4Verifier) verify(r *http.Request, body []byte, wallNow time.Time) (string, *acsError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", &acsError{403, "MissingAuthenticationToken", "Request is missing Authentication Token"}
	}
	algo, rest, _ := strings.Cut(auth, " ")
	if algo != sigv4Algorithm {
		return "", &acsError{400, "IncompleteSignature", "Unsupported signature algorithm " + algo}
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", &acsError{400, "IncompleteSignature", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'."}
		}
		fields[k] = val
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	scopeParts := strings.Split(cred, "/")
	if len(scopeParts) != 5 || signed == "" || sig == "" || scopeParts[4] != "aws4_request" {
		return "", &acsError{400, "IncompleteSignature", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'."}
	}
	keyID, date, region, service := scopeParts[0], scopeParts[1], scopeParts[2], scopeParts[3]
	secret, token, ok := v.lookup(keyID)
	if !ok {
		return "", &acsError{403, "InvalidClientTokenId", "The security token included in the request is invalid."}
	}
	if service != v.service || region != v.region {
		return "", &acsError{403, "SignatureDoesNotMatch",
			"Credential should be scoped to a valid region and service: " + v.region + "/" + v.service}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	ts, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || ts.Format("20060102") != date {
		return "", &acsError{403, "IncompleteSignature", "X-Amz-Date is missing or does not match the credential scope date."}
	}
	if d := wallNow.Sub(ts); d > v.maxSkew || d < -v.maxSkew {
		return "", &acsError{403, "SignatureDoesNotMatch", "Signature expired: " + amzDate + " is now earlier or later than the allowed skew."}
	}
	signedHeaders := strings.Split(signed, ";")
	for _, h := range []string{"host", "x-amz-date"} {
		if !slices.Contains(signedHeaders, h) {
			return "", &acsError{403, "SignatureDoesNotMatch", "Header " + h + " must be signed."}
		}
	}
	if r.Header.Get("X-Amz-Security-Token") != "" && !slices.Contains(signedHeaders, "x-amz-security-token") {
		return "", &acsError{403, "SignatureDoesNotMatch", "Header x-amz-security-token must be signed."}
	}

	payload := sha256.Sum256(body)
	hashed := hex.EncodeToString(payload[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != hashed && h != "UNSIGNED-PAYLOAD" {
		return "", &acsError{400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."}
	}
	canonical := strings.Join([]string{
		r.Method,
		canonicalURI(r),
		canonicalQuery(r.URL.RawQuery),
		sigv4CanonicalHeaders(r, signedHeaders),
		strings.Join(sortedLower(signedHeaders), ";"),
		hashed,
	}, "\n")
	digest := sha256.Sum256([]byte(canonical))
	scope := strings.Join(scopeParts[1:], "/")
	stringToSign := sigv4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(digest[:])
	key := awsHMAC([]byte("AWS4"+secret), date)
	for _, part := range []string{region, service, "aws4_request"} {
		key = awsHMAC(key, part)
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, awsHMAC(key, stringToSign)) {
		return "", &acsError{403, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."}
	}
	// Only signed requests get this far, so the check below cannot be forged.
	if token != "" && r.Header.Get("X-Amz-Security-Token") != token {
		return "", &acsError{403, "InvalidClientTokenId", "The security token included in the request is invalid."}
	}
	return keyID, nil
}

// sigv4CanonicalHeaders lists each signed header as "name:value\n", values trimmed with
// inner runs of spaces collapsed, several values joined by commas.
func sigv4CanonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, h := range sortedLower(signed) {
		var vals []string
		if h == "host" {
			vals = []string{r.Host}
		} else {
			for _, v := range r.Header.Values(h) {
				vals = append(vals, strings.Join(strings.Fields(v), " "))
			}
		}
		b.WriteString(h + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}

func awsHMAC(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
