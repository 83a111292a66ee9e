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
	WantCalls  int64 // the by-id query calls the documented batch size implies
}

// CheckPollRate populates the simulator, opens the driver with the simulator's keys
// and polls every id once at its default rate; it logs the calls and the time and fails
// t unless the by-id query API answered WantCalls calls (a driver's further APIs, such
// as volc-mcdn's vendor results, are counted apart), no sliding second held more calls
// than the limit, and at most 1% of requests were throttled (the strict simulator counts
// arrivals, which jitter; a throttled call is retried).
func CheckPollRate(t *testing.T, pr PollRate) {
	t.Helper()
	pr.Sim.Record = true
	sim := cdnsim.New(pr.Sim)
	srv := httptest.NewServer(sim.Handler(pr.Provider))
	defer srv.Close()
	ids := sim.Populate(pr.Provider, pr.Population)
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
	t.Logf("%d ids: %d calls in %v (%.2f calls/s); simulator saw %+v", len(ids), calls, elapsed, float64(calls)/elapsed.Seconds(), st)
	recorded := sim.Calls(pr.Provider)
	answered := int64(len(cdnsim.AcceptedTimes(recorded, cdnsim.APIQuery)))
	if answered != pr.WantCalls || calls != st.Calls || st.Throttled*100 > calls {
		t.Errorf("%d requests (simulator: %d), %d by-id calls accepted, %d throttled; want %d accepted, at most 1%% throttled",
			calls, st.Calls, answered, st.Throttled, pr.WantCalls)
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
