package cdnsim

// Volcengine multi-cloud CDN (service "mcdn", API 2022-03-01): ListContentTasks, the
// replacement of the deprecated ListContentTask (seed 003). One TaskId filter per call,
// 30 calls/s; without a valid StartTime/EndTime window the last 24 hours are searched.
// Without a TaskId it lists the account's tasks created in the window (both ends
// inclusive, Unix seconds), oldest first, Pagination {PageNum, PageSize} counting tasks,
// not URLs; an optional Domain keeps tasks with a URL on that host. Listing and query by
// id are one action, so they share the one 30 calls/s bucket.
//
// A task fans out into one sub-task per vendor account. The simulator makes each task
// object one sub-task (vendor chosen from the path, see VolcMCDNVendor) with the object's
// URL; while the task runs the sub-task has no SubmitStatus yet, then "success" (with the
// vendor's task id) or "failed" with the object's FailReason as Description. TaskStatus is
// "pending" until an object starts, "executing" while any is unfinished, then "done".

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

var volcMCDN = &volcAPI{
	service: "mcdn",
	version: "2022-03-01",
	actions: map[string]volcAction{"ListContentTasks": mcdnListContentTasks},
}

func init() {
	register(profile{
		name: "volc-mcdn",
		// ListQPS only records the limit: listing is the same action as the by-id query,
		// so both draw on the one QPS bucket. PageSize: the API documents no maximum; the
		// simulator caps at 100 silently, echoing the size used, which a client must follow.
		limits: Limits{IDsPerCall: 1, QPS: 30, Retention: 24 * time.Hour, ListQPS: 30, PageSize: 100},
		// Task ids are 24 hex digits (a MongoDB ObjectId: seconds, then a counter).
		firstID:  0x000100,
		formatID: func(seq int64) string { return fmt.Sprintf("65d2c9b6%016x", seq) },
		handler:  volcMCDN.handler,
	})
}

// mcdnVendors are vendor/account pairs the simulated account has bound.
var mcdnVendors = [][2]string{{"aliyun", "aliyun-prod"}, {"tencent", "tencent-prod"},
	{"huawei", "huawei-backup"}, {"volcengine", "volc-main"}}

// VolcMCDNVendor is the vendor and cloud account the simulator submits an object's URL
// to, so tests can predict the sub-task a failure is reported on.
func VolcMCDNVendor(path string) (vendor, account string) {
	h := fnv.New32a()
	h.Write([]byte(path))
	v := mcdnVendors[h.Sum32()%uint32(len(mcdnVendors))]
	return v[0], v[1]
}

type mcdnListRequest struct {
	TaskID     string `json:"TaskId"`
	TaskType   string `json:"TaskType"`
	TaskStatus string `json:"TaskStatus"`
	Domain     string `json:"Domain"`
	StartTime  int64  `json:"StartTime"`
	EndTime    int64  `json:"EndTime"`
	Pagination *struct {
		PageNum  int64 `json:"PageNum"`
		PageSize int64 `json:"PageSize"`
	} `json:"Pagination"`
}

type mcdnSubTask struct {
	VendorTaskIDs    []string `json:"VendorTaskIds"`
	Vendor           string   `json:"Vendor"`
	SubmitStatus     string   `json:"SubmitStatus,omitempty"`
	Description      string   `json:"Description"`
	URL              []string `json:"Url"`
	CloudAccountID   string   `json:"CloudAccountId"`
	CloudAccountName string   `json:"CloudAccountName"`
	ProductType      string   `json:"ProductType"`
	SubProduct       string   `json:"SubProduct"`
	SubmitAt         int64    `json:"SubmitAt,omitempty"`
}

type mcdnTask struct {
	TaskID     string        `json:"TaskId"`
	Vendor     string        `json:"Vendor"`
	TaskType   string        `json:"TaskType"`
	SubTasks   []mcdnSubTask `json:"SubTasks"`
	CreatedAt  int64         `json:"CreatedAt"`
	TaskStatus string        `json:"TaskStatus"`
	EndAt      int64         `json:"EndAt,omitempty"`
}

type mcdnPagination struct {
	PageSize int64 `json:"PageSize"`
	PageNum  int64 `json:"PageNum"`
	Total    int64 `json:"Total"`
}

type mcdnListResult struct {
	Tasks      []mcdnTask     `json:"Tasks"`
	Pagination mcdnPagination `json:"Pagination"`
}

