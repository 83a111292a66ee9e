package cdnsim

// Listing of refresh and prefetch tasks by time, Aliyun style: CDN DescribeRefreshTasks
// (API 2018-05-10). Field names follow the official SDK's response model
// (cdn-20180510/v9 DescribeRefreshTasksResponseBody: PageNumber, PageSize, TotalCount,
// RequestId, Tasks.CDNTask[]); errors and limits follow Aliyun's API documentation
// (the CDN API reference of DescribeRefreshTasks and its error table): StartTime and EndTime together, ObjectType
// required with DomainName or Status, page size at most 50, tasks of the last 3 days,
// 5 calls/s in its own bucket.

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// aliyunListActions are the listing actions; serve counts them against Limits.ListQPS.
var aliyunListActions = map[string]bool{
	"DescribeRefreshTasks":     true,
	"DescribeDcdnRefreshTasks": true, // aliyun_dcdn.go
}

// aliyunListObjectTypes are the ObjectType values DescribeRefreshTasks accepts.
var aliyunListObjectTypes = []string{"file", "directory", "regex", "preload"}

// dcdnListObjectTypes are the ObjectType values DescribeDcdnRefreshTasks accepts (its
// SDK model, dcdn-20180115/v3: file, directory, preload; no regex).
var dcdnListObjectTypes = []string{"file", "directory", "preload"}

// aliyunListStatuses are the Status filter values (the documented three, plus Pending,
// which DescribeRefreshTaskById reports).
var aliyunListStatuses = []string{"Complete", "Refreshing", "Failed", "Pending"}

const (
	aliyunDefaultPageSize = 20
	aliyunMaxPageNumber   = 100000
	aliyunTimeLayout      = "2006-01-02T15:04:05Z"
)

type aliyunCDNTasks struct {
	CDNTask []aliyunRefreshRow `json:"CDNTask"`
}

type aliyunListResponse struct {
	PageNumber int64          `json:"PageNumber"`
	PageSize   int64          `json:"PageSize"`
	TotalCount int64          `json:"TotalCount"`
	RequestID  string         `json:"RequestId"`
	Tasks      aliyunCDNTasks `json:"Tasks"`
}

// aliyunListFilter is a parsed DescribeRefreshTasks request.
type aliyunListFilter struct {
	from, to             time.Time // inclusive both ends (the documentation does not say; this is the cautious reading)
	domain, typ, status  string
	taskID, objectPath   string
	pageNumber, pageSize int
}

func parseAliyunListFilter(p url.Values, now time.Time, lim Limits, types []string) (aliyunListFilter, *acsError) {
	f := aliyunListFilter{
		domain: strings.TrimSpace(p.Get("DomainName")), typ: strings.TrimSpace(p.Get("ObjectType")),
		status: strings.TrimSpace(p.Get("Status")), taskID: strings.TrimSpace(p.Get("TaskId")),
		objectPath: strings.TrimSpace(p.Get("ObjectPath")),
		pageNumber: 1, pageSize: aliyunDefaultPageSize,
	}
	start, end := p.Get("StartTime"), p.Get("EndTime")
	switch {
	case start == "" && end == "":
		// Documented default: the last 3 days.
		f.from, f.to = now.Add(-lim.Retention), now
	case start == "" || end == "":
		return f, &acsError{400, "MissingTimeParameter", "The StartTime and EndTime must be both specified."}
	default:
		var err error
		if f.from, err = time.Parse(aliyunTimeLayout, start); err != nil {
			return f, &acsError{400, "InvalidStartTime.Malformed", "The specified StartTime is invalid."}
		}
		if f.to, err = time.Parse(aliyunTimeLayout, end); err != nil {
			return f, &acsError{400, "InvalidEndTime.Malformed", "The specified EndTime is invalid."}
		}
		if f.to.Before(f.from) {
			return f, &acsError{400, "InvalidEndTime.Mismatch", "The specified EndTime is earlier than the StartTime."}
		}
		if f.from.Before(now.Add(-lim.Retention)) {
			return f, &acsError{400, "InvalidTime", "The query time cannot exceed the last 3 days."}
		}
	}
	if (f.domain != "" || f.status != "") && f.typ == "" {
		return f, &acsError{400, "MissingParameter.ObjectType",
			"The ObjectType parameter is required if DomainName or ObjectType is specified."}
	}
	if f.typ != "" && !slices.Contains(types, f.typ) {
		return f, &acsError{400, "InvalidObjectType.ValueNotSupported", "The specified ObjectType is not supported."}
	}
	if f.status != "" && !slices.Contains(aliyunListStatuses, f.status) {
		return f, &acsError{400, "InvalidStatus.ValueNotSupported", "The specified Status is not supported."}
	}
	if strings.Contains(f.domain, ",") {
		return f, &acsError{400, "InvalidParameters", "Only one DomainName may be specified in each call."}
	}
	num := func(name string, dst *int, max int) *acsError {
		s := strings.TrimSpace(p.Get(name))
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > max {
			return &acsError{400, "InvalidParameters", fmt.Sprintf("The specified %s is invalid: want 1 to %d.", name, max)}
		}
		*dst = n
		return nil
	}
	if e := num("PageNumber", &f.pageNumber, aliyunMaxPageNumber); e != nil {
		return f, e
	}
	if e := num("PageSize", &f.pageSize, lim.PageSize); e != nil {
		return f, e
	}
	return f, nil
}

