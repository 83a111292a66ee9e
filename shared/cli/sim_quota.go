package cli

import (
	"fmt"
	"strconv"

	"cdnwatch/shared/cdnsim"
)

// setQuotas applies `cdnwatch sim --quota KIND=N`: what remains of the simulated daily
// submit quotas, e.g. refresh=1200 to see a submission cut short by the quota.
func setQuotas(sim *cdnsim.Sim, provider string, q map[string]string) error {
	for k, v := range q {
		switch k {
		case cdnsim.KindRefresh, cdnsim.KindDirectory, cdnsim.KindRegex, cdnsim.KindPrefetch:
		default:
			return fmt.Errorf("kind %q: want refresh, directory, regex or prefetch", k)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%s=%q: want a number of URLs, 0 or more", k, v)
		}
		sim.SetQuota(provider, k, n)
	}
	return nil
}
