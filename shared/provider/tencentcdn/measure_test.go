package tencentcdn

import (
	"testing"

	"cdnwatch/shared/provider/providertest"
)

// TestMeasure1000 polls 1,000 pending purge tasks (scope.kind=purge; without it, purge ids cost the same and push ids one more call on their first poll) against the simulator at the default
// rate and reports the calls and the time. It takes about 50 s, so it runs only with
// CDNWATCH_MEASURE=1.
func TestMeasure1000(t *testing.T) {
	providertest.Measure1000(t, Name, keyID, secret, map[string]string{ScopeKind: KindPurge}, "about 50 s at 20 calls/s")
}
