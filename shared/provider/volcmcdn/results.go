package volcmcdn

import (
	"context"
	"fmt"
	"strings"

	"github.com/volcengine/volcengine-go-sdk/service/mcdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"

	"cdnwatch/shared/provider"
)

// vendorResults is what DescribeContentTaskByTaskId says about one task: the vendors'
// per-URL results, and the vendor accounts MCDN could get no result from.
// (https://www.volcengine.com/docs/6766/127757: SubTasks "在云服务商平台创建的刷新或预热子
// 任务的信息列表", VendorsMetaData "多云CDN未能从云服务商平台获得子任务信息的情形下,所返回的
// 原始请求信息".) A nil *vendorResults knows nothing.
type vendorResults struct {
	byURL     map[string]vendorResult // account key + "\x00" + URL
	noResults map[string]string       // account key → why there is none
}

type vendorResult struct{ raw, desc string }

// resultsAPI is the name DescribeContentTaskByTaskId is paced and counted under. The
// action has a flow limit of its own, 30 calls/s per account
// (https://www.volcengine.com/docs/6766/127757), apart from ListContentTasks' 30/s.
const resultsAPI = "DescribeContentTaskByTaskId"

// results makes the DescribeContentTaskByTaskId call for id. Its context is marked with
// the action's own API, so the client's transport paces every attempt of it, retries
// included, on that API's pacer at this instance's share of the account's limit (the
// documented rate divided by Config.Instances), whether it is made from a poll (whose
// context says the by-id query) or from a listing; and counts it under that name.
func (d *driver) results(ctx context.Context, id string) (*vendorResults, error) {
	ctx = provider.WithAPI(ctx, provider.API{Name: resultsAPI, QPS: d.resultsQPS})
	out, err := d.svc.DescribeContentTaskByTaskIdWithContext(ctx, &mcdn.DescribeContentTaskByTaskIdInput{TaskId: volcengine.String(id)})
	if err != nil {
		return nil, fmt.Errorf("DescribeContentTaskByTaskId: %w", d.base.Error(ctx, []string{id}, err))
	}
	return newVendorResults(out), nil
}

func newVendorResults(out *mcdn.DescribeContentTaskByTaskIdOutput) *vendorResults {
	r := &vendorResults{byURL: map[string]vendorResult{}, noResults: map[string]string{}}
	for _, st := range out.SubTasks {
		if st == nil {
			continue
		}
		k := accountKey(volcengine.StringValue(st.CloudAccountId), volcengine.StringValue(st.Vendor),
			volcengine.StringValue(st.CloudAccountName)) + "\x00" + volcengine.StringValue(st.Url)
		got := vendorResult{raw: volcengine.StringValue(st.Status), desc: volcengine.StringValue(st.Description)}
		// A vendor may split one URL over several of its own tasks: the URL is as far
		// as its least finished part, and failed if any part failed.
		if prev, ok := r.byURL[k]; ok {
			got = worse(prev, got)
		}
		r.byURL[k] = got
	}
	for _, vm := range out.VendorsMetaData {
		if vm == nil {
			continue
		}
		why := volcengine.StringValue(vm.Vendor) + " " + volcengine.StringValue(vm.ProductType) +
			" reports no per-URL results to multi-cloud CDN: submitted, completion not confirmed"
		if e := vm.Error; e != nil && (volcengine.StringValue(e.Code) != "" || volcengine.StringValue(e.Detail) != "") {
			why += " (" + strings.TrimSpace(volcengine.StringValue(e.Code)+" "+volcengine.StringValue(e.Detail)) + ")"
		}
		r.noResults[volcengine.StringValue(vm.CloudAccountId)] = why
	}
	return r
}

// accountKey names a vendor account: by its id, which both calls carry, else by vendor
// and account name.
func accountKey(id, vendor, name string) string {
	if id != "" {
		return id
	}
	return vendor + "/" + name
}

func subTaskKey(st *mcdn.SubTaskForListContentTasksOutput) string {
	return accountKey(volcengine.StringValue(st.CloudAccountId), volcengine.StringValue(st.Vendor),
		volcengine.StringValue(st.CloudAccountName))
}

func (r *vendorResults) lookup(st *mcdn.SubTaskForListContentTasksOutput, url string) (vendorResult, bool) {
	if r == nil {
		return vendorResult{}, false
	}
	v, ok := r.byURL[subTaskKey(st)+"\x00"+url]
	return v, ok
}

// withoutResults: the sub-task's vendor account is one MCDN gets no results from.
func (r *vendorResults) withoutResults(st *mcdn.SubTaskForListContentTasksOutput) bool {
	if r == nil {
		return false
	}
	_, ok := r.noResults[volcengine.StringValue(st.CloudAccountId)]
	return ok
}

func (r *vendorResults) noResultReason(st *mcdn.SubTaskForListContentTasksOutput) string {
	return r.noResults[volcengine.StringValue(st.CloudAccountId)]
}

// mapVendorStatus maps a vendor result's Status. The documents list no values (the
// example answers use "success" and "failed", as SubmitStatus does), and MCDN relays
// each vendor's own result, so the words the vendors' APIs use are accepted too. An
// unknown word counts as running (known false): polling goes on rather than ending on
// a guess.
func mapVendorStatus(raw string) (provider.Status, bool) {
	switch strings.ToLower(raw) {
	case "success", "succeed", "succeeded", "complete", "completed", "done", "finished", "task_done":
		return provider.Complete, true
	case "failed", "fail", "failure", "error":
		return provider.Failed, true
	case "pending", "waiting", "queued", "submitted":
		return provider.Pending, true
	case "running", "processing", "executing", "refreshing", "preloading", "preheating", "in_progress", "inprogress":
		return provider.Running, true
	}
	return provider.Running, false
}

// worse is the less finished of two results for one URL: failed before running before
// pending before complete.
func worse(a, b vendorResult) vendorResult {
	rank := func(v vendorResult) int {
		switch s, _ := mapVendorStatus(v.raw); s {
		case provider.Failed:
			return 3
		case provider.Running:
			return 2
		case provider.Pending:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
