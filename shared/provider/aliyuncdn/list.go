package aliyuncdn

import (
	"context"
	"errors"
	"time"

	cdn "github.com/alibabacloud-go/cdn-20180510/v9/client"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
)

var _ provider.Lister = (*driver)(nil)

// listObjectTypes are DescribeRefreshTasks's ObjectType values; the API requires one as
// soon as DomainName is set, so a listing by domain is one page sequence per type.
// (Tasks from OSS auto-refresh are not returned by the API at all.)
var listObjectTypes = []string{"file", "directory", "regex", "preload"}

// listPageSize: current documentation allows at most 50 rows a page (some pages and the
// SDK model say 100); 50 is accepted under both readings.
const listPageSize = 50

// ListLimits are DescribeRefreshTasks's: 5 calls/s in the current documentation (10/s
// in older pages; the lower is kept), 50 rows a page, the last 3 days.
func (d *driver) ListLimits() provider.ListLimits {
	return provider.ListLimits{QPS: 5, PageSize: listPageSize, Retention: 72 * time.Hour}
}

// ListPage makes one DescribeRefreshTasks call (see aliyun.RefreshList).
func (d *driver) ListPage(ctx context.Context, q provider.ListQuery, cursor string) ([]provider.Object, string, error) {
	return d.lister().Page(ctx, q, cursor)
}

func (d *driver) lister() *aliyun.RefreshList {
	return &aliyun.RefreshList{Base: d.query.Base, Action: "DescribeRefreshTasks",
		RAMAction: "cdn:DescribeRefreshTasks", ObjectTypes: listObjectTypes, PageSize: listPageSize,
		Call: d.listCall}
}

func (d *driver) listCall(ctx context.Context, r aliyun.ListRequest) ([]aliyun.Row, int64, error) {
	req := &cdn.DescribeRefreshTasksRequest{
		StartTime: dara.String(r.StartTime), EndTime: dara.String(r.EndTime),
		PageNumber: dara.Int32(r.PageNumber), PageSize: dara.Int32(r.PageSize),
	}
	if r.DomainName != "" {
		req.DomainName = dara.String(r.DomainName)
	}
	if r.ObjectType != "" {
		req.ObjectType = dara.String(r.ObjectType)
	}
	client, err := d.clients.Get()
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.DescribeRefreshTasksWithContext(ctx, req, &dara.RuntimeOptions{})
	d.clients.Put(client)
	if err != nil {
		return nil, 0, err
	}
	if resp == nil || resp.Body == nil {
		return nil, 0, errors.New("empty answer")
	}
	var tasks []*cdn.DescribeRefreshTasksResponseBodyTasksCDNTask
	if resp.Body.Tasks != nil {
		tasks = resp.Body.Tasks.CDNTask
	}
	rows := make([]aliyun.Row, 0, len(tasks))
	for _, t := range tasks {
		if t == nil {
			continue
		}
		rows = append(rows, aliyun.Row{
			TaskID: dara.StringValue(t.TaskId), ObjectPath: dara.StringValue(t.ObjectPath),
			ObjectType: dara.StringValue(t.ObjectType), Status: dara.StringValue(t.Status),
			Process: dara.StringValue(t.Process), Description: dara.StringValue(t.Description),
			CreationTime: dara.StringValue(t.CreationTime),
		})
	}
	return rows, dara.Int64Value(resp.Body.TotalCount), nil
}
