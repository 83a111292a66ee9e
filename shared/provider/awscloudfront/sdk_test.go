package awscloudfront

// The official SDK's CloudFront client, test-only here, is an independent check that our
// client (client.go) and the simulator speak CloudFront's real wire format: the same
// operations through both, against the same server, must give the same answers, the
// same refusals and the same retries.

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// bothClients returns the SDK's client and ours for endpoint with the simulator's keys
// (secretKey lets a test use a wrong one), each with attempts attempts and a 1 ms backoff.
func bothClients(t *testing.T, endpoint, secretKey string, attempts int) (*cloudfront.Client, *client) {
	t.Helper()
	sdk := cloudfront.New(cloudfront.Options{Region: Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secretKey, ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts, o.MaxBackoff = attempts, time.Millisecond
		})})
	ours, _, _, err := newClient(context.Background(), provider.Config{Endpoint: endpoint,
		Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secretKey}},
		Options{MaxAttempts: attempts, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return sdk, ours
}

// fastSim is a simulator whose rate limits are out of the way: this test compares
// answers, not pacing.
func fastSim(t *testing.T) (*cdnsim.Sim, string) {
	t.Helper()
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret, Limits: map[string]cdnsim.Limits{
		Name: {QPS: 1000, ListQPS: 1000, APIs: map[string]float64{actCreate: 1000}}}})
	srv := httptest.NewServer(sim.Handler(Name))
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// invalidation is what both clients' answers say of an invalidation.
type invalidation struct {
	ID, Status, CallerReference string
	Created                     time.Time
	Quantity                    int32
	Paths                       []string
}

func fromSDK(inv *types.Invalidation) invalidation {
	if inv == nil {
		return invalidation{}
	}
	out := invalidation{ID: aws.ToString(inv.Id), Status: aws.ToString(inv.Status), Created: aws.ToTime(inv.CreateTime).UTC()}
	if b := inv.InvalidationBatch; b != nil {
		out.CallerReference = aws.ToString(b.CallerReference)
		if b.Paths != nil {
			out.Quantity, out.Paths = aws.ToInt32(b.Paths.Quantity), b.Paths.Items
		}
	}
	return out
}

func fromOurs(t *testing.T, inv *Invalidation) invalidation {
	t.Helper()
	created, err := parseTime("CreateTime", inv.CreateTime)
	if err != nil {
		t.Fatal(err)
	}
	out := invalidation{ID: inv.ID, Status: inv.Status, Created: created}
	if b := inv.InvalidationBatch; b != nil {
		out.CallerReference, out.Quantity, out.Paths = b.CallerReference, b.Paths.Quantity, b.Paths.Items
	}
	return out
}

func sameInvalidation(a, b invalidation) bool {
	return a.ID == b.ID && a.Status == b.Status && a.CallerReference == b.CallerReference && a.Created.Equal(b.Created) &&
		a.Quantity == b.Quantity && slices.Equal(a.Paths, b.Paths)
}

// refusal is what a client's error says: CloudFront's code (if it is an API error) and
// the HTTP status.
type refusal struct {
	Code   string
	Status int
}

func refusalOf(err error) refusal {
	var r refusal
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		r.Code = coded.ErrorCode()
	}
	var st interface{ HTTPStatusCode() int }
	if errors.As(err, &st) {
		r.Status = st.HTTPStatusCode()
	}
	return r
}

