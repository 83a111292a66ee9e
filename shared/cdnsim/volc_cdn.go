package cdnsim

// Volcengine CDN (service "cdn", API 2021-03-01): DescribeContentTasks lists refresh and
// prefetch tasks of the last 7 days one row per URL, filtered by TaskID (one id), and
// requires TaskType (refresh_file, refresh_dir, preload, refresh_regex). 20 calls/s.
// Statuses per URL: running, complete, failed; the API has no waiting state and no
// failure description. StartTime and EndTime come together or not at all, both ends
// inclusive (Unix seconds). Without a TaskID it lists the account's URLs of that TaskType
// created in the window, oldest first, PageNum/PageSize counting URLs; DomainName keeps
// URLs on that host. Listing and query by id are one action: one 20 calls/s bucket.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

var volcCDN = &volcAPI{
	service: "cdn",
	version: "2021-03-01",
	actions: map[string]volcAction{"DescribeContentTasks": cdnDescribeContentTasks},
}

func init() {
	register(profile{
		name: "volc-cdn",
		// ListQPS only records the limit: listing is the same action as the by-id query,
		// so both draw on the one QPS bucket. PageSize: no documented maximum; the
		// simulator caps at 1000, echoing it.
		limits:   Limits{IDsPerCall: 1, QPS: 20, Retention: 7 * 24 * time.Hour, ListQPS: 20, PageSize: 1000},
		firstID:  1,
		formatID: func(seq int64) string { return volcCDNTaskID("refresh_url_", seq) },
		// Ids name the submission: "refresh_url_…", "refresh_dir_…", "prefetch_url_…".
		formatTaskID: func(seq int64, t Task) string {
			prefix := map[string]string{"preload": "prefetch_url_", "refresh_dir": "refresh_dir_"}[volcTaskType(t)]
			if prefix == "" {
				prefix = "refresh_url_"
			}
			return volcCDNTaskID(prefix, seq)
		},
		handler: volcCDN.handler,
	})
}

func volcCDNTaskID(prefix string, seq int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	sum := sha256.Sum256(b[:])
	return prefix + hex.EncodeToString(sum[:24])
}

var volcCDNTaskTypes = []string{"refresh_file", "refresh_dir", "preload", "refresh_regex"}

type cdnContentTasksRequest struct {
	TaskID     string `json:"TaskID"`
	TaskType   string `json:"TaskType"`
	Status     string `json:"Status"`
	DomainName string `json:"DomainName"`
	StartTime  int64  `json:"StartTime"`
	EndTime    int64  `json:"EndTime"`
	PageNum    int64  `json:"PageNum"`
	PageSize   int64  `json:"PageSize"`
}

type cdnContentTask struct {
	TaskID        string `json:"TaskID"`
	URL           string `json:"Url"`
	Status        string `json:"Status"`
	TaskType      string `json:"TaskType"`
	CreateTime    int64  `json:"CreateTime"`
	Process       string `json:"Process"`
	Delete        bool   `json:"Delete"`
	RefreshPrefix bool   `json:"RefreshPrefix"`
	Layer         string `json:"Layer"`
	Remark        string `json:"Remark"`
}

type cdnContentTasksResult struct {
	Data     []cdnContentTask `json:"Data"`
	PageNum  int64            `json:"PageNum"`
	PageSize int64            `json:"PageSize"`
	Total    int64            `json:"Total"`
}

func cdnDescribeContentTasks(b *backend, c *volcCall) (any, *volcError) {
	var req cdnContentTasksRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.TaskType == "" {
		return nil, &volcError{400, "MissingParameter", "The request is missing TaskType parameter."}
	}
	if !slices.Contains(volcCDNTaskTypes, req.TaskType) {
		return nil, &volcError{400, "InvalidParameter", "TaskType " + req.TaskType + " is not valid."}
	}
	if (req.StartTime == 0) != (req.EndTime == 0) {
		return nil, &volcError{400, "InvalidParameter", "StartTime and EndTime must be specified together."}
	}
	res := cdnContentTasksResult{PageNum: max(req.PageNum, 1), PageSize: req.PageSize, Data: []cdnContentTask{}}
	if res.PageSize <= 0 {
		res.PageSize = 100
	}
	lim := b.currentLimits()
	res.PageSize = min(res.PageSize, int64(max(lim.PageSize, 1)))
	from, to := volcWindow(req.StartTime, req.EndTime, c.now, lim.Retention, lim.Retention)
	var tasks []Task
	if req.TaskID != "" {
		b.stats.observeIDs(1)
		tasks = b.lookup([]string{req.TaskID}, c.now)
	} else {
		tasks = b.all(c.now)
	}
	var rows []cdnContentTask
	for _, t := range tasks {
		if volcTaskType(t) != req.TaskType || t.Created.Before(from) || t.Created.After(to) || t.Created.After(c.now) {
			continue
		}
		for _, o := range t.Objects {
			if req.DomainName != "" && aliyunDomainOf(o.Path) != strings.ToLower(req.DomainName) {
				continue
			}
			row := cdnContentRow(t, o, c.now)
			if req.Status == "" || row.Status == req.Status {
				rows = append(rows, row)
			}
		}
	}
	res.Total = int64(len(rows))
	lo := min((res.PageNum-1)*res.PageSize, res.Total)
	hi := min(lo+res.PageSize, res.Total)
	res.Data = append(res.Data, rows[lo:hi]...)
	if req.TaskID == "" {
		b.stats.listCalls.Add(1)
		b.stats.listRows.Add(hi - lo)
	}
	return res, nil
}

func cdnContentRow(t Task, o Object, now time.Time) cdnContentTask {
	ph, pct := o.state(t.Created, now)
	row := cdnContentTask{TaskID: t.ID, URL: o.Path, TaskType: volcTaskType(t), CreateTime: t.Created.Unix(),
		Process: formatPercent(pct), Layer: "edge", RefreshPrefix: false}
	switch ph {
	case phasePending, phaseRunning:
		row.Status = "running" // the API has no waiting state
	case phaseComplete:
		row.Status = "complete"
	case phaseFailed:
		row.Status = "failed"
	}
	return row
}
