// Package volcmcdn is the "volc-mcdn" driver: Volcengine multi-cloud CDN's
// ListContentTasks (API 2022-03-01; the replacement of the deprecated ListContentTask,
// seed 003) and DescribeContentTaskByTaskId, through the official SDK
// github.com/volcengine/volcengine-go-sdk/service/mcdn. Import it for its side effect:
//
//	import _ "cdnwatch/shared/provider/volcmcdn"
//
// A multi-cloud task fans out into one sub-task per vendor account. What the two calls
// say (https://www.volcengine.com/docs/6766/1233067 and .../6766/127757):
//
//   - ListContentTasks' TaskStatus is where MCDN's own work is: pending (待提交, not yet
//     submitted), executing (处理中), done (已结束). Each sub-task's SubmitStatus
//     ("success" / "failed", with Description) says whether that vendor account
//     accepted the submission. "done" therefore means every vendor was sent the task,
//     not that any vendor finished refreshing it.
//   - DescribeContentTaskByTaskId asks the vendors: for refresh and preload tasks MCDN
//     calls each vendor's own result API and returns one SubTask per vendor account and
//     URL, with the vendor's Status and Description. Vendors without such an API
//     (Volcengine DCDN, Akamai AMD/DSA, Google Media CDN, Azure CDN, Cloudflare CDN)
//     appear in VendorsMetaData instead, with no per-URL result.
//
// So a URL is complete only when the task is done, its sub-task was submitted, and the
// vendor's per-URL Status says it succeeded; a failed submission or a failed vendor
// result is a failed object whose reason is "<vendor>/<account>: <Description>"; a URL
// on a vendor that reports no results is unknown (it was submitted, and nobody can say
// whether it took effect). DescribeContentTaskByTaskId is called only once a task is
// done and something was submitted: before that ListContentTasks says all there is.
package volcmcdn

import (
	"context"
	"fmt"
	"time"

	"github.com/volcengine/volcengine-go-sdk/service/mcdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/volc"
)

// Name is the provider id.
const Name = "volc-mcdn"

// queryWindow is how far back the StartTime/EndTime window reaches. The API documents
// only its default (the last 24 hours, also used for an invalid window); a wider window
// costs nothing and finds older tasks if the API keeps them.
const queryWindow = 7 * 24 * time.Hour

func init() { provider.Register(Name, Open) }

// Open opens the driver. Credentials come from cfg.Credentials, else VOLCENGINE_ACCESS_KEY
// / VOLCENGINE_SECRET_KEY (/ VOLCENGINE_SESSION_TOKEN), else the SDK's default chain.
func Open(ctx context.Context, cfg provider.Config) (provider.Driver, error) {
	return open(ctx, cfg, volc.Options{})
}

func open(_ context.Context, cfg provider.Config, o volc.Options) (*driver, error) {
	base, err := volc.New(Name, cfg, o)
	if err != nil {
		return nil, err
	}
	// The SDK client is safe for concurrent use: every call builds its own request.
	return &driver{base: base, svc: mcdn.New(base.Clients), now: time.Now, resultsQPS: qps,
		submit: submitClient{account: cfg.Scope[ScopeCloudAccount]}}, nil
}

type driver struct {
	base *volc.Base
	svc  *mcdn.MCDN
	now  func() time.Time
	// resultsQPS is the documented account-wide rate of DescribeContentTaskByTaskId the
	// results calls are marked with (see resultsAPI); tests against a simulator with a
	// lifted limit lift it too.
	resultsQPS float64
	// submit is the submit API's client (submit.go); scope its cloud account, if any.
	submit submitClient
}

// qps is the documented limit of each action: 30 calls/s per account.
const qps = 30

func (d *driver) Name() string { return Name }

// Limits: one TaskId filter per call, 30 calls/s; retention as documented (the default
// window of the last 24 hours).
func (d *driver) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 1, QPS: qps, Retention: 24 * time.Hour}
}

// CheckID accepts multi-cloud CDN task ids: 24 lower-case hex digits.
func (d *driver) CheckID(id string) error {
	if len(id) != 24 {
		return fmt.Errorf("task id %q is malformed: multi-cloud CDN task ids are 24 hex digits", id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("task id %q is malformed: multi-cloud CDN task ids are 24 hex digits", id)
		}
	}
	return nil
}

// Describe makes one ListContentTasks call for one id, and one
// DescribeContentTaskByTaskId call when the task is done and was submitted somewhere.
func (d *driver) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	if len(ids) != 1 {
		return nil, fmt.Errorf("%s: one task id per call, got %d", Name, len(ids))
	}
	now := d.now()
	in := &mcdn.ListContentTasksInput{
		TaskId:     volcengine.String(ids[0]),
		StartTime:  volcengine.Int64(now.Add(-queryWindow).Unix()),
		EndTime:    volcengine.Int64(now.Add(10 * time.Minute).Unix()), // clock skew
		Pagination: &mcdn.PaginationForListContentTasksInput{PageNum: volcengine.Int64(1), PageSize: volcengine.Int64(10)},
	}
	out, err := d.svc.ListContentTasksWithContext(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("ListContentTasks: %w", d.base.Error(ctx, ids, err))
	}
	var objs []provider.Object
	for _, t := range out.Tasks {
		// The filter is exact, but a stray row must not be credited to our id.
		if t != nil && volcengine.StringValue(t.TaskId) == ids[0] {
			rows, err := d.objects(ctx, t)
			if err != nil {
				return nil, err
			}
			objs = append(objs, rows...)
		}
	}
	return objs, nil
}