func TestSameAsSDK(t *testing.T) {
	sim, endpoint := fastSim(t)
	sdk, ours := bothClients(t, endpoint, secret, 4)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dist := cdnsim.CloudFrontDistributionID
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var ids []string
	for i := range 7 {
		objs := []cdnsim.Object{{Path: fmt.Sprintf("/v%d/index.html", i), Type: cdnsim.TypeFile, Duration: time.Minute},
			{Path: fmt.Sprintf("/v%d/*", i), Type: cdnsim.TypeDirectory, Duration: time.Duration(i) * 20 * time.Minute}}
		ids = append(ids, sim.AddTask(Name, cdnsim.Task{Created: base.Add(time.Duration(i) * time.Second), Objects: objs}))
	}

	t.Run("GetInvalidation", func(t *testing.T) {
		statuses := map[string]bool{}
		for _, id := range ids {
			a, err := sdk.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)})
			if err != nil {
				t.Fatalf("SDK: %v", err)
			}
			b, err := ours.GetInvalidation(ctx, dist, id)
			if err != nil {
				t.Fatalf("ours: %v", err)
			}
			want, got := fromSDK(a.Invalidation), fromOurs(t, b)
			if !sameInvalidation(want, got) || got.ID != id || len(got.Paths) != 2 || got.Created.IsZero() {
				t.Errorf("invalidation %s:\n SDK  %+v\n ours %+v", id, want, got)
			}
			statuses[got.Status] = true
		}
		if !statuses["InProgress"] || !statuses["Completed"] {
			t.Errorf("statuses seen %v, want both InProgress and Completed compared", statuses)
		}
	})

	t.Run("ListInvalidations", func(t *testing.T) {
		var sdkMarker, ourMarker string
		var listed []string
		for page := 1; ; page++ {
			in := &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist), MaxItems: aws.Int32(3)}
			if sdkMarker != "" {
				in.Marker = aws.String(sdkMarker)
			}
			a, err := sdk.ListInvalidations(ctx, in)
			if err != nil {
				t.Fatalf("SDK page %d: %v", page, err)
			}
			b, err := ours.ListInvalidations(ctx, dist, ourMarker, 3)
			if err != nil {
				t.Fatalf("ours page %d: %v", page, err)
			}
			l := a.InvalidationList
			if aws.ToBool(l.IsTruncated) != b.IsTruncated || aws.ToString(l.NextMarker) != b.NextMarker ||
				aws.ToString(l.Marker) != b.Marker || aws.ToInt32(l.MaxItems) != b.MaxItems ||
				aws.ToInt32(l.Quantity) != b.Quantity || len(l.Items) != len(b.Items) {
				t.Fatalf("page %d:\n SDK  truncated %v next %q marker %q max %d quantity %d items %d\n ours %+v", page,
					aws.ToBool(l.IsTruncated), aws.ToString(l.NextMarker), aws.ToString(l.Marker), aws.ToInt32(l.MaxItems),
					aws.ToInt32(l.Quantity), len(l.Items), b)
			}
			for i, s := range l.Items {
				o := b.Items[i]
				created, err := parseTime("CreateTime", o.CreateTime)
				if err != nil || aws.ToString(s.Id) != o.ID || aws.ToString(s.Status) != o.Status || !aws.ToTime(s.CreateTime).Equal(created) {
					t.Errorf("page %d row %d: SDK %s %s %v, ours %+v (%v)", page, i, aws.ToString(s.Id), aws.ToString(s.Status),
						aws.ToTime(s.CreateTime), o, err)
				}
				listed = append(listed, o.ID)
			}
			if !b.IsTruncated {
				break
			}
			sdkMarker, ourMarker = aws.ToString(l.NextMarker), b.NextMarker
		}
		// Newest first, every invalidation once, in three pages of at most three.
		want := slices.Clone(ids)
		slices.Reverse(want)
		if !slices.Equal(listed, want) {
			t.Errorf("listed %v, want %v", listed, want)
		}
	})

	t.Run("CreateInvalidation", func(t *testing.T) {
		paths := []string{"/a & b.html", "/<odd>/\"quoted\"'s.js", "/ünïcode/*"}
		b, err := ours.CreateInvalidation(ctx, dist, "ref-ours", paths)
		if err != nil {
			t.Fatalf("ours: %v", err)
		}
		// The same reference and paths through the SDK: CloudFront's idempotency says the
		// same invalidation, so both sent the same batch.
		a, err := sdk.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist),
			InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String("ref-ours"),
				Paths: &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}}})
		if err != nil {
			t.Fatalf("SDK: %v", err)
		}
		want, got := fromSDK(a.Invalidation), fromOurs(t, b)
		if !sameInvalidation(want, got) || !slices.Equal(got.Paths, paths) {
			t.Errorf("created:\n SDK  %+v\n ours %+v", want, got)
		}
		// And the other way round.
		a, err = sdk.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist),
			InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String("ref-sdk"),
				Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{"/sdk.js"}}}})
		if err != nil {
			t.Fatalf("SDK: %v", err)
		}
		if b, err = ours.CreateInvalidation(ctx, dist, "ref-sdk", []string{"/sdk.js"}); err != nil || b.ID != aws.ToString(a.Invalidation.Id) {
			t.Errorf("ours with the SDK's reference: %+v %v, want invalidation %s", b, err, aws.ToString(a.Invalidation.Id))
		}
		if st := sim.SubmitStats(Name); st.URLs != int64(len(paths)+1) {
			t.Errorf("the simulator took %d paths, want %d: a repeated batch created another invalidation", st.URLs, len(paths)+1)
		}
	})

	t.Run("Refusals", func(t *testing.T) {
		_, wrongKey := bothClients(t, endpoint, "not-the-secret", 1)
		sdkWrong, _ := bothClients(t, endpoint, "not-the-secret", 1)
		create := func(ref string, paths ...string) (error, error) {
			_, a := sdk.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist),
				InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String(ref),
					Paths: &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}}})
			_, b := ours.CreateInvalidation(ctx, dist, ref, paths)
			return a, b
		}
		for _, tc := range []struct {
			name string
			want refusal
			call func() (sdkErr, ourErr error)
		}{
			{"NoSuchInvalidation", refusal{"NoSuchInvalidation", 404}, func() (error, error) {
				_, a := sdk.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String("I0000000000000")})
				_, b := ours.GetInvalidation(ctx, dist, "I0000000000000")
				return a, b
			}},
			{"NoSuchDistribution", refusal{"NoSuchDistribution", 404}, func() (error, error) {
				_, a := sdk.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String("E0NONE"), Id: aws.String(ids[0])})
				_, b := ours.GetInvalidation(ctx, "E0NONE", ids[0])
				return a, b
			}},
			{"ListNoSuchDistribution", refusal{"NoSuchDistribution", 404}, func() (error, error) {
				_, a := sdk.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String("E0NONE")})
				_, b := ours.ListInvalidations(ctx, "E0NONE", "", 0)
				return a, b
			}},
			{"ListBadMarker", refusal{"InvalidArgument", 400}, func() (error, error) {
				_, a := sdk.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist), Marker: aws.String("INOSUCHMARKER")})
				_, b := ours.ListInvalidations(ctx, dist, "INOSUCHMARKER", 0)
				return a, b
			}},
			{"BatchAlreadyExists", refusal{"InvalidationBatchAlreadyExists", 409}, func() (error, error) {
				return create("ref-sdk", "/other.js")
			}},
			{"InvalidPath", refusal{"InvalidArgument", 400}, func() (error, error) {
				return create("ref-bad", "no-slash.js")
			}},
			{"WrongSecret", refusal{"SignatureDoesNotMatch", 403}, func() (error, error) {
				_, a := sdkWrong.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(ids[0])})
				_, b := wrongKey.GetInvalidation(ctx, dist, ids[0])
				return a, b
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a, b := tc.call()
				if got := refusalOf(a); got != tc.want {
					t.Fatalf("SDK: %+v (%v), want %+v: the simulator's answer changed", got, a, tc.want)
				}
				if got := refusalOf(b); got != tc.want {
					t.Errorf("ours: %+v (%v), want %+v as the SDK", got, b, tc.want)
				}
				var ae *apiError
				if !errors.As(b, &ae) || ae.RequestID == "" || ae.Message == "" || ae.Type != "Sender" {
					t.Errorf("ours: %#v, want the request id, message and type of the ErrorResponse", ae)
				}
				var exhausted *attemptsError
				if errors.As(b, &exhausted) {
					t.Errorf("ours: a refusal was retried: %v", b)
				}
			})
		}
	})
}

