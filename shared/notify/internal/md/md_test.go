package md_test

import (
	"strings"
	"testing"

	"cdnwatch/shared/notify/internal/md"
	"cdnwatch/shared/notify/msgtext"
)

// Visible reads markup as markup: what it returns for injected markup is not the text
// that was sent, which is how the receivers catch injection.
func TestVisibleReadsMarkup(t *testing.T) {
	for _, tt := range []struct {
		rd       md.Reader
		in, want string
	}{
		{md.Reader{}, "### **Tasks**: 3 *new* _x_ ~~y~~", "Tasks: 3 new x y"},
		{md.Reader{}, "> see [docs](http://x) ![pic](http://y)", "see docs pic"},
		{md.Reader{}, `<font color="warning">red</font> <@all> <at id=all></at>`, "red @all @mention"},
		{md.Reader{}, "`code` \\*x\\*", "`code` *x*"},
		{md.Reader{CodeSpans: true}, "`a*b*c` *d*", "a*b*c d"},
		{md.Reader{CodeSpans: true, Entities: true}, "&lt;b&gt; &amp; &#42; &#x41;", "<b> & * A"},
		{md.Reader{}, "&lt;b&gt;", "&lt;b&gt;"},
	} {
		if got := tt.rd.Visible(tt.in); got != tt.want {
			t.Errorf("%+v Visible(%q) = %q, want %q", tt.rd, tt.in, got, tt.want)
		}
	}
}

func doc(path, reason string) msgtext.Doc {
	return msgtext.Doc{Title: "❌ Task failed — web", Bar: -1, More: "…and %d more", Colon: ": ",
		Fields: []msgtext.Field{{Name: "Provider", Value: "aliyun-cdn"}},
		Lists:  []msgtext.List{{Title: "Failures (1)", Items: []msgtext.Item{{ID: "1", Path: path, Reason: reason}}, Extra: 2}},
		Footer: []string{"watch w1"}}
}

// Inert looks at every string a doc shows.
func TestInert(t *testing.T) {
	dl := md.Dialect{Active: "*<"}
	if !md.Inert(doc("/a.js", "timeout"), dl) {
		t.Error("a doc of plain words is not inert")
	}
	for _, d := range []msgtext.Doc{doc("/*", "timeout"), doc("/a.js", "<b>")} {
		if md.Inert(d, dl) {
			t.Errorf("%+v is inert", d.Lists[0].Items[0])
		}
	}
	d := doc("/a.js", "x")
	d.Footer = []string{"watch *w*"}
	if md.Inert(d, dl) {
		t.Error("a footer with markup is inert")
	}
	if !md.Inert(doc("/*", "<b>"), md.Dialect{}) {
		t.Error("a dialect with no active characters found something active")
	}
}

// PlainText lays a doc out with no markup at all, the list and its "…and N more" line
// included.
func TestPlainText(t *testing.T) {
	got := md.Render(doc("/img/*", "a <b>"), md.PlainText)
	want := "❌ Task failed — web\nProvider: aliyun-cdn\n\nFailures (1)\n- 1 /img/* — a <b>\n…and 2 more\n\nwatch w1"
	if got != want {
		t.Errorf("PlainText:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "**") {
		t.Error("markup in plain text")
	}
}
