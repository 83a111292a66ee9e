package watch

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/provider"
)

func TestDecodeValid(t *testing.T) {
	in := `{"v":1,"provider":"aliyun-cdn","taskIds":["12345678"," 23456789,34567890 ","12345678"],
	  "scope":{"distributionId":"E2ABC"},"label":"web v1.4.2","notify":["slack"],"interval":"30s","timeout":7200}`
	d, err := Decode([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.TaskIDs, ","); got != "12345678,23456789,34567890" {
		t.Errorf("ids = %s", got)
	}
	if d.Interval.D != 30*time.Second || d.Timeout.D != 2*time.Hour {
		t.Errorf("interval=%v timeout=%v", d.Interval.D, d.Timeout.D)
	}
	b, err := Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"provider":"aliyun-cdn","taskIds":["12345678","23456789","34567890"],"scope":{"distributionId":"E2ABC"},"label":"web v1.4.2","notify":["slack"],"interval":"30s","timeout":"2h0m0s"}`
	if string(b) != want {
		t.Errorf("encode =\n%s\nwant\n%s", b, want)
	}
}

func TestDecodeErrorsNameTheField(t *testing.T) {
	tests := []struct{ in, field, problem string }{
		{``, "", "empty"},
		{`{"v":1,`, "", "truncated"},
		{`[1,2]`, "", "want watch.wire"},
		{`{"v":2,"provider":"aliyun-cdn","taskIds":["1"]}`, "v", "not supported"},
		{`{"provider":"aliyun-cdn","taskIds":["1"]}`, "v", "missing"},
		{`{"v":1,"taskIds":["1"]}`, "provider", "missing"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":[]}`, "taskIds", "no task ids"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":[" , "]}`, "taskIds", "no task ids"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":"123"}`, "taskIds", "want []string"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"tasks":[]}`, "tasks", "unknown field"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"interval":"soon"}`, "", "want e.g."},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"timeout":"-5m"}`, "timeout", "negative"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":["a b"]}`, "taskIds", "malformed task id"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"state":{"v":9}}`, "state.v", "not supported"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"state":{"v":1,"id":"w","started":1,"total":-1,"hops":1}}`, "state.total", "negative"},
		{`{"v":1,"provider":"aliyun-cdn","taskIds":["1"]} {}`, "", "trailing"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Decode([]byte(tc.in), nil)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
			if de.Field != tc.field || !strings.Contains(de.Problem, tc.problem) {
				t.Fatalf("err = field %q problem %q; want field %q problem containing %q", de.Field, de.Problem, tc.field, tc.problem)
			}
		})
	}
}

func TestResponseDecodesAsDocument(t *testing.T) {
	r := Step(doc("1", "2"), map[string]provider.Task{"1": task("1", provider.Complete)}, t0, DefaultPolicy(), Info{})
	b, err := EncodeResponse(&Response{Document: *r.Doc, Done: false, WaitSeconds: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"done":false,"waitSeconds":5`) {
		t.Fatalf("response lacks done/waitSeconds: %s", b)
	}
	d, err := Decode(b, nil)
	if err != nil {
		t.Fatalf("a response fed back in (state machine loop) must decode: %v", err)
	}
	if d.State.Complete != 1 || strings.Join(d.TaskIDs, ",") != "2" {
		t.Fatalf("state lost on round trip: %+v", d.State)
	}
}

func TestMAC(t *testing.T) {
	key := []byte("k3y")
	r := Step(doc("1", "2"), map[string]provider.Task{"1": task("1", provider.Complete)}, t0, DefaultPolicy(), Info{})
	if err := Seal(r.Doc, key); err != nil {
		t.Fatal(err)
	}
	good, _ := Encode(r.Doc)
	if _, err := Decode(good, key); err != nil {
		t.Fatalf("sealed document rejected: %v", err)
	}
	tampered := strings.Replace(string(good), `"complete":1`, `"complete":0`, 1)
	if _, err := Decode([]byte(tampered), key); !errors.Is(err, ErrMAC) {
		t.Fatalf("tampered state: err = %v, want ErrMAC", err)
	}
	if _, err := Decode(good, []byte("other")); !errors.Is(err, ErrMAC) {
		t.Fatalf("other key: err = %v, want ErrMAC", err)
	}
	stripped := r.Doc.Clone()
	stripped.MAC = ""
	sb, _ := Encode(stripped)
	if _, err := Decode(sb, key); !errors.Is(err, ErrMAC) {
		t.Fatalf("stripped mac: err = %v, want ErrMAC", err)
	}
	// A first submission has no state and needs no MAC.
	if _, err := Decode([]byte(`{"v":1,"provider":"aliyun-cdn","taskIds":["1"]}`), key); err != nil {
		t.Fatalf("first submission rejected: %v", err)
	}
}

func bigWatch(n int) *Document {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%011d", 17803183907+i)
	}
	return Step(doc(ids...), nil, t0, DefaultPolicy(), Info{}).Doc
}

func TestSplitFitsBudgetAndKeepsEveryID(t *testing.T) {
	d := bigWatch(10000)
	for _, budget := range []int{BudgetMNS, BudgetStepFunctions} {
		parts, err := Split(d, budget)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		total := 0
		ids := map[string]bool{}
		for _, p := range parts {
			b, _ := Encode(p)
			if len(b) > budget {
				t.Errorf("part %s is %d bytes, budget %d", p.State.Part, len(b), budget)
			}
			for _, id := range p.TaskIDs {
				if seen[id] {
					t.Errorf("id %s in two parts", id)
				}
				seen[id] = true
			}
			total += p.State.Total
			if ids[p.State.ID] {
				t.Errorf("two parts share watch id %s", p.State.ID)
			}
			ids[p.State.ID] = true
		}
		if len(seen) != 10000 || total != 10000 {
			t.Fatalf("budget %d: %d parts hold %d ids, totals sum to %d; want 10000", budget, len(parts), len(seen), total)
		}
		if budget == BudgetMNS && len(parts) < 3 {
			t.Errorf("10,000 ids in %d MNS parts: suspicious", len(parts))
		}
	}
	one, err := Split(bigWatch(10), BudgetMNS)
	if err != nil || len(one) != 1 {
		t.Fatalf("small watch split into %d (%v)", len(one), err)
	}
}

func TestSplitRefusesStateOverBudget(t *testing.T) {
	d := bigWatch(10)
	d.Label = strings.Repeat("x", 200)
	_, err := Split(d, 100)
	var be *BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *BudgetError", err)
	}
}