// TestSameRetriesAsSDK serves fixed answers (no simulator: a wire format of any kind) to
// both clients and checks that they try as often, and see the same code and status.
func TestSameRetriesAsSDK(t *testing.T) {
	xmlErr := func(code string) string {
		return `<?xml version="1.0"?><ErrorResponse xmlns="` + xmlns + `"><Error><Type>Sender</Type><Code>` + code +
			`</Code><Message>m</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`
	}
	const attempts = 3
	for _, tc := range []struct {
		name     string
		status   int
		body     string // "close" hangs up without an answer
		tries    int
		want     refusal
		attempts int // 0: attempts
	}{
		{"Throttling", 400, xmlErr("Throttling"), attempts, refusal{"Throttling", 400}, 0},
		{"ThrottlingException", 400, xmlErr("ThrottlingException"), attempts, refusal{"ThrottlingException", 400}, 0},
		{"RequestTimeout", 400, xmlErr("RequestTimeout"), attempts, refusal{"RequestTimeout", 400}, 0},
		{"ServiceUnavailable", 503, xmlErr("ServiceUnavailable"), attempts, refusal{"ServiceUnavailable", 503}, 0},
		{"GatewayHTML", 502, "<html><body>Bad Gateway</body>", attempts, refusal{"", 502}, 0},
		{"EmptyBody500", 500, "", attempts, refusal{"UnknownError", 500}, 0},
		{"TooManyRequestsText", 429, "slow down", attempts, refusal{"UnknownError", 429}, 0},
		{"UnwrappedError", 400, "<Error><Code>InvalidArgument</Code></Error>", 1, refusal{"UnknownError", 400}, 0},
		{"TooManyRequestsOtherCode", 429, xmlErr("SomethingElse"), attempts, refusal{"SomethingElse", 429}, 0},
		{"NotImplemented501", 501, xmlErr("NotImplemented"), 1, refusal{"NotImplemented", 501}, 0},
		{"AccessDenied", 403, xmlErr("AccessDenied"), 1, refusal{"AccessDenied", 403}, 0},
		{"NoSuchInvalidation", 404, xmlErr("NoSuchInvalidation"), 1, refusal{"NoSuchInvalidation", 404}, 0},
		{"LowerCaseModeledCode", 404, xmlErr("nosuchdistribution"), 1, refusal{"NoSuchDistribution", 404}, 0},
		{"UnknownCode", 400, xmlErr("InvalidIfMatchVersion"), 1, refusal{"InvalidIfMatchVersion", 400}, 0},
		{"HangUp", 0, "close", attempts, refusal{}, 0},
		// The retry quota ends a long run of retries: 500 tokens pay 35 retries at 14, and
		// 100 after throttling at 5.
		{"QuotaUnavailable", 503, xmlErr("ServiceUnavailable"), 36, refusal{"ServiceUnavailable", 503}, 200},
		{"QuotaThrottled", 400, xmlErr("Throttling"), 101, refusal{"Throttling", 400}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tc.body == "close" {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
					return
				}
				w.Header().Set("x-amz-request-id", "req-1")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			n := attempts
			if tc.attempts != 0 {
				n = tc.attempts
			}
			sdk, ours := bothClients(t, srv.URL, secret, n)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, a := sdk.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String("E1"), Id: aws.String("I1")})
			sdkCalls := calls.Swap(0)
			_, b := ours.GetInvalidation(ctx, "E1", "I1")
			ourCalls := calls.Load()
			if a == nil || b == nil {
				t.Fatalf("errors: SDK %v, ours %v", a, b)
			}
			if int(sdkCalls) != tc.tries || refusalOf(a) != tc.want {
				t.Fatalf("SDK: %d calls, %+v (%v); want %d, %+v: the expectation is wrong", sdkCalls, refusalOf(a), a, tc.tries, tc.want)
			}
			if ourCalls != sdkCalls || refusalOf(b) != refusalOf(a) {
				t.Errorf("ours: %d calls, %+v (%v); the SDK: %d, %+v", ourCalls, refusalOf(b), b, sdkCalls, refusalOf(a))
			}
			var exhausted *attemptsError
			if (tc.tries == n) != errors.As(b, &exhausted) {
				t.Errorf("ours: %v; an attemptsError exactly when retries ran out", b)
			}
		})
	}
}

