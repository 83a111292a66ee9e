package awscloudfront

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider/providertest"
)

// TestMeasure1000 polls 1,000 pending invalidations against the simulator at the default
// rate and reports the calls and the time. It takes about 200 s, so it runs only with
// CDNWATCH_MEASURE=1.
func TestMeasure1000(t *testing.T) {
	if os.Getenv("CDNWATCH_MEASURE") == "" {
		t.Skip("set CDNWATCH_MEASURE=1 to measure polling 1,000 ids (about 200 s at 5 calls/s)")
	}
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret, Latency: 30 * time.Millisecond})
	srv := httptest.NewServer(sim.Handler(Name))
	defer srv.Close()
	ids := sim.Populate(Name, cdnsim.Population{Count: 1000, MultiRate: 0.2})
	c, err := openAt(t, srv.URL, map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID})
	if err != nil {
		t.Fatal(err)
	}
	calls, elapsed, err := providertest.MeasurePollRate(context.Background(), c, ids)
	if err != nil {
		t.Fatal(err)
	}
	st := sim.Stats(Name)
	t.Logf("1000 ids: %d calls in %v (%.2f calls/s); simulator saw %+v", calls, elapsed, float64(calls)/elapsed.Seconds(), st)
	if calls != 1000 || st.Throttled != 0 {
		t.Errorf("%d calls, %d throttled; want 1000 calls, none throttled", calls, st.Throttled)
	}
}
