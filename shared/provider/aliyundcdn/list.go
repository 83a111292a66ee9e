package aliyundcdn

import (
	"context"
	"errors"
	"fmt"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/internal/aliyun"
)

var _ provider.Lister = (*driver)(nil)

const listAction = "DescribeDcdnRefreshTasks"

// listObjectTypes are DescribeDcdnRefreshTasks's ObjectType values (dcdn-20180115 SDK
// model: file, directory, preload; unlike CDN there is no regex). The API requires one
// as soon as DomainName is set, so a listing by domain is one page sequence per type.
var listObjectTypes = []string{"file", "directory", "preload"}

// listPageSize is the documented maximum PageSize (1 to 50).
const listPageSize = 50

// ListLimits are DescribeDcdnRefreshTasks's: 5 calls/s per user in the current
// documentation (10/s in older pages; the lower is kept), 50 rows a page, the last 3 days.
func (d *driver) ListLimits() provider.ListLimits {
	return provider.ListLimits{QPS: 5, PageSize: listPageSize, Retention: 72 * time.Hour}
}

// ListPage makes one DescribeDcdnRefreshTasks call (see aliyun.RefreshList). Past the 3
// days the API answers InvalidTime, which surfaces as a bad-request error.
func (d *driver) ListPage(ctx context.Context, q provider.ListQuery, cursor string) ([]provider.Object, string, error) {
	return d.list.Page(ctx, q, cursor)
}

// listParams are the action's call parameters, as the generated SDK declares them
// (DescribeDcdnRefreshTasksWithOptions: RPC, POST, query parameters, JSON body).
var listParams = &openapiutil.Params{
	Action:      dara.String(listAction),
	Version:     dara.String(version),
	Protocol:    dara.String("HTTPS"),
	Pathname:    dara.String("/"),
	Method:      dara.String("POST"),
	AuthType:    dara.String("AK"),
	Style:       dara.String("RPC"),
	ReqBodyType: dara.String("formData"),
	BodyType:    dara.String("json"),
}

// listAnswer is DescribeDcdnRefreshTasksResponseBody: the rows are Tasks.Task[], where
// CDN's DescribeRefreshTasks has Tasks.CDNTask[].
type listAnswer struct {
	TotalCount int64 `json:"TotalCount"`
	Tasks      struct {
		Task []struct {
			TaskID       string `json:"TaskId"`
			ObjectPath   string `json:"ObjectPath"`
			ObjectType   string `json:"ObjectType"`
			Status       string `json:"Status"`
			Process      string `json:"Process"`
			Description  string `json:"Description"`
			CreationTime string `json:"CreationTime"`
		} `json:"Task"`
	} `json:"Tasks"`
}

func (d *driver) listCall(ctx context.Context, r aliyun.ListRequest) ([]aliyun.Row, int64, error) {
	query := map[string]*string{
		"StartTime":  dara.String(r.StartTime),
		"EndTime":    dara.String(r.EndTime),
		"PageNumber": dara.String(fmt.Sprint(r.PageNumber)),
		"PageSize":   dara.String(fmt.Sprint(r.PageSize)),
	}
	if r.DomainName != "" {
		query["DomainName"] = dara.String(r.DomainName)
	}
	if r.ObjectType != "" {
		query["ObjectType"] = dara.String(r.ObjectType)
	}
	client, err := d.clients.Get()
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.CallApiWithCtx(ctx, listParams, &openapiutil.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
	d.clients.Put(client)
	if err != nil {
		return nil, 0, err
	}
	var a listAnswer
	if body, ok := resp["body"]; !ok || body == nil {
		return nil, 0, errors.New("empty answer")
	} else if err := dara.Convert(body, &a); err != nil {
		return nil, 0, fmt.Errorf("decode %s answer: %w", listAction, err)
	}
	rows := make([]aliyun.Row, 0, len(a.Tasks.Task))
	for _, t := range a.Tasks.Task {
		rows = append(rows, aliyun.Row{TaskID: t.TaskID, ObjectPath: t.ObjectPath, ObjectType: t.ObjectType,
			Status: t.Status, Process: t.Process, Description: t.Description, CreationTime: t.CreationTime})
	}
	return rows, a.TotalCount, nil
}
