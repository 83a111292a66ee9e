package volcchain

import (
	"context"
	"go/build/constraint"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/all"
	"cdnwatch/shared/provider/volccdn"
)

// With the package imported, a driver opened without credentials or VOLCENGINE_* reads
// the shared credentials file: the profile VOLCSTACK_PROFILE names, else "default",
// from ~/.volcengine/credentials or VOLCSTACK_SHARED_CREDENTIALS_FILE; the VOLCSTACK_*
// variables come first. Every answer here is the simulator's check of the signature.
func TestCredentialsFile(t *testing.T) {
	const keyID, secret = "AKLTfileTestKey", "file-test-secret-9a3c"
	home := t.TempDir()
	for _, k := range []string{"VOLCENGINE_ACCESS_KEY", "VOLCENGINE_SECRET_KEY", "VOLCENGINE_SESSION_TOKEN",
		"VOLCSTACK_ACCESS_KEY_ID", "VOLCSTACK_ACCESS_KEY", "VOLCSTACK_SECRET_ACCESS_KEY", "VOLCSTACK_SECRET_KEY",
		"VOLCSTACK_SESSION_TOKEN", "VOLCSTACK_SHARED_CREDENTIALS_FILE", "VOLCSTACK_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
	srv := httptest.NewServer(sim.Handler(volccdn.Name))
	defer srv.Close()
	id := sim.AddTask(volccdn.Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "https://v.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	query := func() (provider.Task, error) {
		t.Helper()
		c, err := provider.Open(context.Background(), volccdn.Name, provider.Config{Endpoint: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Query(context.Background(), []string{id})
		return res[id], err
	}
	write := func(path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	profile := func(name, id, key string) string {
		return "[" + name + "]\nvolcengine_access_key_id = " + id + "\nvolcengine_secret_access_key = " + key + "\n\n"
	}

	if _, err := query(); provider.KindOf(err) != provider.KindAuth || sim.Stats(volccdn.Name).Calls != 0 {
		t.Errorf("no file: %v (kind %s), %d calls; want an auth refusal before any call", err, provider.KindOf(err), sim.Stats(volccdn.Name).Calls)
	}

	write(filepath.Join(home, ".volcengine", "credentials"), profile("default", "AKLTwrong", "wrong-secret")+profile("watch", keyID, secret))
	if _, err := query(); provider.KindOf(err) != provider.KindAuth || sim.Stats(volccdn.Name).Calls != 1 {
		t.Errorf("default profile with another key: %v (kind %s); want the simulator's auth refusal", err, provider.KindOf(err))
	}
	t.Setenv("VOLCSTACK_PROFILE", "watch")
	if task, err := query(); err != nil || task.Status != provider.Running {
		t.Errorf("profile watch: %v, %+v", err, task)
	}

	t.Setenv("VOLCSTACK_PROFILE", "")
	other := filepath.Join(t.TempDir(), "creds")
	write(other, profile("default", keyID, secret))
	t.Setenv("VOLCSTACK_SHARED_CREDENTIALS_FILE", other)
	if task, err := query(); err != nil || task.Status != provider.Running {
		t.Errorf("VOLCSTACK_SHARED_CREDENTIALS_FILE: %v, %+v", err, task)
	}

	// The variables come before the file.
	write(other, profile("default", "AKLTwrong", "wrong-secret"))
	t.Setenv("VOLCSTACK_ACCESS_KEY_ID", keyID)
	t.Setenv("VOLCSTACK_SECRET_ACCESS_KEY", secret)
	if task, err := query(); err != nil || task.Status != provider.Running {
		t.Errorf("VOLCSTACK variables and a file with another key: %v, %+v", err, task)
	}
}

// The package is built in exactly when volc-cdn or volc-mcdn is: its constraint agrees
// with shared/provider/all's two files for no tag, each tag alone and every pair.
func TestBuiltWithTheVolcengineProviders(t *testing.T) {
	parse := func(path string) constraint.Expr {
		t.Helper()
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		line, _, _ := strings.Cut(string(raw), "\n")
		expr, err := constraint.Parse(line)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return expr
	}
	self, cdn, mcdn := parse("volcchain.go"), parse("../all/volccdn.go"), parse("../all/volcmcdn.go")
	var tags []string
	for _, tag := range all.Tags {
		tags = append(tags, tag)
	}
	sets := [][]string{nil}
	for i, a := range tags {
		sets = append(sets, []string{a})
		for _, b := range tags[i+1:] {
			sets = append(sets, []string{a, b})
		}
	}
	for _, set := range sets {
		on := map[string]bool{"linux": true}
		for _, s := range set {
			on[s] = true
		}
		has := func(tag string) bool { return on[tag] }
		if got, want := self.Eval(has), cdn.Eval(has) || mcdn.Eval(has); got != want {
			t.Errorf("-tags %v: volcchain built = %v, a Volcengine provider built = %v", set, got, want)
		}
	}
}
