package volc

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/volcengine/volcengine-go-sdk/service/cdn"
	"github.com/volcengine/volcengine-go-sdk/service/mcdn"
	"github.com/volcengine/volcengine-go-sdk/volcengine"
	"github.com/volcengine/volcengine-go-sdk/volcengine/client"
	"github.com/volcengine/volcengine-go-sdk/volcengine/credentials"
	"github.com/volcengine/volcengine-go-sdk/volcengine/request"
	"github.com/volcengine/volcengine-go-sdk/volcengine/session"

	"cdnwatch/shared/provider"
)

// handlerNames lists every phase's handlers by name ("Build: a, b"), and whether the phase
// stops on error, which is what a service client's behaviour is made of.
func handlerNames(h request.Handlers) string {
	var out []string
	v := reflect.ValueOf(h)
	for i := 0; i < v.NumField(); i++ {
		list := v.Field(i).FieldByName("list")
		var names []string
		for j := 0; j < list.Len(); j++ {
			names = append(names, list.Index(j).FieldByName("Name").String())
		}
		stop := !v.Field(i).FieldByName("AfterEachFn").IsNil()
		out = append(out, fmt.Sprintf("%s(stop=%v): %s", v.Type().Field(i).Name, stop, strings.Join(names, ", ")))
	}
	return strings.Join(out, "\n")
}

// clientView is what a service client is built with: its handlers, endpoint and
// signing, and the config fields the drivers set or the SDK reads per request.
func clientView(c *client.Client) string {
	cfg := c.Config
	return fmt.Sprintf("service=%s version=%s endpoint=%s signingRegion=%s signingName=%q\n"+
		"region=%s configEndpoint=%s disableSSL=%v http=%p creds=%p retryer=%#v maxRetries=%d logLevel=%d ua=%s logger=%v\n%s",
		c.ServiceName, c.APIVersion, c.Endpoint, c.SigningRegion, c.SigningName,
		volcengine.StringValue(cfg.Region), volcengine.StringValue(cfg.Endpoint), volcengine.BoolValue(cfg.DisableSSL),
		cfg.HTTPClient, cfg.Credentials, c.Retryer, volcengine.IntValue(cfg.MaxRetries), cfg.LogLevel.Value(),
		volcengine.StringValue(cfg.ExtraUserAgent), cfg.Logger != nil, handlerNames(c.Handlers))
}

// The service clients built from Clients are the ones session.NewSession would build
// from the same configuration: the same handlers in every phase (the signer and the
// protocol's marshalers included), endpoint, signing region, retryer, HTTP client and
// credentials, with and without an endpoint override, for the by-id and the submit
// configuration.
func TestClientsMatchSession(t *testing.T) {
	creds := &provider.Credentials{AccessKeyID: "AKLTtest", AccessKeySecret: "secret-1"}
	for _, ep := range []string{"", "http://127.0.0.1:8080", "cdn.example.com"} {
		b, err := New("volc-cdn", provider.Config{Endpoint: ep, Credentials: creds}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, clients := range []Clients{b.Clients, b.SubmitClients()} {
			sess, err := session.NewSession(clients.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for svc, build := range map[string]func(client.ConfigProvider) *client.Client{
				"cdn":  func(p client.ConfigProvider) *client.Client { return cdn.New(p).Client },
				"mcdn": func(p client.ConfigProvider) *client.Client { return mcdn.New(p).Client },
			} {
				got, want := clientView(build(clients)), clientView(build(sess))
				if got != want {
					t.Errorf("endpoint %q, %s: built from Clients\n%s\nfrom a session\n%s", ep, svc, got, want)
				}
			}
		}
	}
}

// The endpoint: the SDK's documented default over HTTPS without an override, else the
// override with its scheme; requests are signed for Region.
func TestClientsEndpoint(t *testing.T) {
	creds := &provider.Credentials{AccessKeyID: "AKLTtest", AccessKeySecret: "secret-1"}
	for ep, want := range map[string]string{
		"":                      "https://open.volcengineapi.com",
		"http://127.0.0.1:8080": "http://127.0.0.1:8080",
		"cdn.example.com":       "https://cdn.example.com",
	} {
		b, err := New("volc-mcdn", provider.Config{Endpoint: ep, Credentials: creds}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := b.Clients.ClientConfig(mcdn.EndpointsID)
		if c.Endpoint != want || c.SigningRegion != Region {
			t.Errorf("endpoint %q: client endpoint %q signed for %q, want %q for %q", ep, c.Endpoint, c.SigningRegion, want, Region)
		}
	}
}

// The submit configuration changes only the retryer, and leaves the by-id one alone.
func TestSubmitClientsRetryThrottlingOnly(t *testing.T) {
	b, err := New("volc-cdn", provider.Config{Credentials: &provider.Credentials{AccessKeyID: "a", AccessKeySecret: "bbbb"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub := b.SubmitClients()
	if _, ok := sub.cfg.Retryer.(throttleOnly); !ok {
		t.Errorf("submit retryer %T, want throttleOnly", sub.cfg.Retryer)
	}
	if _, ok := b.Clients.cfg.Retryer.(client.DefaultRetryer); !ok {
		t.Errorf("by-id retryer %T, want the SDK's DefaultRetryer", b.Clients.cfg.Retryer)
	}
	if sub.cfg.HTTPClient != b.Clients.cfg.HTTPClient || sub.cfg.Credentials != b.Clients.cfg.Credentials {
		t.Error("the submit configuration has its own HTTP client or credentials")
	}
}

// Without UseCredentialsFile the chain is the VOLCSTACK_* variables alone: a credentials
// file in the home directory is not read. With it the file's keys are found.
func TestDefaultCredentialsFile(t *testing.T) {
	home := t.TempDir()
	for _, k := range []string{"VOLCSTACK_ACCESS_KEY_ID", "VOLCSTACK_ACCESS_KEY", "VOLCSTACK_SECRET_ACCESS_KEY",
		"VOLCSTACK_SECRET_KEY", "VOLCSTACK_SESSION_TOKEN", "VOLCSTACK_SHARED_CREDENTIALS_FILE", "VOLCSTACK_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, ".volcengine"), 0o700); err != nil {
		t.Fatal(err)
	}
	file := "[default]\nvolcengine_access_key_id = AKLTfile\nvolcengine_secret_access_key = file-secret\n"
	if err := os.WriteFile(filepath.Join(home, ".volcengine", "credentials"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := defaultCredentials().Get(); err == nil || errCode(err) != "NoCredentialProviders" {
		t.Errorf("without UseCredentialsFile: %+v, %v; want NoCredentialProviders", v.AccessKeyID, err)
	}
	t.Setenv("VOLCSTACK_ACCESS_KEY_ID", "AKLTenv")
	t.Setenv("VOLCSTACK_SECRET_ACCESS_KEY", "env-secret")
	if v, err := defaultCredentials().Get(); err != nil || v.AccessKeyID != "AKLTenv" || v.SecretAccessKey != "env-secret" {
		t.Errorf("VOLCSTACK variables: %+v, %v", v.AccessKeyID, err)
	}
	t.Setenv("VOLCSTACK_ACCESS_KEY_ID", "")
	UseCredentialsFile(func() credentials.Provider { return &credentials.SharedCredentialsProvider{} })
	defer UseCredentialsFile(nil)
	if v, err := defaultCredentials().Get(); err != nil || v.AccessKeyID != "AKLTfile" || v.SecretAccessKey != "file-secret" {
		t.Errorf("with UseCredentialsFile: %+v, %v", v.AccessKeyID, err)
	}
}
