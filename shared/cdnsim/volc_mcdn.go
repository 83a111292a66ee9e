package cdnsim

// Volcengine multi-cloud CDN (service "mcdn", API 2022-03-01): ListContentTasks, the
// replacement of the deprecated ListContentTask (seed 003), and
// DescribeContentTaskByTaskId. One TaskId per call, 30 calls/s for each action, each
// counted apart (the by-id query and the listing are one action, ListContentTasks, and
// share its window); without a valid StartTime/EndTime window the last 24 hours are
// searched. Without a TaskId ListContentTasks lists the account's tasks created in the
// window (both ends inclusive, Unix seconds), oldest first, Pagination {PageNum,
// PageSize} counting tasks, not URLs; an optional Domain keeps tasks with a URL on that
// host.
//
// Each API documents 30 calls/s; DescribeContentTaskByTaskId has its own window, counted
// under its name (Sim.Calls, Sim.APILimit; Limits.APIs overrides it).
//
// The sequence follows the documents (https://www.volcengine.com/docs/6766/1233067,
// https://www.volcengine.com/docs/6766/127757), not any client: MCDN first submits the
// task to every vendor account, then each vendor refreshes on its own.
//
//   - Each task object is one sub-task on the vendor account VolcMCDNVendor names. It is
//     submitted mcdnSubmitLatency after the object leaves its pending time (or at once,
//     for an object shorter than that): from then on ListContentTasks shows SubmitStatus
//     "success" and the vendor's task id. An object that fails with no running time
//     (Duration 0) was refused at submission: SubmitStatus "failed", its FailReason as
//     Description.
//   - TaskStatus is "pending" (待提交) until MCDN starts submitting (an object leaves
//     its pending time), "executing" (处理中) while some sub-task is not submitted, and
//     "done" (已结束) once all are, with EndAt the last submission. It says nothing about
//     the vendors' refreshes: a done task may still be refreshing.
//   - DescribeContentTaskByTaskId relays the vendors' own per-URL results: one SubTask
//     per submitted URL, Status "running" while the object runs, then "success" or
//     "failed" with FailReason as Description. The documents list no Status values; the
//     simulator uses SubmitStatus's words. Vendors that offer no result API (the
//     documents name Volcengine DCDN, Akamai, Google Media CDN, Azure and Cloudflare)
//     have no SubTasks there but an entry in VendorsMetaData: here, URLs on a host
//     starting with "dcdn." go to such an account (Volcengine DCDN).

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
	actions: map[string]volcAction{
		"ListContentTasks":            mcdnListContentTasks,
		"DescribeContentTaskByTaskId": mcdnDescribeContentTask,
	},
	// Each action's page documents its own limit of 30 calls/s; listing and the query
	// by id are one action (ListContentTasks) and share the service's bucket.
	ownLimits: map[string]float64{"DescribeContentTaskByTaskId": 30},
}

