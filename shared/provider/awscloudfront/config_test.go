package awscloudfront

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/config/awsenv"
	"cdnwatch/shared/provider"
)

// cleanAWSEnv empties every variable the SDK's chain reads, so only what a test sets counts.
func cleanAWSEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	for k, v := range map[string]string{"HOME": home, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_ACCESS_KEY": "", "AWS_SECRET_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": home + "/none", "AWS_SHARED_CREDENTIALS_FILE": home + "/none", "AWS_CA_BUNDLE": "",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_CLOUDFRONT": "",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": ""} {
		t.Setenv(k, v)
	}
	return home
}

// useChain registers the SDK's whole chain for one test, as importing
// shared/config/awschain does in the command.
func useChain(t *testing.T) {
	t.Helper()
	awsenv.UseChain(func(ctx context.Context) (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) })
	t.Cleanup(func() { awsenv.UseChain(nil) })
}

// A function's binary has no SDK chain: a shared credentials file is not read, and the
// refusal says the environment is the only source. The command's binary (the chain
// registered) reads the same file and succeeds.
func TestCredentialsFileOnlyWithTheChain(t *testing.T) {
	home := cleanAWSEnv(t)
	file := filepath.Join(home, "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = "+keyID+"\naws_secret_access_key = "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
	sim, srv := newSim(t)
	id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	scope := map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID}
	query := func() (provider.Task, error) {
		c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: srv.URL, Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Query(context.Background(), []string{id})
		return res[id], err
	}

	if awsenv.Chain() != nil {
		t.Fatal("the driver's tests must run without the SDK's chain registered, as the functions do")
	}
	_, err := query()
	if provider.KindOf(err) != provider.KindAuth || !strings.Contains(err.Error(), "environment only") {
		t.Errorf("no chain, keys in a file only: %v (kind %s); want an auth error saying the environment is read", err, provider.KindOf(err))
	}
	if st := sim.Stats(Name); st.Calls != 0 {
		t.Errorf("%d calls made without credentials", st.Calls)
	}

	useChain(t)
	if res, err := query(); err != nil || res.Status != provider.Running {
		t.Errorf("the chain reads the credentials file: %v, %+v", err, res)
	}
}

// Without the chain the driver still honours the SDK's AWS_CA_BUNDLE (a private CA in
// front of the endpoint), the older key names, and refuses a bundle it cannot use.
func TestEnvironmentOnlyConfig(t *testing.T) {
	cleanAWSEnv(t)
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
	srv := httptest.NewUnstartedServer(sim.Handler(Name))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below
	srv.StartTLS()
	t.Cleanup(srv.Close)
	id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	scope := map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID}
	t.Setenv("AWS_ACCESS_KEY", keyID)
	t.Setenv("AWS_SECRET_KEY", secret)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDFRONT", srv.URL)
	query := func() error {
		c, err := provider.Open(context.Background(), Name, provider.Config{Scope: scope})
		if err != nil {
			return err
		}
		_, err = c.Query(context.Background(), []string{id})
		return err
	}

	if err := query(); provider.KindOf(err) != provider.KindUnavailable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("the test server's certificate without AWS_CA_BUNDLE: %v (kind %s), want a TLS failure", err, provider.KindOf(err))
	}
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	if err := query(); err != nil {
		t.Errorf("with AWS_CA_BUNDLE and the older key names: %v", err)
	}

	t.Setenv("AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "missing.pem"))
	if err := query(); err == nil || !strings.Contains(err.Error(), "AWS_CA_BUNDLE") {
		t.Errorf("a missing bundle: %v, want an error naming AWS_CA_BUNDLE", err)
	}
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	_ = os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	t.Setenv("AWS_CA_BUNDLE", notPEM)
	if err := query(); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a bundle with no certificate: %v", err)
	}
	t.Setenv("AWS_CA_BUNDLE", "")
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
	c, err := open(context.Background(), provider.Config{Scope: scope}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ep := c.client.endpoint; ep != defaultEndpoint {
		t.Errorf("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, yet the endpoint is %q, not CloudFront's %q", ep, defaultEndpoint)
	}
}

