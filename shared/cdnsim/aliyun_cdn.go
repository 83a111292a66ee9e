package cdnsim

import "time"

// Aliyun CDN (cdn.aliyuncs.com, API 2018-05-10). Seeds 000 and 002:
// DescribeRefreshTaskById takes up to 10 comma-separated ids, 30 calls/s per account,
// and answers for tasks of the last 3 days. DescribeRefreshTasks lists them by time
// (aliyun_list.go).
var aliyunCDN = &aliyunAPI{
	product: "Cdn",
	host:    "cdn.aliyuncs.com",
	version: "2018-05-10",
	actions: map[string]aliyunAction{
		"DescribeRefreshTaskById": aliyunRefreshTaskByID,
		"DescribeRefreshTasks":    aliyunListRefreshTasks, // aliyun_list.go
	},
}

func init() {
	register(profile{
		name: "aliyun-cdn",
		limits: Limits{IDsPerCall: 10, QPS: 30, Retention: 72 * time.Hour,
			// DescribeRefreshTasks: 5 calls/s in current docs (10 in older ones); page
			// size 50 (some pages say 100: the smaller is the safe one to enforce).
			ListQPS: 5, PageSize: 50},
		firstID:  17_000_000_000,
		formatID: aliyunNumericID,
		handler:  aliyunCDN.handler,
	})
}
