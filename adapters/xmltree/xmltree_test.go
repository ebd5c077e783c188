package xmltree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"math"
	"strings"
	"testing"
)

var lenient = Options{
	Limits:                Limits{MaxBytes: math.MaxInt64, MaxDepth: 256, MaxElements: math.MaxInt},
	AllowDirectives:       true,
	IgnoreTextOutsideRoot: true,
}

func TestParse(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("<a>", n) + strings.Repeat("</a>", n) }
	tests := []struct {
		name    string
		doc     string
		opts    Options
		want    string // root local name when the parse succeeds
		wantErr string // substring of the error, "" for success
		limit   bool   // the error wraps ErrLimit
	}{
		{name: "one root", doc: `<?xml version="1.0"?><!-- c --><r><a/></r>`, want: "r"},
		{name: "pretty printed", doc: "<r>\n  <a>\n    <b>x</b>\n  </a>\n  <c/>\n</r>\n", want: "r"},
		{name: "empty", doc: "  ", wantErr: "xml: no root element"},
		{name: "two roots", doc: `<a/><b/>`, wantErr: "xml: more than one root element"},
		{name: "unclosed", doc: `<a><b>`, wantErr: "unexpected EOF"},
		{name: "undefined entity", doc: `<a>&e;</a>`, wantErr: "invalid character entity"},
		{name: "predefined entity", doc: `<a>&lt;&amp;</a>`, want: "a"},
		{name: "text outside root", doc: `<a/>junk`, wantErr: "character data outside the root element"},
		{name: "text outside root ignored", doc: `junk<a/>junk`, opts: Options{IgnoreTextOutsideRoot: true}, want: "a"},
		{name: "doctype refused", doc: `<!DOCTYPE a [<!ENTITY e "x">]><a/>`, wantErr: "DTD or directive not allowed", limit: true},
		{name: "doctype allowed", doc: `<!DOCTYPE a><a/>`, opts: Options{AllowDirectives: true}, want: "a"},
		{name: "doctype allowed, entity still unknown", doc: `<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`, opts: Options{AllowDirectives: true}, wantErr: "invalid character entity"},
		{name: "depth at limit", doc: deep(3), opts: Options{Limits: Limits{MaxDepth: 3}}, want: "a"},
		{name: "depth over limit", doc: deep(4), opts: Options{Limits: Limits{MaxDepth: 3}}, wantErr: "nesting deeper than 3", limit: true},
		{name: "default depth", doc: deep(DefaultMaxDepth + 1), wantErr: "nesting deeper than 64", limit: true},
		{name: "lenient depth", doc: deep(256), opts: lenient, want: "a"},
		{name: "lenient depth over", doc: deep(257), opts: lenient, wantErr: "nesting deeper than 256", limit: true},
		{name: "elements over limit", doc: `<r><a/><a/></r>`, opts: Options{Limits: Limits{MaxElements: 2}}, wantErr: "more than 2 elements", limit: true},
		{name: "bytes over limit", doc: `<r>0123456789</r>`, opts: Options{Limits: Limits{MaxBytes: 10}}, wantErr: "larger than 10 bytes", limit: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseBytesWith([]byte(tc.doc), tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				if errors.Is(err, ErrLimit) != tc.limit {
					t.Errorf("errors.Is(err, ErrLimit) = %v, want %v", !tc.limit, tc.limit)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Name.Local != tc.want {
				t.Errorf("root = %q, want %q", n.Name.Local, tc.want)
			}
		})
	}
}

