package cdnsim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CloudFront CreateInvalidation (2020-05-31):
//
//	POST /2020-05-31/distribution/{DistributionId}/invalidation
//	<InvalidationBatch><Paths><Quantity>n</Quantity><Items><Path>/a</Path>…</Items></Paths>
//	<CallerReference>ref</CallerReference></InvalidationBatch>
//
// answered 201 Created with a Location header and the Invalidation. As documented
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html):
// the same CallerReference with the same batch returns the invalidation created first;
// with another batch it is InvalidationBatchAlreadyExists (409). Paths start with "/";
// at most 3,000 file paths and 15 wildcard paths in progress per distribution
// (TooManyInvalidationsInProgress, 400); Quantity must match the items
// (InconsistentQuantities, 400). Rate: about 0.5 calls/s (the limit AWS tooling meets;
// not documented), Throttling (400) beyond.

const cloudFrontCreateQPS = 0.5

func init() { registerAPI("aws-cloudfront", "CreateInvalidation", cloudFrontCreateQPS) }

type cloudFrontBatch struct {
	XMLName xml.Name `xml:"InvalidationBatch"`
	Paths   struct {
		Quantity int      `xml:"Quantity"`
		Items    []string `xml:"Items>Path"`
	} `xml:"Paths"`
	CallerReference string `xml:"CallerReference"`
}

func cloudFrontCreate(b *backend, keyID string, parts []string, body []byte, reqID string, w http.ResponseWriter, fail func(*acsError, bool)) {
	if len(parts) != 4 || parts[0] != "2020-05-31" || parts[1] != "distribution" || parts[2] == "" || parts[3] != "invalidation" {
		fail(&acsError{404, "InvalidAction", "The action or operation requested is not valid."}, false)
		return
	}
	b.submitCalled("CreateInvalidation")
	if !b.allowSubmit("CreateInvalidation", keyID) {
		fail(&acsError{400, "Throttling", "Rate exceeded"}, true)
		return
	}
	dist := parts[2]
	if !b.hasDistribution(dist) {
		fail(&acsError{404, "NoSuchDistribution", "The specified distribution does not exist."}, false)
		return
	}
	var batch cloudFrontBatch
	if err := xml.Unmarshal(body, &batch); err != nil || batch.CallerReference == "" {
		fail(&acsError{400, "MalformedInput", "Invalid XML document, or no CallerReference."}, false)
		return
	}
	if batch.Paths.Quantity != len(batch.Paths.Items) || len(batch.Paths.Items) == 0 {
		fail(&acsError{400, "InconsistentQuantities", "Your request contains one or more invalid invalidation paths."}, false)
		return
	}
	files, wild := 0, 0
	for _, p := range batch.Paths.Items {
		if !strings.HasPrefix(p, "/") {
			fail(&acsError{400, "InvalidArgument", "Your request contains one or more invalid invalidation paths."}, false)
			return
		}
		if strings.HasSuffix(p, "*") {
			wild++
		} else {
			files++
		}
	}
	h := sha256.Sum256([]byte(strings.Join(batch.Paths.Items, "\n")))
	digest := hex.EncodeToString(h[:])
	key := dist + "\x00" + batch.CallerReference
	st := &b.submit
	st.mu.Lock()
	if st.refs == nil {
		st.refs = map[string][2]string{}
	}
	prev, seen := st.refs[key]
	st.mu.Unlock()
	now := b.sim.Now()
	if seen {
		if prev[1] != digest {
			fail(&acsError{409, "InvalidationBatchAlreadyExists", "The CallerReference you are using to create an invalidation batch has been used already with a different batch."}, false)
			return
		}
		cloudFrontCreated(b, w, reqID, dist, prev[0], now)
		return
	}
	busyFiles, busyWild := b.cloudFrontInProgress(dist, now)
	if busyFiles+files > 3000 || busyWild+wild > 15 {
		fail(&acsError{400, "TooManyInvalidationsInProgress", "Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations or in-progress file invalidations."}, false)
		return
	}
	ids := b.createTasks([][]string{batch.Paths.Items}, KindRefresh, map[string]string{"distributionId": dist})
	st.mu.Lock()
	st.refs[key] = [2]string{ids[0], digest}
	st.mu.Unlock()
	if b.loseAnswer() {
		fail(&acsError{503, "ServiceUnavailable", "CloudFront encountered an internal error. Please try again."}, false)
		return
	}
	cloudFrontCreated(b, w, reqID, dist, ids[0], now)
}

func cloudFrontCreated(b *backend, w http.ResponseWriter, reqID, dist, id string, now time.Time) {
	t, _ := b.sim.Task(b.prof.name, id)
	inv := cloudFrontInvalidation{Xmlns: cloudFrontXMLNS, ID: id, Status: cloudFrontStatus(t, now),
		CreateTime: t.Created.UTC().Format("2006-01-02T15:04:05.000Z")}
	for _, o := range t.Objects {
		inv.InvalidationBatch.Paths.Items = append(inv.InvalidationBatch.Paths.Items, o.Path)
	}
	inv.InvalidationBatch.Paths.Quantity = len(t.Objects)
	buf, err := xml.Marshal(inv)
	if err != nil {
		return
	}
	b.stats.answered(http.StatusCreated)
	w.Header().Set("Location", fmt.Sprintf("https://cloudfront.amazonaws.com/2020-05-31/distribution/%s/invalidation/%s", dist, id))
	writeXML(w, http.StatusCreated, reqID, buf)
}

// cloudFrontInProgress counts the file and wildcard paths of dist's invalidations still
// in progress.
func (b *backend) cloudFrontInProgress(dist string, now time.Time) (files, wild int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range b.tasks {
		if cloudFrontDistribution(t) != dist || cloudFrontStatus(t, now) != "InProgress" {
			continue
		}
		for _, o := range t.Objects {
			if strings.HasSuffix(o.Path, "*") {
				wild++
			} else {
				files++
			}
		}
	}
	return files, wild
}