// TestEncodeBatch: the batch we write by hand is the one the SDK's serializer writes
// (recorded from its request), and decodes back to what was put in, odd characters included.
func TestEncodeBatch(t *testing.T) {
	var sent []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent, _ = io.ReadAll(r.Body)
		if ct := r.Header.Get("Content-Type"); ct != "application/xml" {
			t.Errorf("SDK Content-Type %q", ct)
		}
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `<Invalidation><Id>I1</Id><Status>InProgress</Status></Invalidation>`)
	}))
	defer srv.Close()
	sdk, _ := bothClients(t, srv.URL, secret, 1)
	paths := []string{"/a & b.html", "/<odd>/\"quoted\"'s.js", "/ünïcode/*", "/tab\there", "/line\nbreak"}
	ref := `ref <&> "1"`
	if _, err := sdk.CreateInvalidation(context.Background(), &cloudfront.CreateInvalidationInput{DistributionId: aws.String("E1"),
		InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String(ref),
			Paths: &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}}}); err != nil {
		t.Fatal(err)
	}
	batch := InvalidationBatch{CallerReference: ref, Paths: Paths{Items: paths, Quantity: int32(len(paths))}}
	ours := batch.encode()
	if !bytes.Equal(bytes.TrimPrefix(ours, []byte(xml.Header)), sent) {
		t.Errorf("our batch\n %s\nthe SDK's\n %s", ours, sent)
	}
	var back InvalidationBatch
	if err := xml.Unmarshal(ours, &back); err != nil || back.CallerReference != ref || !slices.Equal(back.Paths.Items, paths) ||
		back.Paths.Quantity != int32(len(paths)) {
		t.Errorf("decoded back: %+v %v", back, err)
	}
	if !strings.Contains(string(ours), `<InvalidationBatch xmlns="`+xmlns+`">`) {
		t.Errorf("no 2020-05-31 namespace: %s", ours)
	}
}