func TestParseReader(t *testing.T) {
	tests := []struct {
		name    string
		lim     Limits
		doc     string
		wantErr string
	}{
		{name: "at the byte limit", lim: Limits{MaxBytes: 4}, doc: "<a/>"},
		{name: "one byte over", lim: Limits{MaxBytes: 3}, doc: "<a/>", wantErr: "larger than 3 bytes"},
		{name: "no byte limit", lim: Limits{MaxBytes: math.MaxInt64}, doc: "<a/>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.doc), tc.lim)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestTree(t *testing.T) {
	doc := `<r xmlns="urn:r" xmlns:p="urn:p" p:op="del" name="top">
  <name>
    ge-0/0/1
  </name>
  mixed <b>in</b> text
  <unit><name>1</name><unit><name>2</name></unit></unit>
  <x><unit><name>3</name></unit></x>
</r>`
	tests := []struct {
		name  string
		opts  Options
		attrs int // attributes kept on the root
	}{
		{name: "namespace declarations kept", attrs: 4},
		{name: "namespace declarations dropped", opts: Options{DropNamespaceDecls: true}, attrs: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseBytesWith([]byte(doc), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Attr) != tc.attrs {
				t.Errorf("root has %d attributes, want %d: %v", len(r.Attr), tc.attrs, r.Attr)
			}
			if r.Name.Space != "urn:r" || r.Child("name").Name.Space != "urn:r" {
				t.Errorf("names not resolved: %v, %v", r.Name, r.Child("name").Name)
			}
			if got := r.ChildText("name"); got != "ge-0/0/1" {
				t.Errorf("ChildText(name) = %q", got)
			}
			if got := r.Child("name").Text; got != "\n    ge-0/0/1\n  " {
				t.Errorf("Text is not kept as is: %q", got)
			}
			if got := strings.Join(strings.Fields(r.Text), " "); got != "mixed text" {
				t.Errorf("mixed text = %q, want the text directly inside only", got)
			}
			if v, ok := r.AttrValue("op"); !ok || v != "del" {
				t.Errorf("AttrValue(op) = %q, %v", v, ok)
			}
			if _, ok := r.AttrValue("p"); ok {
				t.Error("AttrValue(p) found the xmlns:p declaration")
			}
			var names []string
			for _, u := range r.Find("unit") {
				names = append(names, u.ChildText("name"))
			}
			if got := strings.Join(names, ","); got != "1,3" {
				t.Errorf("Find(unit) names = %s, want 1,3 (no descent into a match)", got)
			}
		})
	}
}

func TestNilSafe(t *testing.T) {
	var n *Node
	if n.Child("a") != nil || n.ChildText("a") != "" || n.Elements() != nil || n.Find("a") != nil {
		t.Error("lookups on a nil node must return zero values")
	}
	if _, ok := n.AttrValue("a"); ok {
		t.Error("AttrValue on a nil node found something")
	}
}

func TestFragment(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		kids int
	}{
		{name: "empty", doc: "", kids: 0},
		{name: "siblings", doc: "<a/>\n<b><c/></b>", kids: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseFragment([]byte(tc.doc), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Elements()) != tc.kids {
				t.Errorf("%d children, want %d", len(r.Elements()), tc.kids)
			}
		})
	}
}

func TestBuildEncode(t *testing.T) {
	n := (&Node{Name: xml.Name{Local: "rpc-reply"}}).SetAttr("message-id", `1"<`).Add(
		&Node{Name: xml.Name{Local: "output"}, Text: "a < b & c"},
		nil,
		&Node{Name: xml.Name{Local: "ok"}},
	)
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := n.Encode(enc); err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `<rpc-reply message-id="1&#34;&lt;"><output>a &lt; b &amp; c</output><ok></ok></rpc-reply>`
	if b.String() != want {
		t.Fatalf("encoded\n%s\nwant\n%s", b.String(), want)
	}
	back, err := ParseBytes(b.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back.AttrValue("message-id"); v != `1"<` || back.ChildText("output") != "a < b & c" || len(back.Children) != 2 {
		t.Errorf("round trip lost data: %+v", back)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`<r a="1"><b>x</b> y <c/></r>`))
	f.Add([]byte("<r>\n <a>\n  <b/>\n </a>\n</r>"))
	f.Add([]byte(`<!DOCTYPE r><r>&lt;</r>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range []Options{{}, lenient, {DropNamespaceDecls: true, AllowDirectives: true}} {
			n, err := ParseBytesWith(data, o)
			if err != nil {
				continue
			}
			var b bytes.Buffer
			enc := xml.NewEncoder(&b)
			if err := n.Encode(enc); err != nil {
				continue // names with a namespace but no prefix may not re-encode
			}
			_ = enc.Flush()
		}
	})
}
