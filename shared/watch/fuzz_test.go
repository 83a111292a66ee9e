package watch

import (
	"errors"
	"testing"
)

// FuzzDecode: any input either decodes into a document that re-encodes and decodes to
// the same bytes, or fails with a *DecodeError / ErrMAC. Never a panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"provider":"aliyun-cdn","taskIds":["12345678","23456789,34567890"],"label":"x","interval":"30s","timeout":"2h"}`,
		`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"state":{"v":1,"id":"w_1","started":1700000000,"hops":2,"total":3,"complete":1,"failures":[{"id":"2","path":"/a","reason":"Origin Timeout"}],"outbox":{"queue":[{"n":{"id":"msg_1","kind":"task.failed","watch":"w_1","provider":"aliyun-cdn","started":"2026-01-01T00:00:00Z","at":"2026-01-01T00:01:00Z","counts":{"total":3,"complete":1,"failed":1,"unknown":0,"pending":1}}}]}},"done":false,"waitSeconds":5}`,
		`{"v":1,"provider":"aliyun-cdn","taskIds":["1","2","3"],"state":{"v":1,"id":"w_1","started":1700000000,"hops":3,"calls":9,"total":4,"failed":1,"taskNotices":1,"failing":2,"failingSince":1700000100,"due":[{"at":1700000200,"n":2},{"at":1700000300,"n":1}],"part":"1/2","outbox":{"threads":{"slack":"1.2"},"disabled":["wecom"]}}}`,
		`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"state":{"v":1,"id":"w_1","started":1700000000,"hops":1,"total":1,"due":[{"at":1700000200,"n":9223372036854775807}]}}`,
		`{"v":1,"provider":"aliyun-cdn","taskIds":[],"state":{"v":1,"id":"w_1","started":1700000000,"hops":9,"total":2,"complete":2,"finished":"complete","outbox":{}}}`,
		`{"v":1,"provider":"aliyun-cdn","taskIds":["1"],"state":{"v":1,"id":"w_1","started":1700000000,"hops":1,"total":1,"progress":1e999}}`,
		`{"v":1}`, `[]`, `{"v":1,"provider":"x","taskIds":[",,,"]}`, `{"v":1,"provider":"x","taskIds":["1"],"interval":12.5}`,
	} {
		f.Add([]byte(s))
	}
	key := []byte("fuzz")
	f.Fuzz(func(t *testing.T, data []byte) {
		// Without a key, state-bearing documents get through to the state validation,
		// and whatever is accepted must survive being sealed and verified.
		if d, err := Decode(data, nil); err == nil {
			sealedRoundTrip(t, d, key)
		}
		d, err := Decode(data, key)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) && !errors.Is(err, ErrMAC) {
				t.Fatalf("error of unexpected type %T: %v", err, err)
			}
			return
		}
		b, err := Encode(d)
		if err != nil {
			t.Fatalf("decoded document does not encode: %v", err)
		}
		sealedRoundTrip(t, d, key)
		d2, err := Decode(b, nil)
		if err != nil {
			t.Fatalf("re-encoded document does not decode: %v\n%s", err, b)
		}
		b2, _ := Encode(d2)
		if string(b) != string(b2) {
			t.Fatalf("round trip not stable:\n%s\n%s", b, b2)
		}
	})
}

// sealedRoundTrip: a document cdnwatch seals decodes, verifies, and re-encodes to the
// same bytes.
func sealedRoundTrip(t *testing.T, d *Document, key []byte) {
	t.Helper()
	c := d.Clone()
	if err := Seal(c, key); err != nil {
		t.Fatalf("accepted document does not seal: %v", err)
	}
	b, err := Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b, key)
	if err != nil {
		t.Fatalf("sealed document rejected: %v\n%s", err, b)
	}
	b2, _ := Encode(got)
	if string(b) != string(b2) {
		t.Fatalf("sealed document re-encodes differently:\n%s\n%s", b, b2)
	}
}
