package cdnsim

// AWS CloudFront GetInvalidation (REST-XML, API 2020-05-31), signed with SigV4 for
// service "cloudfront" in us-east-1:
//
//	GET /2020-05-31/distribution/{DistributionId}/invalidation/{Id}
//
// One id per call (it is in the path). CloudFront documents no call rate for
// GetInvalidation (only CreateInvalidation's, about 0.5/s); the simulator enforces the
// conservative 5 calls/s the driver paces itself at. Retention is not documented either:
// invalidations never expire here.
//
// An invalidation is InProgress until every path is done, then Completed. CloudFront has
// no failed state, so a path scripted to fail (Object.FailReason) never completes: the
// invalidation stays InProgress, and only the watch's timeout can end it.

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	cloudFrontXMLNS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
	// CloudFrontDistributionID is the distribution tasks belong to when their Scope
	// names none.
	CloudFrontDistributionID = "E2SIMULATED0001"
)

type cloudFrontInvalidation struct {
	XMLName           xml.Name `xml:"Invalidation"`
	Xmlns             string   `xml:"xmlns,attr"`
	ID                string   `xml:"Id"`
	Status            string   `xml:"Status"`
	CreateTime        string   `xml:"CreateTime"`
	InvalidationBatch struct {
		Paths struct {
			Quantity int      `xml:"Quantity"`
			Items    []string `xml:"Items>Path"`
		} `xml:"Paths"`
		CallerReference string `xml:"CallerReference"`
	} `xml:"InvalidationBatch"`
}

type cloudFrontErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func cloudFrontHandler(b *backend) http.Handler {
	v := &sigv4Verifier{service: "cloudfront", region: "us-east-1", lookup: b.credentials, maxSkew: 15 * time.Minute}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveCloudFront(b, v, w, r) })
}

func serveCloudFront(b *backend, v *sigv4Verifier, w http.ResponseWriter, r *http.Request) {
	b.stats.calls.Add(1)
	reqID := newRequestID()
	fail := func(e *acsError, throttled bool) {
		b.stats.refused(throttled)
		b.log.Debug("refused", "requestId", reqID, "status", e.Status, "code", e.Code)
		writeCloudFrontError(w, reqID, e)
	}
	if !b.pause(r.Context()) {
		return
	}
	switch b.faults.next() {
	case faultThrottle:
		// An injected throttle as a gateway answers it; the API's own is a 400 (below).
		fail(&acsError{429, "Throttling", "Rate exceeded"}, true)
		return
	case fault5xx:
		fail(&acsError{503, "ServiceUnavailable", "CloudFront encountered an internal error. Please try again."}, false)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(&acsError{400, "InvalidArgument", "The request body could not be read."}, false)
		return
	}
	keyID, aerr := v.verify(r, body, time.Now())
	if aerr != nil {
		b.stats.sigFailures.Add(1)
		fail(aerr, false)
		return
	}
	// /2020-05-31/distribution/{DistributionId}/invalidation: ListInvalidations, with
	// its own bucket (aws_cloudfront_list.go).
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if r.Method == http.MethodPost { // CreateInvalidation: aws_cloudfront_submit.go
		cloudFrontCreate(b, keyID, parts, body, reqID, w, fail)
		return
	}
	if r.Method == http.MethodGet && len(parts) == 4 && parts[0] == "2020-05-31" && parts[1] == "distribution" &&
		parts[2] != "" && parts[3] == "invalidation" {
		if !b.allowList(keyID) {
			fail(&acsError{400, "Throttling", "Rate exceeded"}, true)
			return
		}
		buf, aerr := cloudFrontList(b, parts[2], r.URL.Query())
		if aerr != nil {
			fail(aerr, false)
			return
		}
		b.stats.answered(http.StatusOK)
		writeXML(w, http.StatusOK, reqID, buf)
		return
	}
	if !b.allow(keyID) {
		fail(&acsError{400, "Throttling", "Rate exceeded"}, true)
		return
	}
	// /2020-05-31/distribution/{DistributionId}/invalidation/{Id}
	if r.Method != http.MethodGet || len(parts) != 5 || parts[0] != "2020-05-31" || parts[1] != "distribution" ||
		parts[3] != "invalidation" || parts[2] == "" || parts[4] == "" {
		fail(&acsError{404, "InvalidAction", "The action or operation requested is not valid: " + r.Method + " " + r.URL.Path}, false)
		return
	}
	dist, id := parts[2], parts[4]
	b.stats.observeIDs(1)
	now := b.sim.Now()
	if !b.hasDistribution(dist) {
		fail(&acsError{404, "NoSuchDistribution", "The specified distribution does not exist."}, false)
		return
	}
	tasks := b.lookup([]string{id}, now)
	if len(tasks) == 0 || cloudFrontDistribution(tasks[0]) != dist {
		fail(&acsError{404, "NoSuchInvalidation", "The specified invalidation does not exist."}, false)
		return
	}
	t := tasks[0]
	inv := cloudFrontInvalidation{Xmlns: cloudFrontXMLNS, ID: t.ID, Status: cloudFrontStatus(t, now),
		CreateTime: t.Created.UTC().Format("2006-01-02T15:04:05.000Z")}
	for _, o := range t.Objects {
		inv.InvalidationBatch.Paths.Items = append(inv.InvalidationBatch.Paths.Items, o.Path)
	}
	inv.InvalidationBatch.Paths.Quantity = len(t.Objects)
	inv.InvalidationBatch.CallerReference = "cdnsim-" + t.ID
	buf, err := xml.Marshal(inv)
	if err != nil {
		fail(&acsError{500, "InternalError", "encoding failed"}, false)
		return
	}
	b.stats.answered(http.StatusOK)
	writeXML(w, http.StatusOK, reqID, buf)
}

