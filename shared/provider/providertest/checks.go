package providertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// PollRate is one measured poll of many pending ids against the simulator.
type PollRate struct {
	Provider   string
	Sim        cdnsim.Options // the simulator, with the keys the driver is opened with
	Population cdnsim.Population
	Scope      map[string]string
	// Age, when set, polls the tasks this long after they were created (the simulator's
	// clock starts Age before the wall clock and is set to it once they exist), so they
	// are as far along as Age makes them: finished, for an Age past their durations.
	Age time.Duration
	// WantCalls are the by-id query calls the documented batch size implies.
	WantCalls int64
	// WantAPICalls are the calls of the driver's further APIs the poll must make, by the
	// name the driver paces them under (provider.WithAPI), e.g. volc-mcdn's one
	// DescribeContentTaskByTaskId per done task. Calls of any API not named here, or
	// more or fewer than named, fail the check.
	WantAPICalls map[string]int64
}

// CheckPollRate populates the simulator, opens the driver with the simulator's keys
// and polls every id once at its default rate; it logs the calls and the time and fails
// t unless the poll took WantCalls by-id calls and exactly WantAPICalls of every other
// API, no sliding second held more by-id calls than the limit, and at most 1% of requests
// were throttled (the strict simulator counts arrivals, which jitter; a throttled call is
// retried).
func CheckPollRate(t *testing.T, pr PollRate) {
	t.Helper()
	pr.Sim.Record = true
	var clock *cdnsim.ManualClock
	if pr.Age > 0 && pr.Sim.Now == nil {
		clock = cdnsim.NewManualClock(time.Now().Add(-pr.Age).UTC().Truncate(time.Second))
		pr.Sim.Now = clock.Now
	}
	sim := cdnsim.New(pr.Sim)
	srv := httptest.NewServer(sim.Handler(pr.Provider))
	defer srv.Close()
	ids := sim.Populate(pr.Provider, pr.Population)
	if clock != nil {
		clock.Set(time.Now().UTC())
	}
	c, err := provider.Open(context.Background(), pr.Provider, provider.Config{Endpoint: srv.URL, Scope: pr.Scope,
		Credentials: &provider.Credentials{AccessKeyID: pr.Sim.AccessKeyID, AccessKeySecret: pr.Sim.AccessKeySecret}})
	if err != nil {
		t.Fatal(err)
	}
	calls, elapsed, err := MeasurePollRate(context.Background(), c, ids)
	if err != nil {
		t.Fatal(err)
	}
	st := sim.Stats(pr.Provider)
	query := c.CallsOf(provider.APIQuery)
	further := map[string]int64{}
	want := pr.WantCalls
	for api, n := range pr.WantAPICalls {
		want += n
		if further[api] = c.CallsOf(api); further[api] != n {
			t.Errorf("%d calls of %s, want %d", further[api], api, n)
		}
	}
	t.Logf("%d ids: %d calls (%d by id, further %v) in %v (%.2f calls/s, %.2f by id); simulator saw %+v",
		len(ids), calls, query, further, elapsed, float64(calls)/elapsed.Seconds(), float64(query)/elapsed.Seconds(), st)
	recorded := sim.Calls(pr.Provider)
	answered := int64(len(cdnsim.AcceptedTimes(recorded, cdnsim.APIQuery)))
	// A throttled call is retried, so it adds a request: allow those (at most 1 %).
	if answered != pr.WantCalls || calls-st.Throttled != want || calls != st.Calls || st.Throttled*100 > calls {
		t.Errorf("%d requests (simulator: %d, %d by id), %d by-id calls accepted, %d throttled; want %d calls (%d by id accepted), at most 1%% throttled",
			calls, st.Calls, query, answered, st.Throttled, want, pr.WantCalls)
	}
	bound := int(sim.Limits(pr.Provider).QPS)
	if most := cdnsim.MaxInWindow(cdnsim.CallTimes(recorded, cdnsim.APIQuery), time.Second); most > bound {
		t.Errorf("%d by-id calls in one sliding second, over the limit of %d", most, bound)
	}
}

// CheckEnvCredentials checks a driver opened without credentials against a simulator
// with keyID and secret: while the environment variables idVar and secretVar are unset
// (the caller has isolated the environment), a query is an auth refusal naming both,
// and no call is made; once they hold the keys, the query succeeds.
func CheckEnvCredentials(t *testing.T, name, keyID, secret, idVar, secretVar string) {
	t.Helper()
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
	srv := httptest.NewServer(sim.Handler(name))
	defer srv.Close()
	id := sim.AddTask(name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "p", Type: cdnsim.TypeFile, Duration: time.Minute}}})

	c, err := provider.Open(context.Background(), name, provider.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(context.Background(), []string{id})
	if provider.KindOf(err) != provider.KindAuth || !provider.Refused(err) ||
		!strings.Contains(err.Error(), idVar) || !strings.Contains(err.Error(), secretVar) {
		t.Errorf("no credentials: %v (kind %s); want an auth error naming the variables", err, provider.KindOf(err))
	}
	if st := sim.Stats(name); st.Calls != 0 {
		t.Errorf("%d calls made without credentials", st.Calls)
	}

	t.Setenv(idVar, keyID)
	t.Setenv(secretVar, secret)
	c, err = provider.Open(context.Background(), name, provider.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(context.Background(), []string{id})
	if err != nil || res[id].Status == provider.Unknown {
		t.Errorf("credentials from the environment: %v, %+v", err, res[id])
	}
}

// TransportFailure is a way a request fails below the API, for tests of the SDK's
// retries.
type TransportFailure struct {
	Name string
	Fail func(w http.ResponseWriter)
}

// TransportFailures are a dropped connection and a load balancer's HTML error page.
var TransportFailures = []TransportFailure{
	{"ConnectionDropped", func(w http.ResponseWriter) {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}},
	{"HTMLGatewayPage", func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	}},
}

// Measure1000 is CheckPollRate of 1,000 pending ids (a fifth with several objects, no
// preload) against a simulator answering in 30 ms, with the driver opened with scope,
// wanting one call an id. It takes minutes at the documented rates, so it runs only
// with CDNWATCH_MEASURE=1; about says how long ("about 50 s at 20 calls/s").
func Measure1000(t *testing.T, name, keyID, secret string, scope map[string]string, about string) {
	t.Helper()
	if os.Getenv("CDNWATCH_MEASURE") == "" {
		t.Skip("set CDNWATCH_MEASURE=1 to measure polling 1,000 ids (" + about + ")")
	}
	CheckPollRate(t, PollRate{Provider: name,
		Sim:        cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret, Latency: 30 * time.Millisecond},
		Population: cdnsim.Population{Count: 1000, MultiRate: 0.2, PreloadRate: 0},
		Scope:      scope, WantCalls: 1000})
}
