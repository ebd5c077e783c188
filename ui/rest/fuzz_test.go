package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/tools/txtar"

	"github.com/xprov/xprov/engine"
)

// FuzzDecodeRequest feeds arbitrary bodies to the request decoding of every write route: the
// decoder never panics, accepts only a single valid JSON object, and refuses everything else
// with a 400 or a 422 (with pointers) that names no Go type. A create's chosen id that passes
// engine.CheckServiceID is a path segment as it is. Seeds: the bad-input corpus's bodies.
func FuzzDecodeRequest(f *testing.F) {
	ar, err := txtar.ParseFile(filepath.Join("testdata", "badinput", "bodies.txtar"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range ar.Files {
		data := bytes.TrimSuffix(file.Data, []byte("\n"))
		switch {
		case strings.HasSuffix(file.Name, ".gen"):
			continue // large by design; the corpus test sends them
		case strings.HasSuffix(file.Name, ".q"):
			s, err := strconv.Unquote(string(data))
			if err != nil {
				f.Fatal(err)
			}
			data = []byte(s)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"type":"eline","id":"svc-1","intent":{"customer":"a"}}`))
	f.Add([]byte(`{}]`))
	if b, err := os.ReadFile(filepath.Join("testdata", "badinput", "content-types.txt")); err == nil {
		f.Add(b) // not JSON at all
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{&CreateRequest{}, &ModifyRequest{}, &ValidateRequest{}, &TokenRequest{}, &DiscoverRequest{}, &OpRequest{}}
		for _, v := range targets {
			err := decodeJSON(body, v, true)
			if err == nil {
				if len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
					t.Fatalf("%T: accepted invalid JSON %q", v, body)
				}
				if c, ok := v.(*CreateRequest); ok && engine.CheckServiceID(c.ID) == nil {
					if url.PathEscape(c.ID) != c.ID || len(c.ID) > engine.ServiceIDMaxLen || !utf8.ValidString(c.ID) {
						t.Fatalf("id %q passes CheckServiceID", c.ID)
					}
				}
				continue
			}
			p := problemFor(err)
			switch p.Status {
			case http.StatusBadRequest:
			case http.StatusUnprocessableEntity:
				if len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Pointer, "/") {
					t.Fatalf("%T: 422 without a pointer for %q: %+v", v, body, p)
				}
			default:
				t.Fatalf("%T: status %d for %q: %+v", v, p.Status, body, p)
			}
			if strings.Contains(p.Detail, "Go struct") || strings.Contains(p.Detail, "json: ") {
				t.Fatalf("%T: Go internals for %q: %s", v, body, p.Detail)
			}
		}
	})
}
