package volccdn

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/providertest"
)

func harness() providertest.Harness {
	return providertest.Harness{
		Provider:    Name,
		MalformedID: "refresh_url_Not-A-Task",
		NoPending:   "DescribeContentTasks has only running, complete and failed",
		// The API reports that a URL failed, not why.
		WantReason: func(cdnsim.Object) string { return "" },
	}
}

func TestConformance(t *testing.T) { providertest.Run(t, harness()) }

// BenchmarkPoll measures polling 500 ids against the simulator with 30 ms per call.
func BenchmarkPoll(b *testing.B) { providertest.Benchmark(b, harness(), 500, 30*time.Millisecond) }

// TestPollThousand measures one poll of 1,000 pending ids at the documented rate:
// 1,000 calls of one id at 20 calls/s, about 50 s.
func TestPollThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 50 s")
	}
	providertest.CheckPollRate(t, providertest.PollRate{Provider: Name, Sim: cdnsim.Options{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret"},
		Population: cdnsim.Population{Count: 1000, MultiRate: 0.2}, WantCalls: 1000})
}

// The task type comes from the id's prefix, or from scope.taskType when the id does not
// say; a prefetch task queried as a refresh would come back unknown.
func TestTaskType(t *testing.T) {
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret"})
	srv := httptest.NewServer(sim.Handler(Name))
	defer srv.Close()
	pre := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "https://v.example.com/a.mp4", Type: cdnsim.TypePreload, Duration: time.Minute}}})
	dir := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "https://v.example.com/d/", Type: cdnsim.TypeDirectory, Duration: time.Minute}}})
	bare := sim.AddTask(Name, cdnsim.Task{ID: "6242b7c451a4003", Objects: []cdnsim.Object{{Path: "https://v.example.com/b.mp4", Type: cdnsim.TypePreload, Duration: time.Minute}}})
	openWith := func(scope map[string]string) *provider.Client {
		c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: srv.URL, Scope: scope,
			Credentials: &provider.Credentials{AccessKeyID: "AKLTk", AccessKeySecret: "s-secret"}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	res, err := openWith(nil).Query(context.Background(), []string{pre, dir})
	if err != nil || res[pre].Status != provider.Running || res[dir].Status != provider.Running ||
		res[pre].Objects[0].Type != "preload" || res[dir].Objects[0].Type != "refresh_dir" {
		t.Errorf("typed by prefix: %v %+v", err, res)
	}
	if _, err := openWith(nil).Query(context.Background(), []string{bare}); provider.KindOf(err) != provider.KindInvalidID {
		t.Errorf("id without a known prefix and no scope: %v, want an invalid-id refusal", err)
	}
	res, err = openWith(map[string]string{ScopeTaskType: "preload"}).Query(context.Background(), []string{bare})
	if err != nil || res[bare].Status != provider.Running {
		t.Errorf("typed by scope: %v %+v", err, res[bare])
	}
	if _, err := provider.Open(context.Background(), Name, provider.Config{Scope: map[string]string{ScopeTaskType: "purge"},
		Credentials: &provider.Credentials{AccessKeyID: "a", AccessKeySecret: "b"}}); err == nil {
		t.Error("scope.taskType purge accepted")
	}
}

// Without explicit credentials or VOLCENGINE_* the SDK's own chain is used: the
// VOLCSTACK_* variables (and in the command the credentials file, tested in
// shared/provider/volcchain, which this binary does not import: the file is ignored);
// with neither the first query is an auth refusal naming our variables, and no call is
// made.
func TestCredentialsFromSDKChain(t *testing.T) {
	const keyID, secret = "AKLTchainTestKey", "chain-test-secret-5e1f"
	home := t.TempDir()
	for _, k := range []string{"VOLCENGINE_ACCESS_KEY", "VOLCENGINE_SECRET_KEY", "VOLCENGINE_SESSION_TOKEN",
		"VOLCSTACK_ACCESS_KEY_ID", "VOLCSTACK_ACCESS_KEY", "VOLCSTACK_SECRET_ACCESS_KEY", "VOLCSTACK_SECRET_KEY",
		"VOLCSTACK_SESSION_TOKEN", "VOLCSTACK_SHARED_CREDENTIALS_FILE", "VOLCSTACK_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, ".volcengine"), 0o700); err != nil {
		t.Fatal(err)
	}
	file := "[default]\nvolcengine_access_key_id = " + keyID + "\nvolcengine_secret_access_key = " + secret + "\n"
	if err := os.WriteFile(filepath.Join(home, ".volcengine", "credentials"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: secret})
	srv := httptest.NewServer(sim.Handler(Name))
	defer srv.Close()
	id := sim.AddTask(Name, cdnsim.Task{Objects: []cdnsim.Object{{Path: "https://v.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Minute}}})
	query := func() (provider.Task, error) {
		t.Helper()
		c, err := provider.Open(context.Background(), Name, provider.Config{Endpoint: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Query(context.Background(), []string{id})
		return res[id], err
	}

	_, err := query()
	if provider.KindOf(err) != provider.KindAuth || !strings.Contains(err.Error(), "VOLCENGINE_ACCESS_KEY") {
		t.Errorf("no credentials but the file: %v (kind %s), want an auth refusal naming VOLCENGINE_ACCESS_KEY", err, provider.KindOf(err))
	}
	if st := sim.Stats(Name); st.Calls != 0 {
		t.Errorf("%d calls made without credentials", st.Calls)
	}

	t.Setenv("VOLCSTACK_ACCESS_KEY_ID", keyID)
	t.Setenv("VOLCSTACK_SECRET_ACCESS_KEY", secret)
	if task, err := query(); err != nil || task.Status != provider.Running {
		t.Errorf("VOLCSTACK variables: %v, %+v", err, task)
	}
}
