package awscloudfront

import (
	"testing"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider/providertest"
)

// TestMeasure1000 polls 1,000 pending invalidations against the simulator at the default
// rate and reports the calls and the time. It takes about 200 s, so it runs only with
// CDNWATCH_MEASURE=1.
func TestMeasure1000(t *testing.T) {
	providertest.Measure1000(t, Name, keyID, secret, map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID}, "about 200 s at 5 calls/s")
}
