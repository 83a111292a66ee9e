// Package volcmcdn is the "volc-mcdn" driver: Volcengine multi-cloud CDN's
// ListContentTasks (API 2022-03-01; the replacement of the deprecated ListContentTask,
// seed 003) through the official SDK github.com/volcengine/volcengine-go-sdk/service/mcdn.
// Import it for its side effect:
//
//	import _ "cdnwatch/shared/provider/volcmcdn"
//
// A multi-cloud task fans out into one sub-task per vendor account. TaskStatus pending /
// executing / done says where the fan-out is; each sub-task's SubmitStatus says whether
// that vendor accepted it. A task is complete only when it is done and every sub-task
// was submitted successfully; each URL of a failed sub-task is a failed object, with the
// reason "<vendor>/<account>: <Description or SubmitStatus>".
//
// DescribeContentTaskByTaskId is not used: it adds the vendors' own per-URL results,
// but its status values are not documented, it has no such results for several vendors
// (Volcengine DCDN, Akamai, Google, Azure, Cloudflare: VendorsMetaData instead), and a
// second call per id would halve how many ids the 30 calls/s poll.
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
	return &driver{base: base, svc: mcdn.New(base.Session), now: time.Now,
		submit: submitClient{account: cfg.Scope[ScopeCloudAccount]}}, nil
}

type driver struct {
	base *volc.Base
	svc  *mcdn.MCDN
	now  func() time.Time
	// submit is the submit API's client (submit.go); scope its cloud account, if any.
	submit submitClient
}

var (
	_ provider.Driver    = (*driver)(nil)
	_ provider.IDChecker = (*driver)(nil)
)

func (d *driver) Name() string { return Name }

// Limits: one TaskId filter per call, 30 calls/s; retention as documented (the default
// window of the last 24 hours).
func (d *driver) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 1, QPS: 30, Retention: 24 * time.Hour}
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

// Describe makes one ListContentTasks call for one id.
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
			objs = append(objs, d.objects(ctx, t)...)
		}
	}
	return objs, nil
}

// objects turns a task into one object per (sub-task, URL).
func (d *driver) objects(ctx context.Context, t *mcdn.TaskForListContentTasksOutput) []provider.Object {
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
		return []provider.Object{o}
	}
	var out []provider.Object
	for _, st := range t.SubTasks {
		if st == nil {
			continue
		}
		status, reason := subTaskStatus(taskStatus, st)
		rawStatus := raw
		if s := volcengine.StringValue(st.SubmitStatus); s != "" {
			rawStatus += "/" + s
		}
		urls := volcengine.StringValueSlice(st.Url)
		if len(urls) == 0 {
			urls = []string{""}
		}
		for _, u := range urls {
			o := base
			o.Path, o.Status, o.RawStatus, o.Reason = u, status, rawStatus, reason
			out = append(out, o)
		}
	}
	return out
}

// mapTaskStatus maps TaskStatus. known is false for an undocumented word, which counts as
// running so polling goes on rather than ending on a guess.
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

// subTaskStatus: a failed submission is final at once; success counts only once the
// whole task is done; a done task whose sub-task did not succeed has failed there.
func subTaskStatus(task provider.Status, st *mcdn.SubTaskForListContentTasksOutput) (provider.Status, string) {
	submit := volcengine.StringValue(st.SubmitStatus)
	reason := func() string {
		why := volcengine.StringValue(st.Description)
		if why == "" {
			why = submit
		}
		if why == "" {
			why = "not submitted"
		}
		return volcengine.StringValue(st.Vendor) + "/" + volcengine.StringValue(st.CloudAccountName) + ": " + why
	}
	switch {
	case submit == "failed":
		return provider.Failed, reason()
	case task != provider.Complete:
		return task, ""
	case submit == "success":
		return provider.Complete, ""
	}
	return provider.Failed, reason()
}
