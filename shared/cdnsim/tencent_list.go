package cdnsim

// Tencent Cloud CDN listing by time: DescribePurgeTasks / DescribePushTasks without a
// TaskId. The documentation gives StartTime and EndTime as "2018-08-08 00:00:00" /
// "2018-08-08 23:59:59", and Tencent's CDN writes times in Beijing time (CreateTime is
// UTC+8), so the simulator reads them in UTC+8: a client sending UTC would be eight
// hours off, which tests catch. Both ends are inclusive (the documented example ends a
// day at 23:59:59). Rows come newest first, then by task id and URL, so pages are
// stable while nothing is added; tasks past retention or not yet created are not listed.

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

func tencentList(b *backend, q tencentQuery, now time.Time) ([]Task, *tencentError) {
	if q.StartTime == nil || q.EndTime == nil {
		return nil, &tencentError{200, "MissingParameter", "StartTime and EndTime must be specified together."}
	}
	from, err1 := time.ParseInLocation(time.DateTime, *q.StartTime, tencentZone)
	to, err2 := time.ParseInLocation(time.DateTime, *q.EndTime, tencentZone)
	if err1 != nil || err2 != nil {
		return nil, &tencentError{200, "InvalidParameter.CdnParamError", "StartTime and EndTime must be like 2018-08-08 00:00:00."}
	}
	if to.Before(from) {
		return nil, &tencentError{200, "InvalidParameter.CdnParamError", "EndTime must not be earlier than StartTime."}
	}
	var out []Task
	for _, t := range b.all(now) {
		if !t.Created.Before(from) && !t.Created.After(to) && !t.Created.After(now) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(x, y Task) int {
		if c := x.Created.Compare(y.Created); c != 0 {
			return -c
		}
		return -cmp.Compare(x.ID, y.ID)
	})
	return out, nil
}

// tencentKeyword: a full URL (http(s)://…) matches exactly; anything else is a domain.
func tencentKeyword(kw string) func(path string) bool {
	if strings.HasPrefix(kw, "http://") || strings.HasPrefix(kw, "https://") {
		return func(path string) bool { return path == kw }
	}
	kw = strings.ToLower(kw)
	return func(path string) bool { return aliyunDomainOf(path) == kw }
}
