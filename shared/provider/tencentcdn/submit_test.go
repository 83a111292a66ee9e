package tencentcdn

import (
	"testing"

	"cdnwatch/shared/provider/providertest"
)

func TestSubmitConformance(t *testing.T) {
	providertest.RunSubmit(t, providertest.SubmitHarness{Harness: providertest.Harness{Provider: Name},
		RefreshAction: actPurgeURLs, PrefetchAction: actPush, QuotaAction: actPurgeQuota, Hosts: 3})
}
