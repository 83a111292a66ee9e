package functions_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/function/fakeruntime"
	"cdnwatch/shared/watch"
)

// TestSubmitDirectInvokeRetried runs the built Lambda binary against the fake runtime
// API: the same submit document is invoked twice, as a platform retries an invocation it
// thinks failed (or a Step Functions Retry). The first submits 1,500 URLs in two calls
// and watches them to the end; the second finds them through the listing API, submits
// nothing and answers the watch of the same tasks.
func TestSubmitDirectInvokeRetried(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Lambda binary; skipped with -short")
	}
	bin := buildBinary(t, t.TempDir(), "cdnwatch/functions/lambda", "bootstrap", "lambda.norpc")
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: simKey, AccessKeySecret: simSecret})
	sim.SetSubmitLife("aliyun-cdn", func(u, kind string) cdnsim.Object {
		return cdnsim.Object{Path: u, Type: cdnsim.TypeFile, Duration: 2 * time.Second}
	})
	api := httptest.NewServer(sim.Handler("aliyun-cdn"))
	t.Cleanup(api.Close)

	urls := make([]string, 1500)
	for i := range urls {
		urls[i] = fmt.Sprintf("https://static.example.com/retry/%04d.js", i)
	}
	b, _ := json.Marshal(urls)
	doc := []byte(`{"v":1,"submit":{"provider":"aliyun-cdn","urls":` + string(b) + `},"label":"retried","interval":"2s"}`)
	events := []*fakeruntime.Invocation{{ID: "req-first", Payload: doc}, {ID: "req-retry", Payload: doc}}
	env := []string{"CDNWATCH_ALIYUN_CDN_ENDPOINT=" + api.URL, "ALIBABA_CLOUD_ACCESS_KEY_ID=" + simKey,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + simSecret, "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"}
	res := runBinary(t, bin, "lambda", events, env)
	if t.Failed() {
		t.Fatalf("log:\n%s", res.stderr)
	}
	var answers []watch.Response
	for _, inv := range res.invs {
		if inv.Status != "response" {
			t.Fatalf("%s: %s %s", inv.ID, inv.Status, inv.Body)
		}
		var r watch.Response
		if err := json.Unmarshal(inv.Body, &r); err != nil {
			t.Fatalf("%s: %v", inv.ID, err)
		}
		if !r.Done || r.State == nil || r.State.Finished != watch.EndComplete || !r.Submit.Done() || r.Submit.Submitted != 1500 {
			t.Fatalf("%s: want a finished submit-and-watch of 1500 URLs, got %s", inv.ID, inv.Body)
		}
		answers = append(answers, r)
	}
	if st := sim.SubmitStats("aliyun-cdn"); st.URLs != 1500 || st.Calls["RefreshObjectCaches"] != 2 {
		t.Fatalf("the simulator took %d URLs in %d calls; want 1500 in 2 (the retry must not submit again)",
			st.URLs, st.Calls["RefreshObjectCaches"])
	}
	if answers[0].State.Total != 2 || answers[1].State.Total != 2 || answers[0].State.ID != answers[1].State.ID {
		t.Errorf("the retry watched other tasks: %+v vs %+v", answers[0].State, answers[1].State)
	}
	if !strings.Contains(res.stderr, "retried submission") || !slices.Contains([]int{1}, strings.Count(res.stderr, "retried submission")) {
		t.Errorf("the log does not say the retry found its submission:\n%s", res.stderr)
	}
}
