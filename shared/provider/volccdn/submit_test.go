package volccdn

import (
	"testing"

	"cdnwatch/shared/provider/providertest"
)

func TestSubmitConformance(t *testing.T) {
	providertest.RunSubmit(t, providertest.SubmitHarness{Harness: providertest.Harness{Provider: Name},
		RefreshAction: actRefresh, PrefetchAction: actPreload, QuotaAction: actQuota, Hosts: 3})
}