// cloudFrontStatus is the one status of the whole invalidation.
func cloudFrontStatus(t Task, now time.Time) string {
	for _, o := range t.Objects {
		if ph, _ := o.state(t.Created, now); ph != phaseComplete {
			return "InProgress" // pending, running, or scripted to fail: never completes
		}
	}
	return "Completed"
}

func cloudFrontDistribution(t Task) string {
	if d := t.Scope["distributionId"]; d != "" {
		return d
	}
	return CloudFrontDistributionID
}

// hasDistribution: the default distribution, and any a task was placed in.
func (b *backend) hasDistribution(dist string) bool {
	if dist == CloudFrontDistributionID {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range b.tasks {
		if t.Scope["distributionId"] == dist {
			return true
		}
	}
	return false
}

func writeCloudFrontError(w http.ResponseWriter, reqID string, e *acsError) {
	var er cloudFrontErrorResponse
	er.Xmlns = cloudFrontXMLNS
	er.Error.Type = "Sender"
	if e.Status >= 500 {
		er.Error.Type = "Receiver"
	}
	er.Error.Code, er.Error.Message, er.RequestID = e.Code, e.Message, reqID
	buf, _ := xml.Marshal(er)
	writeXML(w, e.Status, reqID, buf)
}

func writeXML(w http.ResponseWriter, status int, reqID string, buf []byte) {
	buf = append([]byte(xml.Header), buf...)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amz-request-id", reqID)
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// cloudFrontID formats invalidation ids as CloudFront does: 14 upper-case letters and
// digits starting with I.
func cloudFrontID(seq int64) string {
	return fmt.Sprintf("I%013s", strings.ToUpper(strconv.FormatInt(seq, 36)))
}

func init() {
	register(profile{
		name: "aws-cloudfront",
		// ListInvalidations: no documented rate either; the same conservative 5 calls/s,
		// in its own bucket. MaxItems above 100 is served as 100 (echoed in MaxItems).
		limits:   Limits{IDsPerCall: 1, QPS: 5, Retention: 0, ListQPS: 5, PageSize: 100},
		firstID:  1_000_000_000_000,
		formatID: cloudFrontID,
		handler:  cloudFrontHandler,
	})
}
