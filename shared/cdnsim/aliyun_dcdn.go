package cdnsim

import "time"

// Aliyun DCDN (dcdn.aliyuncs.com, API 2018-01-15). Seed 001: DescribeDcdnRefreshTaskById
// takes up to 10 comma-separated ids ("The maximum number of taskIds is 10."), 30 calls/s
// per account, and answers for tasks of the last 3 days. Its rows, statuses and errors are
// CDN's, so the action is the shared aliyunRefreshTaskByID. DescribeDcdnRefreshTasks lists
// them by time like CDN's DescribeRefreshTasks (aliyun_list.go), rows in Tasks.Task[].
var aliyunDCDN = &aliyunAPI{
	product: "dcdn",
	host:    "dcdn.aliyuncs.com",
	version: "2018-01-15",
	actions: map[string]aliyunAction{
		"DescribeDcdnRefreshTaskById": aliyunRefreshTaskByID,
		"DescribeDcdnRefreshTasks":    dcdnListRefreshTasks, // aliyun_list.go
	},
}

func init() {
	register(profile{
		name: "aliyun-dcdn",
		limits: Limits{IDsPerCall: 10, QPS: 30, Retention: 72 * time.Hour,
			// DescribeDcdnRefreshTasks: 5 calls/s per user in the current documentation
			// (10 in older pages; the lower is enforced), page size 1 to 50.
			ListQPS: 5, PageSize: 50},
		firstID:  18_000_000_000,
		formatID: aliyunNumericID,
		handler:  aliyunDCDN.handler,
	})
}