func mcdnListContentTasks(b *backend, c *volcCall) (any, *volcError) {
	var req mcdnListRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	page := mcdnPagination{PageNum: 1, PageSize: 10}
	if p := req.Pagination; p != nil {
		if p.PageNum > 0 {
			page.PageNum = p.PageNum
		}
	}
	lim := b.currentLimits()
	if p := req.Pagination; p != nil && p.PageSize > 0 {
		page.PageSize = min(p.PageSize, int64(max(lim.PageSize, 1)))
	}
	from, to := volcWindow(req.StartTime, req.EndTime, c.now, lim.Retention, 24*time.Hour)
	var tasks []Task
	if req.TaskID != "" {
		b.stats.observeIDs(1)
		tasks = b.lookup([]string{req.TaskID}, c.now)
	} else {
		tasks = b.all(c.now)
	}
	var rows []mcdnTask
	for _, t := range tasks {
		row := mcdnRow(t, c.now)
		if t.Created.Before(from) || t.Created.After(to) || t.Created.After(c.now) ||
			(req.TaskType != "" && row.TaskType != req.TaskType) ||
			(req.TaskStatus != "" && row.TaskStatus != req.TaskStatus) ||
			(req.Domain != "" && !volcHasDomain(t, req.Domain)) {
			continue
		}
		rows = append(rows, row)
	}
	page.Total = int64(len(rows))
	lo := min((page.PageNum-1)*page.PageSize, page.Total)
	hi := min(lo+page.PageSize, page.Total)
	if req.TaskID == "" {
		b.stats.listCalls.Add(1)
		b.stats.listRows.Add(hi - lo)
	}
	return mcdnListResult{Tasks: append([]mcdnTask{}, rows[lo:hi]...), Pagination: page}, nil
}

func mcdnRow(t Task, now time.Time) mcdnTask {
	row := mcdnTask{TaskID: t.ID, TaskType: volcTaskType(t), CreatedAt: t.Created.Unix()}
	started, unfinished := false, false
	var end time.Time
	for _, o := range t.Objects {
		ph, _ := o.state(t.Created, now)
		vendor, account := VolcMCDNVendor(o.Path)
		st := mcdnSubTask{Vendor: vendor, CloudAccountName: account, CloudAccountID: mcdnAccountID(account),
			ProductType: "cdn", SubProduct: "cdn", URL: []string{o.Path}, VendorTaskIDs: []string{}}
		done := t.Created.Add(o.PendingFor + o.Duration)
		if done.After(end) {
			end = done
		}
		switch ph {
		case phasePending:
			unfinished = true
		case phaseRunning:
			started, unfinished = true, true
		case phaseComplete:
			started = true
			st.SubmitStatus, st.SubmitAt = "success", done.Unix()
			st.VendorTaskIDs = []string{fmt.Sprint(17_800_000_000 + done.Unix()%1_000_000)}
		case phaseFailed:
			started = true
			st.SubmitStatus, st.SubmitAt, st.Description = "failed", done.Unix(), o.FailReason
		}
		row.SubTasks = append(row.SubTasks, st)
	}
	switch {
	case !started:
		row.TaskStatus = "pending"
	case unfinished:
		row.TaskStatus = "executing"
	default:
		row.TaskStatus, row.EndAt = "done", end.Unix()
	}
	return row
}

func mcdnAccountID(account string) string {
	sum := sha256.Sum256([]byte(account))
	return hex.EncodeToString(sum[:12])
}

// volcTaskType names a task's type as Volcengine does (from its first object).
func volcTaskType(t Task) string {
	if len(t.Objects) == 0 {
		return "refresh_file"
	}
	switch t.Objects[0].Type {
	case TypePreload:
		return "preload"
	case TypeDirectory:
		return "refresh_dir"
	}
	return "refresh_file"
}

// volcHasDomain: a Domain / DomainName filter matches a task with a URL on that host.
func volcHasDomain(t Task, domain string) bool {
	for _, o := range t.Objects {
		if aliyunDomainOf(o.Path) == strings.ToLower(domain) {
			return true
		}
	}
	return false
}

// all returns every task within retention, oldest first, then by id: a total order, so
// that pages cut from it are stable while nothing is added.
func (b *backend) all(now time.Time) []Task {
	b.mu.Lock()
	ids := make([]string, 0, len(b.tasks))
	for id := range b.tasks {
		ids = append(ids, id)
	}
	b.mu.Unlock()
	out := b.lookup(ids, now)
	slices.SortFunc(out, func(x, y Task) int {
		if c := x.Created.Compare(y.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}
