package functions_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Size ceilings of the deployable binaries as the Makefile builds them (all six providers,
// -trimpath -ldflags '-s -w'). For one toolchain and go.sum a binary's size is
// deterministic, so these are checks, not timings. docs/deploy.md has the figures.
//
// Both targets hold: the Lambda function with all six providers is 9.96 MB (10 MB), the
// FC function 10.7 MB (15 MB). Getting the Lambda under 10 MB took a CloudFront REST-XML
// client of our own over the SDK's signer (-0.59 MB), Volcengine clients without the SDK's
// session (-0.39 MB) and a Slack channel without slack-go (-0.33 MB); docs/deploy.md has
// the figures. The margin under 10 MB is one 64 KB step of the arm64 linker's alignment,
// so anything the Lambda links from now on must pay for itself.
const (
	lambdaCeiling  = 10_000_000
	fcCeiling      = 15_000_000
	commandCeiling = 20_000_000
)

// Every binary keeps the linker's dead-code elimination of methods, which a reachable
// reflect.Value.MethodByName (text/template, html/template) turns off for the whole binary;
// the command was 37.6 MB and the FC function 35.6 MB with it. Each binary is checked for
// the function's name in its function table (kept by -s: tracebacks need it).
func TestBinarySizes(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds three binaries; skipped with -short")
	}
	dir := t.TempDir()
	for _, b := range []struct {
		name, goos, goarch, pkg, tags string
		ceiling                       int64
	}{
		{"Lambda bootstrap", "linux", "arm64", "../functions/lambda", "lambda.norpc", lambdaCeiling},
		{"FC main", "linux", "amd64", "../functions/fc", "", fcCeiling},
		{"command", "linux", "amd64", "../cmd/cdnwatch", "", commandCeiling},
	} {
		t.Run(b.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(b.name, " ", "_"))
			args := []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", out}
			if b.tags != "" {
				args = append(args, "-tags", b.tags)
			}
			cmd := exec.Command("go", append(args, b.pkg)...)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+b.goos, "GOARCH="+b.goarch)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			size := int64(len(raw))
			t.Logf("%s (%s/%s): %d bytes (%.2f MB)", b.name, b.goos, b.goarch, size, float64(size)/1e6)
			if size > b.ceiling {
				t.Errorf("%s is %d bytes, over its ceiling of %d: find what grew with go tool nm -size -sort size",
					b.name, size, b.ceiling)
			}
			if !bytes.Contains(raw, []byte("runtime.main")) {
				t.Fatal("no function names in the binary: the MethodByName check below would prove nothing")
			}
			for _, fn := range []string{"reflect.Value.MethodByName", "text/template.(*state).evalField"} {
				if bytes.Contains(raw, []byte(fn)) {
					t.Errorf("%s links %s, which turns off method dead-code elimination; find who reaches it with "+
						"go build -ldflags=-dumpdep", b.name, fn)
				}
			}
		})
	}
}
