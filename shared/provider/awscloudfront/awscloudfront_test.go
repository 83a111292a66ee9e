package awscloudfront

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/providertest"
)

var harness = providertest.Harness{
	Provider:      Name,
	Scope:         map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID},
	NoPending:     "an invalidation is InProgress from the moment it is created",
	NoProgress:    "GetInvalidation reports no progress",
	NoFailedState: "an invalidation is InProgress or Completed; CloudFront has no failed state",
	NoRetention:   "CloudFront documents no retention for invalidations",
}

func TestConformance(t *testing.T) { providertest.Run(t, harness) }

// BenchmarkPoll measures polling 100 ids against the simulator with 30 ms per call.
func BenchmarkPoll(b *testing.B) { providertest.Benchmark(b, harness, 100, 30*time.Millisecond) }

const (
	keyID  = "AKIADRIVERTESTKEY"
	secret = "driver-test-secret-5e2b9c"
)

func newSim(t *testing.T) (*cdnsim.Sim, *httptest.Server) {
	t.Helper()
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
	srv := httptest.NewServer(sim.Handler(Name))
	t.Cleanup(srv.Close)
	return sim, srv
}

func openAt(t *testing.T, endpoint string, scope map[string]string) (*provider.Client, error) {
	t.Helper()
	return provider.Open(context.Background(), Name, provider.Config{Endpoint: endpoint, Scope: scope,
		Credentials: &provider.Credentials{AccessKeyID: keyID, AccessKeySecret: secret}})
}

// Without scope.distributionId the driver refuses to open, naming the field.
func TestScopeRequired(t *testing.T) {
	for _, scope := range []map[string]string{nil, {"distributionId": ""}, {"distributionId": "e2-lower"}} {
		_, err := openAt(t, "http://127.0.0.1:1", scope)
		if err == nil || !strings.Contains(err.Error(), "scope.distributionId") {
			t.Errorf("scope %v: err %v, want one naming scope.distributionId", scope, err)
		}
	}
}

// A distribution CloudFront does not know is a refusal naming it, not an unknown id.
func TestNoSuchDistribution(t *testing.T) {
	sim, srv := newSim(t)
	id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	c, err := openAt(t, srv.URL, map[string]string{ScopeDistributionID: "E9NOSUCHDIST"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(context.Background(), []string{id})
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Code != "NoSuchDistribution" || !provider.Refused(err) ||
		!strings.Contains(err.Error(), "E9NOSUCHDIST") || !strings.Contains(err.Error(), "scope.distributionId") {
		t.Errorf("err %v; want a NoSuchDistribution refusal naming E9NOSUCHDIST and scope.distributionId", err)
	}
	// A refusal everywhere: the kind the functions drop as poison (trigger.IsPoison), not
	// one they retry as transient.
	if provider.KindOf(err) != provider.KindInvalidID || len(pe.IDs) != 1 {
		t.Errorf("NoSuchDistribution is kind %v with ids %v; want %v naming the ids", provider.KindOf(err), pe.IDs, provider.KindInvalidID)
	}
}

// Every path of the batch is a row with the invalidation's one status; an invalidation
// of another distribution is unknown here.
func TestPathsAndDistributions(t *testing.T) {
	sim, srv := newSim(t)
	created := time.Now().Add(-time.Hour).Truncate(time.Second)
	paths := []cdnsim.Object{
		{Path: "/index.html", Type: cdnsim.TypeFile, Duration: time.Minute},
		{Path: "/assets/*", Type: cdnsim.TypeDirectory, Duration: 2 * time.Minute},
	}
	mine := sim.AddTask(Name, cdnsim.Task{Created: created, Objects: paths, Scope: map[string]string{ScopeDistributionID: "E1MINE"}})
	other := sim.AddTask(Name, cdnsim.Task{Created: created, Objects: paths, Scope: map[string]string{ScopeDistributionID: "E1OTHER"}})
	c, err := openAt(t, srv.URL, map[string]string{ScopeDistributionID: "E1MINE"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(context.Background(), []string{mine, other})
	if err != nil {
		t.Fatal(err)
	}
	got := res[mine]
	if got.Status != provider.Complete || len(got.Objects) != 2 {
		t.Fatalf("mine: %+v", got)
	}
	want := map[string]string{"/assets/*": "wildcard", "/index.html": "path"}
	for _, o := range got.Objects {
		if want[o.Path] != o.Type || o.RawStatus != "Completed" || !o.Created.Equal(created) {
			t.Errorf("row %+v", o)
		}
	}
	if res[other].Status != provider.Unknown {
		t.Errorf("invalidation of another distribution: %s, want unknown", res[other].Status)
	}
}

// With no explicit credentials the default chain is used: the standard variables work,
// and their absence is a clear auth error with no call made.
func TestDefaultCredentialChain(t *testing.T) {
	home := t.TempDir()
	for k, v := range map[string]string{"HOME": home, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": home + "/none", "AWS_SHARED_CREDENTIALS_FILE": home + "/none",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_CLOUDFRONT": ""} {
		t.Setenv(k, v)
	}
	sim, srv := newSim(t)
	id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	scope := map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID}

	c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: srv.URL, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(context.Background(), []string{id})
	if provider.KindOf(err) != provider.KindAuth || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("no credentials: %v (kind %s); want an auth error naming the variables", err, provider.KindOf(err))
	}
	if st := sim.Stats(Name); st.Calls != 0 {
		t.Errorf("%d calls made without credentials", st.Calls)
	}

	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	// The endpoint from the SDK's own variable, not our override.
	t.Setenv("AWS_ENDPOINT_URL_CLOUDFRONT", srv.URL)
	c, err = provider.Open(context.Background(), Name, provider.Config{Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(context.Background(), []string{id})
	if err != nil || res[id].Status != provider.Running {
		t.Errorf("credentials and endpoint from the environment: %v, %+v", err, res[id])
	}
}

func TestMapStatus(t *testing.T) {
	for raw, want := range map[string]provider.Status{"InProgress": provider.Running, "Completed": provider.Complete,
		"COMPLETED": provider.Complete, "Failed": provider.Running, "": provider.Running} {
		if got, _ := mapStatus(raw); got != want {
			t.Errorf("mapStatus(%q) = %s, want %s", raw, got, want)
		}
	}
}