// objects turns a task into one object per (sub-task, URL), asking the vendors'
// results (results) when the task is done and was submitted somewhere.
func (d *driver) objects(ctx context.Context, t *mcdn.TaskForListContentTasksOutput) ([]provider.Object, error) {
	raw := volcengine.StringValue(t.TaskStatus)
	base := provider.Object{
		TaskID:  volcengine.StringValue(t.TaskId),
		Type:    volcengine.StringValue(t.TaskType),
		Created: time.Unix(volcengine.Int64Value(t.CreatedAt), 0).UTC(),
	}
	taskStatus, known := mapTaskStatus(raw)
	if !known {
		d.base.Log.WarnContext(ctx, "undocumented task status, treated as running", "provider", Name, "status", raw)
	}
	if len(t.SubTasks) == 0 {
		// Not fanned out yet (or nothing to fan out to): the task itself is the row.
		o := base
		o.Status, o.RawStatus = taskStatus, raw
		return []provider.Object{o}, nil
	}
	var res *vendorResults
	if taskStatus == provider.Complete && anySubmitted(t.SubTasks) {
		var err error
		switch res, err = d.results(ctx, base.TaskID); provider.KindOf(err) {
		case provider.KindOther:
			if err != nil {
				return nil, err
			}
		case provider.KindInvalidID, provider.KindBadRequest:
			// ListContentTasks knows the task, so this refusal says nothing about it:
			// its submitted URLs stay running (no results yet) and the watch goes on,
			// until its timeout at most.
			d.base.Log.WarnContext(ctx, "DescribeContentTaskByTaskId refused a task ListContentTasks knows; no vendor results this time",
				"provider", Name, "task", base.TaskID, "err", err)
			res = nil
		default:
			return nil, err // auth (the key may lack this action), throttling, outages
		}
	}
	var out []provider.Object
	for _, st := range t.SubTasks {
		if st == nil {
			continue
		}
		urls := volcengine.StringValueSlice(st.Url)
		if len(urls) == 0 {
			urls = []string{""}
		}
		for _, u := range urls {
			o := base
			o.Path = u
			o.Status, o.RawStatus, o.Reason = urlStatus(ctx, d, raw, taskStatus, st, u, res)
			out = append(out, o)
		}
	}
	return out, nil
}

// mapTaskStatus maps TaskStatus. known is false for an undocumented word, which counts as
// running so polling goes on rather than ending on a guess. Complete here only means
// MCDN finished submitting: urlStatus decides what a URL is.
func mapTaskStatus(raw string) (provider.Status, bool) {
	switch raw {
	case "pending":
		return provider.Pending, true
	case "executing":
		return provider.Running, true
	case "done":
		return provider.Complete, true
	}
	return provider.Running, false
}

func anySubmitted(sts []*mcdn.SubTaskForListContentTasksOutput) bool {
	for _, st := range sts {
		if st != nil && volcengine.StringValue(st.SubmitStatus) == "success" {
			return true
		}
	}
	return false
}

// urlStatus is one URL's status, raw status and reason. A failed submission is final at
// once; a successful one is only the start: once the task is done the vendor's own
// per-URL result (res) decides. raw is "<TaskStatus>/<SubmitStatus>[/<vendor Status>]".
func urlStatus(ctx context.Context, d *driver, raw string, task provider.Status, st *mcdn.SubTaskForListContentTasksOutput,
	url string, res *vendorResults) (provider.Status, string, string) {
	submit := volcengine.StringValue(st.SubmitStatus)
	if submit != "" {
		raw += "/" + submit
	}
	who := volcengine.StringValue(st.Vendor) + "/" + volcengine.StringValue(st.CloudAccountName)
	why := func(desc, word string) string {
		if desc == "" {
			desc = word
		}
		return who + ": " + desc
	}
	switch {
	case submit == "failed":
		return provider.Failed, raw, why(volcengine.StringValue(st.Description), "submission failed")
	case task != provider.Complete:
		return task, raw, ""
	case submit == "":
		return provider.Failed, raw, why(volcengine.StringValue(st.Description), "not submitted")
	case submit != "success":
		return provider.Failed, raw, why(volcengine.StringValue(st.Description), submit)
	}
	r, found := res.lookup(st, url)
	switch {
	case found:
		raw += "/" + r.raw
		status, known := mapVendorStatus(r.raw)
		if !known {
			d.base.Log.WarnContext(ctx, "undocumented vendor result status, treated as running", "provider", Name,
				"vendor", who, "status", r.raw)
		}
		if status == provider.Failed {
			return status, raw, why(r.desc, r.raw)
		}
		return status, raw, ""
	case res.withoutResults(st):
		return provider.Unknown, raw + "/no-result", who + ": " + res.noResultReason(st)
	}
	// Submitted, and the vendor has not reported this URL yet.
	return provider.Running, raw, ""
}
