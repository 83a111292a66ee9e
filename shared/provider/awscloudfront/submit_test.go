package awscloudfront

import (
	"context"
	"testing"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/provider/providertest"
)

func TestSubmitConformance(t *testing.T) {
	providertest.RunSubmit(t, providertest.SubmitHarness{Harness: harness, RefreshAction: actCreate, Hosts: 1, Idempotent: true})
}

func TestPath(t *testing.T) {
	for _, tt := range []struct{ in, typ, want string }{
		{"https://d111.cloudfront.net/a/b.js", provider.TypeFile, "/a/b.js"},
		{"https://example.com", provider.TypeFile, "/"},
		{"/img/", provider.TypeDirectory, "/img/*"},
		{"img/x.png", provider.TypeFile, "/img/x.png"},
		{"https://example.com/img/*", provider.TypeDirectory, "/img/*"},
	} {
		if got := Path(tt.in, tt.typ); got != tt.want {
			t.Errorf("Path(%q, %s) = %q, want %q", tt.in, tt.typ, got, tt.want)
		}
	}
}

// The same CallerReference never creates a second invalidation, and a reused one with
// other paths is refused, as CloudFront documents.
func TestCallerReferenceIdempotent(t *testing.T) {
	sim, srv := newSim(t)
	c, err := openAt(t, srv.URL, map[string]string{ScopeDistributionID: cdnsim.CloudFrontDistributionID})
	if err != nil {
		t.Fatal(err)
	}
	drv := c.Driver().(*driver)
	req := provider.SubmitRequest{Kind: provider.Refresh, Type: provider.TypeFile, URLs: []string{"/a.js", "/b.js"}, Ref: "ref-1"}
	id1, err := drv.Submit(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := drv.Submit(context.Background(), req)
	if err != nil || id2[0] != id1[0] {
		t.Fatalf("second submit with the same reference: %v %v, want %v", id2, err, id1)
	}
	req.URLs = []string{"/c.js"}
	if _, err := drv.Submit(context.Background(), req); err == nil {
		t.Fatal("the same reference with other paths was accepted")
	}
	if st := sim.SubmitStats(Name); st.URLs != 2 {
		t.Errorf("the simulator took %d paths, want 2", st.URLs)
	}
}
