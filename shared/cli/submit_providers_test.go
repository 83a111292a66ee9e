package cli

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
)

// TestBinarySubmitEveryProvider runs the built command's refresh (and prefetch, where the
// API has one) against each provider's simulator: the URLs are submitted through that
// provider's SDK and watched to the end; a prefetch object that fails is named with its
// path on stderr and makes the exit code 1.
func TestBinarySubmitEveryProvider(t *testing.T) {
	bin := binary(t) // built once per run; skipped with -short
	scopes := map[string][]string{
		"aws-cloudfront": {"--scope", "distributionId=" + cdnsim.CloudFrontDistributionID},
		"volc-mcdn":      {"--scope", "cloudAccountId=aliyun-prod"},
	}
	for _, name := range []string{"aliyun-cdn", "aliyun-dcdn", "aws-cloudfront", "tencent-cdn", "volc-cdn", "volc-mcdn"} {
		t.Run(name, func(t *testing.T) {
			sim := cdnsim.New(cdnsim.Options{AccessKeyID: "submit-key", AccessKeySecret: "submit-secret"})
			sim.SetSubmitLife(name, func(u, kind string) cdnsim.Object {
				o := cdnsim.Object{Path: u, Type: cdnsim.TypeFile, Duration: 500 * time.Millisecond}
				if kind == cdnsim.KindPrefetch {
					o.Type = cdnsim.TypePreload
					if strings.Contains(u, "/broken/") {
						o.FailReason = "Origin Return StatusCode 5XX"
					}
				}
				return o
			})
			srv := httptest.NewServer(sim.Handler(name))
			defer srv.Close()
			idVar, secretVar := cdnsim.CredentialEnv(name)
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), provider.EnvPrefix(name) + "ENDPOINT=" + srv.URL,
				idVar + "=submit-key", secretVar + "=submit-secret", "AWS_REGION=us-east-1",
				"AWS_EC2_METADATA_DISABLED=true", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"}
			run := func(args ...string) (int, string) {
				cmd := exec.Command(bin, append(append(args, scopes[name]...), "--interval", "1s", "--timeout", "1m")...)
				cmd.Env = env
				var errb bytes.Buffer
				cmd.Stderr = &errb
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				return code, errb.String()
			}
			code, errs := run("refresh", "--provider", name, "--url", "https://static.example.com/a.js",
				"--url", "https://static.example.com/b.js", "--url", "https://static.example.com/c.css")
			if code != ExitComplete || !strings.Contains(errs, "submitted 3 of 3 URLs") {
				t.Fatalf("refresh: exit %d\n%s", code, errs)
			}
			if st := sim.SubmitStats(name); st.URLs != 3 {
				t.Fatalf("refresh: the simulator took %d URLs, want 3", st.URLs)
			}
			if name == "aws-cloudfront" {
				return // no prefetch API
			}
			code, errs = run("prefetch", "--provider", name, "--url", "https://static.example.com/big.bin",
				"--url", "https://static.example.com/broken/x.bin")
			if code != ExitFailed || !strings.Contains(errs, "FAILED") || !strings.Contains(errs, "https://static.example.com/broken/x.bin") {
				t.Fatalf("prefetch: exit %d, want 1 naming the failed object\n%s", code, errs)
			}
		})
	}
}