func init() {
	for action, qps := range volcMCDN.ownLimits {
		registerAPI("volc-mcdn", action, qps)
	}
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

// mcdnNoResults is the vendor account without a result API (Volcengine DCDN) that URLs
// on a "dcdn." host are submitted to.
var mcdnNoResults = [3]string{"volcengine", "volc-dcdn", "dcdn"}

// VolcMCDNVendor is the vendor and cloud account the simulator submits an object's URL
// to, so tests can predict the sub-task a failure is reported on.
func VolcMCDNVendor(path string) (vendor, account string) {
	if mcdnWithoutResults(path) {
		return mcdnNoResults[0], mcdnNoResults[1]
	}
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

// mcdnWithoutResults: path goes to the vendor account that reports no results.
func mcdnWithoutResults(path string) bool {
	return strings.HasPrefix(aliyunDomainOf(path), "dcdn.")
}

// mcdnSubmission is where one object's sub-task stands at now.
type mcdnSubmission struct {
	submitted bool      // the vendor was sent it (or refused it)
	refused   bool      // SubmitStatus "failed"
	at        time.Time // when it was submitted
	vendor    phase     // the vendor's progress, once submitted and accepted
}

// mcdnSubmitLatency is how long MCDN takes to submit a sub-task to its vendor: the
// time the task spends pending (待提交) and executing (处理中).
const mcdnSubmitLatency = 5 * time.Second

func mcdnSubmit(t Task, o Object, now time.Time) mcdnSubmission {
	at := t.Created.Add(o.PendingFor + min(mcdnSubmitLatency, o.Duration))
	if now.Before(at) {
		return mcdnSubmission{}
	}
	if o.FailReason != "" && o.Duration == 0 {
		return mcdnSubmission{submitted: true, refused: true, at: at}
	}
	ph, _ := o.state(t.Created, now)
	return mcdnSubmission{submitted: true, at: at, vendor: ph}
}

func mcdnVendorTaskID(at time.Time) string { return fmt.Sprint(17_800_000_000 + at.Unix()%1_000_000) }

func mcdnRow(t Task, now time.Time) mcdnTask {
	row := mcdnTask{TaskID: t.ID, TaskType: volcTaskType(t), CreatedAt: t.Created.Unix()}
	started, unsubmitted := false, false
	var end time.Time
	for _, o := range t.Objects {
		vendor, account := VolcMCDNVendor(o.Path)
		product := "cdn"
		if mcdnWithoutResults(o.Path) {
			product = mcdnNoResults[2]
		}
		st := mcdnSubTask{Vendor: vendor, CloudAccountName: account, CloudAccountID: mcdnAccountID(account),
			ProductType: product, SubProduct: product, URL: []string{o.Path}, VendorTaskIDs: []string{}}
		sub := mcdnSubmit(t, o, now)
		if !now.Before(t.Created.Add(o.PendingFor)) {
			started = true
		}
		switch {
		case !sub.submitted:
			unsubmitted = true
		case sub.refused:
			st.SubmitStatus, st.SubmitAt, st.Description = "failed", sub.at.Unix(), o.FailReason
		default:
			st.SubmitStatus, st.SubmitAt = "success", sub.at.Unix()
			st.VendorTaskIDs = []string{mcdnVendorTaskID(sub.at)}
		}
		if sub.submitted && sub.at.After(end) {
			end = sub.at
		}
		row.SubTasks = append(row.SubTasks, st)
	}
	switch {
	case !started:
		row.TaskStatus = "pending"
	case unsubmitted:
		row.TaskStatus = "executing"
	default:
		row.TaskStatus, row.EndAt = "done", end.Unix()
	}
	return row
}

type mcdnDescribeRequest struct {
	TaskID string `json:"TaskId"`
}

type mcdnURLResult struct {
	TaskID           string   `json:"TaskId"`
	TaskType         string   `json:"TaskType"`
	Vendor           string   `json:"Vendor"`
	CloudAccountID   string   `json:"CloudAccountId"`
	CloudAccountName string   `json:"CloudAccountName"`
	ProductType      string   `json:"ProductType"`
	SubProduct       string   `json:"SubProduct"`
	URL              string   `json:"Url"`
	Status           string   `json:"Status"`
	Description      string   `json:"Description"`
	VendorTaskIDs    []string `json:"VendorTaskIds"`
}

type mcdnVendorMeta struct {
	Vendor         string  `json:"Vendor"`
	CloudAccountID string  `json:"CloudAccountId"`
	ProductType    string  `json:"ProductType"`
	RequestID      string  `json:"RequestId"`
	Cost           float64 `json:"Cost"`
}

type mcdnDescribeResult struct {
	SubTasks        []mcdnURLResult  `json:"SubTasks"`
	VendorsMetaData []mcdnVendorMeta `json:"VendorsMetaData"`
}

// mcdnDescribeContentTask answers DescribeContentTaskByTaskId: TaskId is required; an id
// the account does not have (or no longer keeps) has no sub-tasks.
func mcdnDescribeContentTask(b *backend, c *volcCall) (any, *volcError) {
	var req mcdnDescribeRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.TaskID == "" {
		return nil, &volcError{400, "MissingParameter", "The request is missing TaskId parameter."}
	}
	res := mcdnDescribeResult{SubTasks: []mcdnURLResult{}, VendorsMetaData: []mcdnVendorMeta{}}
	meta := map[string]bool{}
	for _, t := range b.lookup([]string{req.TaskID}, c.now) {
		for _, o := range t.Objects {
			sub := mcdnSubmit(t, o, c.now)
			if !sub.submitted || sub.refused {
				continue // nothing at the vendor to ask about
			}
			vendor, account := VolcMCDNVendor(o.Path)
			if mcdnWithoutResults(o.Path) {
				if !meta[account] {
					meta[account] = true
					res.VendorsMetaData = append(res.VendorsMetaData, mcdnVendorMeta{Vendor: vendor,
						CloudAccountID: mcdnAccountID(account), ProductType: mcdnNoResults[2],
						RequestID: mcdnAccountID(t.ID + account)})
				}
				continue
			}
			r := mcdnURLResult{TaskID: t.ID, TaskType: volcTaskType(t), Vendor: vendor, CloudAccountID: mcdnAccountID(account),
				CloudAccountName: account, ProductType: "cdn", SubProduct: "cdn", URL: o.Path,
				VendorTaskIDs: []string{mcdnVendorTaskID(sub.at)}}
			switch sub.vendor {
			case phaseComplete:
				r.Status = "success"
			case phaseFailed:
				r.Status, r.Description = "failed", o.FailReason
			default:
				r.Status = "running"
			}
			res.SubTasks = append(res.SubTasks, r)
		}
	}
	return res, nil
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
