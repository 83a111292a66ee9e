// Package volccdn is the "volc-cdn" driver: Volcengine CDN's DescribeContentTasks
// (API 2021-03-01) through the official SDK
// github.com/volcengine/volcengine-go-sdk/service/cdn. Import it for its side effect:
//
//	import _ "cdnwatch/shared/provider/volccdn"
//
// The API answers one row per URL, so a task id covering several URLs is a multi-object
// task. Statuses per URL: running → running, complete → complete, failed → failed; there
// is no waiting state and no failure description.
//
// TaskType is required by the API. It comes from scope.taskType when the Watch document
// sets it, else from the id, whose prefix names the submission ("refresh_url_…",
// "refresh_dir_…", "prefetch_url_…").
package volccdn

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/volcengine/volcengine-go-sdk/service/cdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/volc"
)

// Name is the provider id.
const Name = "volc-cdn"

// ScopeTaskType is the scope key that overrides the task type read from the id.
const ScopeTaskType = "taskType"

// pageSize is the rows asked per page; a task with more URLs takes more pages.
const pageSize = 100

func init() { provider.Register(Name, Open) }

// Open opens the driver. Credentials come from cfg.Credentials, else VOLCENGINE_ACCESS_KEY
// / VOLCENGINE_SECRET_KEY (/ VOLCENGINE_SESSION_TOKEN), else the SDK's default chain.
func Open(ctx context.Context, cfg provider.Config) (provider.Driver, error) {
	return open(ctx, cfg, volc.Options{})
}

func open(_ context.Context, cfg provider.Config, o volc.Options) (*driver, error) {
	typ := cfg.Scope[ScopeTaskType]
	if typ != "" && !validType(typ) {
		return nil, fmt.Errorf("%s: scope.%s %q: want one of %s", Name, ScopeTaskType, typ, strings.Join(taskTypes, ", "))
	}
	base, err := volc.New(Name, cfg, o)
	if err != nil {
		return nil, err
	}
	// The SDK client is safe for concurrent use: every call builds its own request.
	return &driver{base: base, svc: cdn.New(base.Clients), taskType: typ}, nil
}

type driver struct {
	base     *volc.Base
	svc      *cdn.CDN
	taskType string       // from scope; "" = read it from each id
	submit   submitClient // submit.go
}

var (
	_ provider.Driver    = (*driver)(nil)
	_ provider.IDChecker = (*driver)(nil)
)

var taskTypes = []string{"refresh_file", "refresh_dir", "preload", "refresh_regex"}

// idPrefixes map an id's prefix to its TaskType, longest first.
var idPrefixes = [][2]string{
	{"refresh_regex_", "refresh_regex"}, {"refresh_dir_", "refresh_dir"},
	{"refresh_url_", "refresh_file"}, {"refresh_file_", "refresh_file"}, {"prefetch_url_", "preload"},
}

func validType(t string) bool {
	for _, v := range taskTypes {
		if v == t {
			return true
		}
	}
	return false
}

func (d *driver) Name() string { return Name }

// Limits: one TaskID per call, 20 calls/s, the last 7 days.
func (d *driver) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 1, QPS: 20, Retention: 7 * 24 * time.Hour}
}

// CheckID accepts ids of lower-case letters, digits and underscores whose task type is
// known (from the prefix or scope.taskType).
func (d *driver) CheckID(id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("task id %q is malformed", id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return fmt.Errorf("task id %q is malformed: Volcengine CDN task ids are like refresh_url_<hex>", id)
		}
	}
	if _, err := d.typeOf(id); err != nil {
		return err
	}
	return nil
}

func (d *driver) typeOf(id string) (string, error) {
	if d.taskType != "" {
		return d.taskType, nil
	}
	for _, p := range idPrefixes {
		if strings.HasPrefix(id, p[0]) {
			return p[1], nil
		}
	}
	return "", fmt.Errorf("task id %q: cannot tell its task type from the id; set scope.%s to one of %s",
		id, ScopeTaskType, strings.Join(taskTypes, ", "))
}

// Describe asks DescribeContentTasks for one id's URLs: one call, more only for a task of
// over 100 URLs.
func (d *driver) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	if len(ids) != 1 {
		return nil, fmt.Errorf("%s: one task id per call, got %d", Name, len(ids))
	}
	id := ids[0]
	typ, err := d.typeOf(id)
	if err != nil {
		return nil, &provider.Error{Provider: Name, Kind: provider.KindInvalidID, Code: "UnknownTaskType",
			Message: err.Error(), IDs: ids}
	}
	var out []provider.Object
	for page := int32(1); ; page++ {
		// No StartTime/EndTime: the API then searches all it keeps (the last 7 days).
		res, err := d.svc.DescribeContentTasksWithContext(ctx, &cdn.DescribeContentTasksInput{
			TaskID: volcengine.String(id), TaskType: volcengine.String(typ),
			PageNum: volcengine.Int32(page), PageSize: volcengine.Int32(pageSize),
		})
		if err != nil {
			return nil, fmt.Errorf("DescribeContentTasks: %w", d.base.Error(ctx, ids, err))
		}
		for _, r := range res.Data {
			if r != nil && volcengine.StringValue(r.TaskID) == id {
				out = append(out, d.object(ctx, r))
			}
		}
		if len(res.Data) < pageSize || int64(page)*pageSize >= int64(volcengine.Int32Value(res.Total)) {
			return out, nil
		}
	}
}

func (d *driver) object(ctx context.Context, r *cdn.DataForDescribeContentTasksOutput) provider.Object {
	raw := volcengine.StringValue(r.Status)
	o := provider.Object{
		TaskID:    volcengine.StringValue(r.TaskID),
		Path:      volcengine.StringValue(r.Url),
		Type:      volcengine.StringValue(r.TaskType),
		RawStatus: raw,
		Progress:  volcengine.StringValue(r.Process),
		Created:   time.Unix(volcengine.Int64Value(r.CreateTime), 0).UTC(),
	}
	switch raw {
	case "running":
		o.Status = provider.Running
	case "complete":
		o.Status = provider.Complete
	case "failed":
		o.Status = provider.Failed // the API gives no reason
	default:
		o.Status = provider.Running
		d.base.Log.WarnContext(ctx, "undocumented task status, treated as running", "provider", Name, "status", raw)
	}
	return o
}
