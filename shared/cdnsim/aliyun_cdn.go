package cdnsim

import "time"

// Aliyun CDN (cdn.aliyuncs.com, API 2018-05-10). Seeds 000 and 002:
// DescribeRefreshTaskById takes up to 10 comma-separated ids, 30 calls/s per account,
// and answers for tasks of the last 3 days.
var aliyunCDN = &aliyunAPI{
	product: "Cdn",
	host:    "cdn.aliyuncs.com",
	version: "2018-05-10",
	actions: map[string]aliyunAction{
		"DescribeRefreshTaskById": aliyunRefreshTaskByID,
	},
}

func init() {
	register(profile{
		name:     "aliyun-cdn",
		limits:   Limits{IDsPerCall: 10, QPS: 30, Retention: 72 * time.Hour},
		firstID:  17_000_000_000,
		formatID: aliyunNumericID,
		handler:  aliyunCDN.handler,
	})
}
