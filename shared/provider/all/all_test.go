package all

import (
	"go/build/constraint"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cdnwatch/shared/provider"
)

// The default build registers every provider, each under the id Tags names.
func TestDefaultBuildHasEveryProvider(t *testing.T) {
	got := provider.Names()
	var want []string
	for id := range Tags {
		want = append(want, id)
	}
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("registered %v, want %v", got, want)
	}
}

// Every file's //go:build line means "its tag, or no provider tag": checked for no tag,
// each tag alone, and every pair.
func TestBuildConstraints(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	byTag := map[string]constraint.Expr{}
	for _, f := range files {
		if f == "all.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		line, _, _ := strings.Cut(string(raw), "\n")
		expr, err := constraint.Parse(line)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pkg := strings.TrimSuffix(f, ".go")
		found := ""
		for id, tag := range Tags {
			if strings.ReplaceAll(id, "-", "") == pkg {
				found = tag
			}
		}
		if found == "" || !strings.Contains(string(raw), `"cdnwatch/shared/provider/`+pkg+`"`) {
			t.Fatalf("%s imports no provider Tags names", f)
		}
		byTag[found] = expr
	}
	if len(byTag) != len(Tags) {
		t.Fatalf("%d provider files for %d tags", len(byTag), len(Tags))
	}
	var tags []string
	for _, tag := range Tags {
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
		on := map[string]bool{"linux": true, "lambda.norpc": true}
		for _, s := range set {
			on[s] = true
		}
		for tag, expr := range byTag {
			want := len(set) == 0 || on[tag]
			if got := expr.Eval(func(s string) bool { return on[s] }); got != want {
				t.Errorf("-tags %v: %s built in = %v, want %v", set, tag, got, want)
			}
		}
	}
}