// The command's chain may set the attempts (AWS_MAX_ATTEMPTS), as the SDK's client let it
// override its retryer; the functions keep the driver's 4.
func TestChainMaxAttempts(t *testing.T) {
	cleanAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	sim, srv := newSim(t)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDFRONT", srv.URL)
	id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	scope := map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID}
	calls := func() int64 {
		sim.ResetStats(Name)
		sim.SetFaults(Name, cdnsim.Faults{Fail5xx: 10})
		defer sim.SetFaults(Name, cdnsim.Faults{})
		c, err := provider.Open(context.Background(), Name, provider.Config{Scope: scope, HTTPClient: loopbackOnly()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Query(context.Background(), []string{id}); provider.KindOf(err) != provider.KindUnavailable {
			t.Errorf("every answer a 503: %v (kind %s), want unavailable", err, provider.KindOf(err))
		}
		return sim.Stats(Name).Calls
	}
	if n := calls(); n != 4 {
		t.Errorf("without the chain: %d attempts, want the driver's 4 (AWS_MAX_ATTEMPTS is the SDK loader's)", n)
	}
	useChain(t)
	if n := calls(); n != 2 {
		t.Errorf("with the chain and AWS_MAX_ATTEMPTS=2: %d attempts", n)
	}
}

// AWS_ENDPOINT_URL may carry a path, which prefixes the operations' paths as the SDK
// joins them; an override that is no URL, or carries a password, is refused naming the
// variables, without repeating the password.
func TestConfiguredEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:5000":            "http://127.0.0.1:5000",
		"https://proxy.example/cf/":        "https://proxy.example/cf",
		"https://proxy.example/a%2Fb":      "https://proxy.example/a%2Fb",
		"HTTPS://CloudFront.amazonaws.com": "https://CloudFront.amazonaws.com",
	} {
		if got, err := configuredEndpoint(in); err != nil || got != want {
			t.Errorf("configuredEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"127.0.0.1:5000", "ftp://host", "http://host/?x=1", "http://user:hunter2@host"} {
		_, err := configuredEndpoint(in)
		if err == nil || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("configuredEndpoint(%q): %v; want a refusal naming the variables, no password", in, err)
		}
	}
	// Behind a path-routing proxy: every operation's path under the prefix.
	var paths []string
	prefixed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`<ErrorResponse><Error><Code>NoSuchInvalidation</Code></Error></ErrorResponse>`))
	}))
	t.Cleanup(prefixed.Close)
	cleanAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_ENDPOINT_URL", prefixed.URL+"/cf/")
	c, err := provider.Open(context.Background(), Name, provider.Config{Scope: map[string]string{ScopeDistributionID: "E2DIST"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Query(context.Background(), []string{"I2ID"}); err != nil || res["I2ID"].Status != provider.Unknown {
		t.Errorf("through the prefixed endpoint: %+v %v", res["I2ID"], err)
	}
	if want := "/cf/2020-05-31/distribution/E2DIST/invalidation/I2ID"; len(paths) != 1 || paths[0] != want {
		t.Errorf("requests to %v, want one to %s", paths, want)
	}
}

// With the command's chain, the endpoint comes from where the SDK's client takes it:
// AWS_ENDPOINT_URL_CLOUDFRONT before AWS_ENDPOINT_URL, and the shared config's services
// section for CloudFront.
func TestChainEndpoint(t *testing.T) {
	home := cleanAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	useChain(t)
	sim, srv := newSim(t)
	id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	query := func() error {
		c, err := provider.Open(context.Background(), Name, provider.Config{HTTPClient: loopbackOnly(),
			Scope: map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID}})
		if err != nil {
			return err
		}
		res, err := c.Query(context.Background(), []string{id})
		if err == nil && res[id].Status != provider.Running {
			err = fmt.Errorf("status %s", res[id].Status)
		}
		return err
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens there
	t.Setenv("AWS_ENDPOINT_URL_CLOUDFRONT", srv.URL)
	if err := query(); err != nil {
		t.Errorf("AWS_ENDPOINT_URL_CLOUDFRONT over AWS_ENDPOINT_URL: %v", err)
	}
	os.Unsetenv("AWS_ENDPOINT_URL")
	os.Unsetenv("AWS_ENDPOINT_URL_CLOUDFRONT")
	file := filepath.Join(home, "config")
	conf := "[default]\nservices = local\n\n[services local]\ncloudfront =\n  endpoint_url = " + srv.URL + "\n"
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", file)
	if err := query(); err != nil {
		t.Errorf("the shared config's services section: %v", err)
	}
}

// loopbackOnly is an HTTP client that refuses every host but 127.0.0.1, so a test whose
// endpoint resolution goes wrong fails instead of calling AWS.
func loopbackOnly() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Hostname() != "127.0.0.1" {
			return nil, fmt.Errorf("test refuses to call %s: not loopback", r.URL.Host)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// With the command's chain, AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT pick
// CloudFront's endpoints as the SDK's rules do (checked against the SDK's own resolver),
// and refuse a custom endpoint beside them; the functions read neither.
func TestChainEndpointVariants(t *testing.T) {
	cleanAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	scope := map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID}
	endpoint := func() (string, error) {
		d, err := open(context.Background(), provider.Config{Scope: scope}, Options{})
		if err != nil {
			return "", err
		}
		return d.client.endpoint, nil
	}
	resolver := cloudfront.NewDefaultEndpointResolverV2()
	for _, tc := range []struct{ fips, dual bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		t.Setenv("AWS_USE_FIPS_ENDPOINT", fmt.Sprint(tc.fips))
		t.Setenv("AWS_USE_DUALSTACK_ENDPOINT", fmt.Sprint(tc.dual))
		if ep, err := endpoint(); err != nil || ep != defaultEndpoint {
			t.Errorf("without the chain, fips %v dual-stack %v: %q %v, want %q", tc.fips, tc.dual, ep, err, defaultEndpoint)
		}
		want, err := resolver.ResolveEndpoint(context.Background(), cloudfront.EndpointParameters{Region: aws.String(Region),
			UseFIPS: aws.Bool(tc.fips), UseDualStack: aws.Bool(tc.dual)})
		if err != nil {
			t.Fatal(err)
		}
		useChain(t)
		if ep, err := endpoint(); err != nil || ep != want.URI.String() {
			t.Errorf("fips %v dual-stack %v: %q %v, the SDK resolves %q", tc.fips, tc.dual, ep, err, want.URI.String())
		}
		t.Setenv("AWS_ENDPOINT_URL_CLOUDFRONT", "http://127.0.0.1:1")
		if _, err := endpoint(); (tc.fips || tc.dual) != (err != nil) {
			t.Errorf("fips %v dual-stack %v with a custom endpoint: %v", tc.fips, tc.dual, err)
		}
		t.Setenv("AWS_ENDPOINT_URL_CLOUDFRONT", "")
		os.Unsetenv("AWS_ENDPOINT_URL_CLOUDFRONT")
		awsenv.UseChain(nil)
	}
}