// The retry policy's tables are the SDK's standard retryer's.
func TestRetryTables(t *testing.T) {
	same := func(name string, ours map[string]bool, sdk map[string]struct{}) {
		if len(ours) != len(sdk) {
			t.Errorf("%s: %d codes, the SDK %d", name, len(ours), len(sdk))
		}
		for c := range sdk {
			if !ours[c] {
				t.Errorf("%s: %s missing", name, c)
			}
		}
	}
	same("throttling codes", throttleCodes, retry.DefaultThrottleErrorCodes)
	same("retryable codes", retryableCodes, retry.DefaultRetryableErrorCodes)
	if len(retryableStatus) != len(retry.DefaultRetryableHTTPStatusCodes) {
		t.Errorf("retryable statuses %v, the SDK %v", retryableStatus, retry.DefaultRetryableHTTPStatusCodes)
	}
	for s := range retry.DefaultRetryableHTTPStatusCodes {
		if !retryableStatus[s] {
			t.Errorf("status %d is retried by the SDK", s)
		}
	}
	if retryTokens != retry.DefaultRetryRateTokens || throttleRetryCost != retry.DefaultThrottlingRetryCost ||
		noRetryIncrement != retry.DefaultNoRetryIncrement {
		t.Errorf("quota %d/%d/%d, the SDK %d/%d/%d", retryTokens, throttleRetryCost, noRetryIncrement,
			retry.DefaultRetryRateTokens, retry.DefaultThrottlingRetryCost, retry.DefaultNoRetryIncrement)
	}
}

