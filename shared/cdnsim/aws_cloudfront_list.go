package cdnsim

// CloudFront ListInvalidations (REST-XML, API 2020-05-31):
//
//	GET /2020-05-31/distribution/{DistributionId}/invalidation?Marker=…&MaxItems=…
//
// Newest first (as CloudFront documents), one InvalidationSummary (Id, CreateTime,
// Status) per invalidation, no paths. Marker is the NextMarker of the previous page: the
// Id of its last invalidation, so the next page starts after it. MaxItems defaults to
// and is capped at Limits.PageSize (100). Invalidations created after the simulator's
// now do not exist yet.

import (
	"cmp"
	"encoding/xml"
	"net/url"
	"slices"
	"strconv"
)

type cloudFrontInvalidationList struct {
	XMLName     xml.Name                    `xml:"InvalidationList"`
	Xmlns       string                      `xml:"xmlns,attr"`
	Marker      string                      `xml:"Marker"`
	NextMarker  string                      `xml:"NextMarker,omitempty"`
	MaxItems    int                         `xml:"MaxItems"`
	IsTruncated bool                        `xml:"IsTruncated"`
	Quantity    int                         `xml:"Quantity"`
	Items       []cloudFrontInvalidationSum `xml:"Items>InvalidationSummary"`
}

type cloudFrontInvalidationSum struct {
	ID         string `xml:"Id"`
	CreateTime string `xml:"CreateTime"`
	Status     string `xml:"Status"`
}

func cloudFrontList(b *backend, dist string, q url.Values) ([]byte, *acsError) {
	if !b.hasDistribution(dist) {
		return nil, &acsError{404, "NoSuchDistribution", "The specified distribution does not exist."}
	}
	lim := b.currentLimits()
	maxItems := lim.PageSize
	if s := q.Get("MaxItems"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, &acsError{400, "InvalidArgument", "MaxItems must be a positive integer."}
		}
		maxItems = min(n, lim.PageSize)
	}
	now := b.sim.Now()
	var tasks []Task
	b.mu.Lock()
	for _, t := range b.tasks {
		if cloudFrontDistribution(t) == dist && !t.Created.After(now) {
			tasks = append(tasks, t)
		}
	}
	b.mu.Unlock()
	slices.SortFunc(tasks, func(x, y Task) int {
		if c := x.Created.Compare(y.Created); c != 0 {
			return -c
		}
		return -cmp.Compare(x.ID, y.ID)
	})
	start := 0
	marker := q.Get("Marker")
	if marker != "" {
		i := slices.IndexFunc(tasks, func(t Task) bool { return t.ID == marker })
		if i < 0 {
			return nil, &acsError{400, "InvalidArgument", "The Marker does not name an invalidation of this distribution."}
		}
		start = i + 1
	}
	end := min(start+maxItems, len(tasks))
	list := cloudFrontInvalidationList{Xmlns: cloudFrontXMLNS, Marker: marker, MaxItems: maxItems,
		IsTruncated: end < len(tasks), Quantity: end - start}
	for _, t := range tasks[start:end] {
		list.Items = append(list.Items, cloudFrontInvalidationSum{ID: t.ID,
			CreateTime: t.Created.UTC().Format("2006-01-02T15:04:05.000Z"), Status: cloudFrontStatus(t, now)})
	}
	if list.IsTruncated {
		list.NextMarker = tasks[end-1].ID
	}
	buf, err := xml.Marshal(list)
	if err != nil {
		return nil, &acsError{500, "InternalError", "encoding failed"}
	}
	b.stats.listCalls.Add(1)
	b.stats.listRows.Add(int64(end - start))
	return buf, nil
}