// aliyunListRefreshTasks answers CDN's DescribeRefreshTasks (rows in Tasks.CDNTask[]).
func aliyunListRefreshTasks(b *backend, c *aliyunCall) (any, *acsError) {
	page, aerr := aliyunListPage(b, c, aliyunListObjectTypes)
	if aerr != nil {
		return nil, aerr
	}
	return aliyunListResponse{PageNumber: page.number, PageSize: page.size, TotalCount: page.total,
		RequestID: c.requestID, Tasks: aliyunCDNTasks{CDNTask: page.rows}}, nil
}

// dcdnListTasks and dcdnListResponse are DescribeDcdnRefreshTasks's answer: CDN's, but
// the rows are in Tasks.Task[] (dcdn-20180115/v3 DescribeDcdnRefreshTasksResponseBody).
type dcdnListTasks struct {
	Task []aliyunRefreshRow `json:"Task"`
}

type dcdnListResponse struct {
	PageNumber int64         `json:"PageNumber"`
	PageSize   int64         `json:"PageSize"`
	TotalCount int64         `json:"TotalCount"`
	RequestID  string        `json:"RequestId"`
	Tasks      dcdnListTasks `json:"Tasks"`
}

// dcdnListRefreshTasks answers DCDN's DescribeDcdnRefreshTasks.
func dcdnListRefreshTasks(b *backend, c *aliyunCall) (any, *acsError) {
	page, aerr := aliyunListPage(b, c, dcdnListObjectTypes)
	if aerr != nil {
		return nil, aerr
	}
	return dcdnListResponse{PageNumber: page.number, PageSize: page.size, TotalCount: page.total,
		RequestID: c.requestID, Tasks: dcdnListTasks{Task: page.rows}}, nil
}

// aliyunPage is one page of a refresh-task listing, in either product's envelope.
type aliyunPage struct {
	number, size, total int64
	rows                []aliyunRefreshRow
}

// aliyunListPage is the listing CDN and DCDN share: one row per object of every task
// created in the range (tasks "created" after the simulator's now do not exist yet),
// newest first, then by task id and path, so pages are stable while nothing is added.
func aliyunListPage(b *backend, c *aliyunCall, types []string) (aliyunPage, *acsError) {
	lim := b.currentLimits()
	f, aerr := parseAliyunListFilter(c.params, c.now, lim, types)
	if aerr != nil {
		return aliyunPage{}, aerr
	}
	type row struct {
		t Task
		o Object
	}
	var rows []row
	b.mu.Lock()
	for _, t := range b.tasks {
		if t.Created.Before(f.from) || t.Created.After(f.to) || t.Created.After(c.now) ||
			t.Created.Before(c.now.Add(-lim.Retention)) {
			continue
		}
		if f.taskID != "" && t.ID != f.taskID {
			continue
		}
		for _, o := range t.Objects {
			if f.typ != "" && o.Type != f.typ {
				continue
			}
			if f.domain != "" && aliyunDomainOf(o.Path) != f.domain {
				continue
			}
			if f.objectPath != "" && o.Path != f.objectPath {
				continue
			}
			rows = append(rows, row{t, o})
		}
	}
	b.mu.Unlock()
	if f.status != "" {
		rows = slices.DeleteFunc(rows, func(r row) bool { return aliyunRow(r.t, r.o, c.now).Status != f.status })
	}
	slices.SortFunc(rows, func(x, y row) int {
		if c := x.t.Created.Compare(y.t.Created); c != 0 {
			return -c
		}
		if c := cmp.Compare(len(x.t.ID), len(y.t.ID)); c != 0 { // numeric ids: longer is larger
			return -c
		}
		if c := strings.Compare(x.t.ID, y.t.ID); c != 0 {
			return -c
		}
		return strings.Compare(x.o.Path, y.o.Path)
	})
	page := aliyunPage{number: int64(f.pageNumber), size: int64(f.pageSize), total: int64(len(rows)),
		rows: []aliyunRefreshRow{}}
	lo := min((f.pageNumber-1)*f.pageSize, len(rows))
	hi := min(lo+f.pageSize, len(rows))
	for _, r := range rows[lo:hi] {
		page.rows = append(page.rows, aliyunRow(r.t, r.o, c.now))
	}
	b.stats.listCalls.Add(1)
	b.stats.listRows.Add(int64(hi - lo))
	return page, nil
}

// aliyunDomainOf is the host of an object path ("https://static.example.com/a.js" →
// "static.example.com"); a path without a scheme is taken to start with the host.
func aliyunDomainOf(path string) string {
	if i := strings.Index(path, "://"); i >= 0 {
		path = path[i+3:]
	}
	if i := strings.IndexAny(path, "/?#"); i >= 0 {
		path = path[:i]
	}
	if h, _, ok := strings.Cut(path, ":"); ok {
		path = h
	}
	return strings.ToLower(path)
}
