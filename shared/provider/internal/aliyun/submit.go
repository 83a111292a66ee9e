package aliyun

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/provider"
)

// throttleCodes are the only refusals a submit call is retried on by the SDK: a throttled
// call was not taken, so sending it again cannot submit anything twice. A 5xx or a broken
// connection may or may not have been taken; shared/submit decides what to do about
// those (it asks the listing API before sending again), so the SDK must not.
var throttleCodes = []string{"TooManyRequests", "Throttling", "Throttling.User", "Throttling.Api", "HTTP429"}

// SubmitConfig is the SDK configuration for the submit and quota APIs: the driver's
// configuration (the same HTTP client, whose transport paces every attempt as the API the
// call's context names: see provider.WithAPI) with retries on throttling only.
func (b *Base) SubmitConfig() *openapiutil.Config {
	c := *b.Config
	p := RetryPolicy{}.withDefaults()
	ms := func(d interface{ Milliseconds() int64 }) int { return int(d.Milliseconds()) }
	c.RetryOptions = &dara.RetryOptions{
		Retryable:   true,
		MaxAttempts: 1,
		RetryCondition: []*dara.RetryCondition{{
			MaxAttempts: p.MaxAttempts,
			Backoff:     &dara.EqualJitterBackoffPolicy{Period: ms(p.Period), Cap: ms(p.Cap)},
			ErrorCode:   append([]string(nil), throttleCodes...),
			MaxDelay:    ms(p.Cap),
		}},
	}
	return &c
}

// SubmitError maps a submit or quota call's SDK error. The quota refusals Alibaba Cloud
// documents for RefreshObjectCaches / PushObjectCache (and DCDN's twins) are wrapped with
// provider.ErrQuotaExceeded:
//   - QuotaExceeded.Refresh (400) "Your refresh attempts have exceeded the daily limit."
//   - QuotaExceeded.Preload / QuotaExceeded.Push, the prefetch form
//   - PreloadQueueFull (403) "Preload queue is full, please try again later!" (the
//     account's prefetch queue holds 50,000 URLs); its 403 is not a permission problem.
//
// Per-call limit refusals (SingleRequest.OverLimit "A maximum of 1000 URLs are supported
// for each request.") stay KindBadRequest: shared/submit never sends more, so one names a
// bug. Sources: https://www.alibabacloud.com/help/en/cdn/developer-reference/api-cdn-2018-05-10-refreshobjectcaches
// and .../api-cdn-2018-05-10-pushobjectcache (error codes).
func (b *Base) SubmitError(action string, n int, err error) error {
	mapped := b.Error(nil, err)
	var pe *provider.Error
	if !errors.As(mapped, &pe) {
		return fmt.Errorf("%s (%d URLs): %w", action, n, mapped)
	}
	switch {
	case strings.HasPrefix(pe.Code, "QuotaExceeded"), strings.HasPrefix(pe.Code, "QuotaPerMinuteExceeded"),
		pe.Code == "PreloadQueueFull":
		pe.Kind = provider.KindBadRequest
		return fmt.Errorf("%s (%d URLs): %w", action, n, provider.QuotaError(pe))
	}
	return fmt.Errorf("%s (%d URLs): %w", action, n, mapped)
}

// RefreshObjectType is the ObjectType value RefreshObjectCaches and
// RefreshDcdnObjectCaches take: File, Directory, Regex.
func RefreshObjectType(typ string) string {
	switch typ {
	case provider.TypeDirectory:
		return "Directory"
	case provider.TypeRegex:
		return "Regex"
	}
	return "File"
}

// QuotaNumber reads one of DescribeRefreshQuota's numbers, which arrive as strings
// ("UrlRemain": "1996"); ok is false when absent or not a number.
func QuotaNumber(s *string) (int, bool) {
	if s == nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(*s))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Quota picks the remaining and total of the quota that governs kind and typ from a
// DescribeRefreshQuota / DescribeDcdnRefreshQuota answer.
func Quota(api string, kind provider.SubmitKind, typ string,
	urlRemain, urlQuota, dirRemain, dirQuota, regexRemain, regexQuota, preloadRemain, preloadQuota *string) (provider.Quota, error) {
	rem, tot, field := urlRemain, urlQuota, "UrlRemain"
	switch {
	case kind == provider.Prefetch:
		rem, tot, field = preloadRemain, preloadQuota, "PreloadRemain"
	case typ == provider.TypeDirectory:
		rem, tot, field = dirRemain, dirQuota, "DirRemain"
	case typ == provider.TypeRegex:
		rem, tot, field = regexRemain, regexQuota, "RegexRemain"
	}
	r, ok := QuotaNumber(rem)
	if !ok {
		return provider.Quota{}, fmt.Errorf("%s answered no %s", api, field)
	}
	t, _ := QuotaNumber(tot)
	return provider.Quota{Remaining: r, Limit: t, Name: fmt.Sprintf("daily %s %s quota (%s %s)", typ, kind, api, field)}, nil
}
