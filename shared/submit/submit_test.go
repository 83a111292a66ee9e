package submit

import (
	"fmt"
	"strings"
	"testing"

	"cdnwatch/shared/provider"
)

func TestSplit(t *testing.T) {
	var urls []string
	for i := 0; i < 2500; i++ {
		urls = append(urls, fmt.Sprintf("https://h%d.example.com/%d", i%3, i))
	}
	check := func(name string, lim provider.SubmitLimits, want int) {
		t.Helper()
		chunks := Split(urls, lim)
		n := 0
		for _, c := range chunks {
			hosts := map[string]bool{}
			for _, u := range c {
				hosts[provider.Host(u)] = true
			}
			if len(c) > lim.PerCall || (lim.OneDomainPerCall && len(hosts) > 1) || (lim.DomainsPerCall > 0 && len(hosts) > lim.DomainsPerCall) {
				t.Errorf("%s: a chunk of %d URLs over %d hosts breaks %+v", name, len(c), len(hosts), lim)
			}
			n += len(c)
		}
		if n != len(urls) || len(chunks) != want {
			t.Errorf("%s: %d URLs in %d chunks, want %d in %d", name, n, len(chunks), len(urls), want)
		}
	}
	check("aliyun-cdn", provider.SubmitLimits{PerCall: 1000, DomainsPerCall: 10}, 3)
	check("one domain", provider.SubmitLimits{PerCall: 1000, OneDomainPerCall: true}, 3)
	check("two domains", provider.SubmitLimits{PerCall: 1000, DomainsPerCall: 2}, 3)
	check("one domain, 100", provider.SubmitLimits{PerCall: 100, OneDomainPerCall: true}, 27)
	check("one per call", provider.SubmitLimits{PerCall: 1}, 2500)
}

func TestClean(t *testing.T) {
	got, err := Clean([]string{" https://a.example.com/x ", "", "# comment", "https://a.example.com/x", "/img/*"})
	if err != nil || len(got) != 2 || got[0] != "https://a.example.com/x" || got[1] != "/img/*" {
		t.Fatalf("Clean: %v %v", got, err)
	}
	for _, bad := range [][]string{{}, {"\t"}, {"https://a.example.com/\x00"}, {"?q=1"}, {"https://a/" + strings.Repeat("x", 1100)}} {
		if _, err := Clean(bad); err == nil {
			t.Errorf("Clean(%q) accepted", bad)
		}
	}
}

func TestRef(t *testing.T) {
	a := Ref("aliyun-cdn", provider.Refresh, "file", []string{"u1", "u2"}, "message:1")
	if a != Ref("aliyun-cdn", provider.Refresh, "file", []string{"u1", "u2"}, "message:1") {
		t.Error("Ref is not deterministic")
	}
	for _, other := range []string{
		Ref("aliyun-cdn", provider.Refresh, "file", []string{"u1", "u2"}, "message:2"),
		Ref("aliyun-cdn", provider.Prefetch, "file", []string{"u1", "u2"}, "message:1"),
		Ref("aliyun-cdn", provider.Refresh, "file", []string{"u1"}, "message:1"),
		Ref("aliyun-cdn", provider.Refresh, "file", []string{"u1u2"}, "message:1"),
	} {
		if other == a {
			t.Errorf("different submissions share the reference %s", a)
		}
	}
	if len(a) > 64 {
		t.Errorf("reference %q too long for a CallerReference-style key", a)
	}
}