// The backoff stays within the SDK's bounds: a uniform share of min(x·2^(i-1), max), x =
// 1 s after throttling, 50 ms else; and it is jittered, not fixed.
func TestRetryDelay(t *testing.T) {
	r := newRetryer(10, 2*time.Second)
	throttle := &apiError{Status: 400, Code: "Throttling"}
	other := &apiError{Status: 503, Code: "ServiceUnavailable"}
	for attempt := 1; attempt <= 6; attempt++ {
		for _, tc := range []struct {
			err  error
			base time.Duration
		}{{throttle, time.Second}, {other, 50 * time.Millisecond}} {
			limit := min(tc.base<<(attempt-1), 2*time.Second)
			seen := map[time.Duration]bool{}
			for range 50 {
				d := r.delay(attempt, tc.err)
				if d < 0 || d >= limit {
					t.Fatalf("attempt %d after %v: delay %v outside [0, %v)", attempt, tc.err, d, limit)
				}
				seen[d] = true
			}
			if len(seen) < 10 {
				t.Errorf("attempt %d: %d distinct delays in 50: no jitter", attempt, len(seen))
			}
		}
	}
}

// retryable and throttled decide as the SDK's standard retryer over the errors our
// client returns: failed sends of every kind, refusals, unreadable answers, credentials.
func TestRetryableAsSDK(t *testing.T) {
	std := retry.NewStandard()
	send := func(err error) error { return &sendError{op: "GetInvalidation", err: err} }
	urlErr := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://cloudfront.amazonaws.com/", Err: err}
	}
	for name, err := range map[string]error{
		"NXDOMAIN":            send(urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}})),
		"DNSTemporary":        send(urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", IsTemporary: true}})),
		"Refused":             send(urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")})),
		"Reset":               send(urlErr(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("read: connection reset by peer")})),
		"TLS":                 send(urlErr(errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"))),
		"ReadBroken":          send(fmt.Errorf("read the answer (HTTP 200): %w", io.ErrUnexpectedEOF)),
		"Throttling":          &apiError{Status: 400, Code: "Throttling"},
		"Throttling429":       &apiError{Status: 429, Code: "Whatever"},
		"Unavailable":         &apiError{Status: 503, Code: "ServiceUnavailable"},
		"NotImplemented":      &apiError{Status: 501, Code: "NotImplemented"},
		"RequestTimeout":      &apiError{Status: 400, Code: "RequestTimeout"},
		"NoSuchInvalidation":  &apiError{Status: 404, Code: "NoSuchInvalidation"},
		"MessageSaysReset":    &apiError{Status: 400, Code: "InvalidArgument", Message: "connection reset"},
		"Undecodable502":      &responseError{status: 502, err: errors.New("decode the error answer: EOF")},
		"Undecodable429":      &responseError{status: 429, err: errors.New("decode the error answer: EOF")},
		"Undecodable400":      &responseError{status: 400, err: errors.New("decode the error answer: EOF")},
		"NoCredentials":       &credentialsError{err: errors.New("no AWS credentials in the environment")},
		"CredentialsTimeout":  &credentialsError{err: urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("i/o timeout")})},
		"CallTimeout":         send(urlErr(callTimeout{})),
		"Exhausted":           &attemptsError{attempts: 4, err: &apiError{Status: 503, Code: "ServiceUnavailable"}},
		"JoinedQuota":         errors.Join(&apiError{Status: 400, Code: "Throttling"}, &quotaError{available: 1, requested: 5}),
		"PlainError":          errors.New("something else"),
		"DeadlineInsideError": fmt.Errorf("x: %w", context.DeadlineExceeded),
	} {
		if got, want := retryable(err), std.IsErrorRetryable(err); got != want {
			t.Errorf("%s (%v): retryable %v, the SDK %v", name, err, got, want)
		}
		if got, want := throttled(err), retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary; got != want {
			t.Errorf("%s (%v): throttled %v, the SDK %v", name, err, got, want)
		}
	}
}

// callTimeout is an attempt cut off by the transport's call timeout, as provider's
// transport reports it (a net.Error that times out).
type callTimeout struct{}

func (callTimeout) Error() string   { return "provider call timed out: no answer within 10s" }
func (callTimeout) Timeout() bool   { return true }
func (callTimeout) Temporary() bool { return true }
