package watch

import (
	"strings"
	"testing"
	"time"
)

func TestSubmitDocumentDecode(t *testing.T) {
	d, err := Decode([]byte(`{"v":1,"submit":{"provider":"aliyun-cdn","type":"prefetch","urls":[" https://a.example.com/x "]},"notify":[" slack "]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !d.SubmitPending() || d.Provider != "aliyun-cdn" || d.Submit.Kind != "prefetch" || d.Submit.Type != "file" ||
		d.Submit.URLs[0] != "https://a.example.com/x" || d.Notify[0] != "slack" {
		t.Fatalf("decoded %+v %+v", d, d.Submit)
	}
	for in, want := range map[string]string{
		`{"v":1,"submit":{"urls":["https://a/x"]}}`:                                                                      "submit.provider: missing",
		`{"v":1,"submit":{"provider":"aliyun-cdn","urls":[]}}`:                                                           "submit.urls: no URLs",
		`{"v":1,"submit":{"provider":"aliyun-cdn","type":"blob","urls":["https://a/x"]}}`:                                "submit.type",
		`{"v":1,"submit":{"provider":"aliyun-cdn","kind":"purge","urls":["https://a/x"]}}`:                               "submit.kind",
		`{"v":1,"submit":{"provider":"aliyun-cdn","urls":["https://a/x\nhttps://b/y"]}}`:                                 "submit.urls[0]: control characters",
		`{"v":1,"provider":"tencent-cdn","submit":{"provider":"aliyun-cdn","urls":["https://a"]}}`:                       "differs from provider",
		`{"v":1,"taskIds":["1"],"submit":{"provider":"aliyun-cdn","urls":["https://a"]}}`:                                "no taskIds or state",
		`{"v":1,"submit":{"provider":"aliyun-cdn","urls":["https://a"]},"timeout":"-1s"}`:                                "timeout: negative",
		`{"v":1,"submit":{"provider":"aliyun-cdn","urls":["https://a"]},"label":"` + strings.Repeat("x", 201) + `"}`:     "label",
		`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"submit":{"provider":"aliyun-cdn","at":5,"urls":["https://a"]}}`: "a submitted record carries no URLs",
	} {
		if _, err := Decode([]byte(in), nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want one naming %q", in, err, want)
		}
	}
}

// Submitted records the submit, drops the URLs, and folds the URLs not submitted into
// the state as failed objects; the result decodes as itself and ends failed.
func TestSubmitted(t *testing.T) {
	d, err := Decode([]byte(`{"v":1,"submit":{"provider":"aliyun-cdn","urls":["https://a/1","https://a/2","https://a/3"]},"label":"web"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1767225600, 0)
	var rejected []NotSubmitted
	for i := 0; i < MaxFailures+5; i++ {
		rejected = append(rejected, NotSubmitted{URL: "https://a/x", Reason: "not submitted: quota"})
	}
	out := Submitted(d, []string{"11,12"}, 2, rejected, "ref-1", now)
	if d.Submit.Done() || len(d.Submit.URLs) != 3 {
		t.Fatal("Submitted changed its input")
	}
	if !out.Submit.Done() || len(out.Submit.URLs) != 0 || out.Submit.Submitted != 2 || out.Submit.Rejected != MaxFailures+5 ||
		len(out.TaskIDs) != 2 || out.Label != "web (2 URLs submitted, 55 not)" {
		t.Fatalf("submitted document %+v %+v", out, out.Submit)
	}
	st := out.State
	if st == nil || st.Total != 3 || st.Failed != 1 || st.Objects != MaxFailures+5 || len(st.Failures) != MaxFailures ||
		st.FailuresOmitted != 5 || st.Failures[0].TaskID != NotSubmittedID {
		t.Fatalf("state %+v", st)
	}
	b, err := Encode(out)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Decode(b, nil)
	if err != nil || again.SubmitPending() {
		t.Fatalf("the submitted document does not decode as a watch: %v\n%s", err, b)
	}
	// The watch ends failed once the tasks complete: the URLs not submitted count.
	res := Step(again, nil, now.Add(time.Second), DefaultPolicy(), Info{})
	if res.Doc.Finished() {
		t.Fatal("finished with tasks pending")
	}
	if Submitted(d, nil, 0, nil, "r", now).State != nil {
		t.Error("a submission with nothing rejected needs no state before the first hop")
	}
}
