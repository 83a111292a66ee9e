package awscloudfront

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

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
