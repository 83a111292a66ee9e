package trigger

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeEnvelope: any event, on either runtime, decodes or fails with a poison error
// (never succeeds on retry, goes to the dead-letter queue); never a panic. Records that
// decoded but carry a bad document hold a poison error of their own. The seeds are every
// sample in events/ plus state-bearing documents inside envelopes.
func FuzzDecodeEnvelope(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	state := `{\"v\":1,\"provider\":\"aliyun-cdn\",\"taskIds\":[\"1\"],\"state\":{\"v\":1,\"id\":\"w_1\",\"started\":1700000000,\"hops\":1,\"total\":1,\"due\":[{\"at\":1,\"n\":9223372036854775807}]}}`
	f.Add([]byte(`{"Records":[{"messageId":"m1","eventSource":"aws:sqs","body":"` + state + `"}]}`))
	f.Add([]byte(`{"triggerTime":"2026-12-01T00:00:00Z","triggerName":"t","payload":"` + state + `"}`))
	f.Add([]byte(`{"id":"1","source":"acs:mns","type":"mns:Queue:SendMessage","data":{"messageBody":"` + state + `"}}`))
	key := []byte("fuzz-key")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, rt := range []Runtime{Lambda, FC} {
			for _, k := range [][]byte{nil, key} {
				ev, err := Decode(rt, data, k)
				if err != nil {
					if !IsPoison(err) {
						t.Fatalf("%s: error is not poison (would be retried forever): %T %v", rt, err, err)
					}
					continue
				}
				for i, r := range ev.Records {
					if r.Err != nil && !IsPoison(r.Err) {
						t.Fatalf("%s: record %d error is not poison: %v", rt, i, r.Err)
					}
					if r.Err == nil && r.Doc == nil && r.Sweep == nil {
						t.Fatalf("%s: record %d has neither a document nor an error", rt, i)
					}
				}
			}
		}
	})
}
