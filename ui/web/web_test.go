package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Result()
}

func TestHandlerContentTypes(t *testing.T) {
	h := Handler(Options{})
	tests := []struct {
		name, path, ctype string
		status            int
	}{
		{name: "index", path: "/", ctype: "text/html; charset=utf-8", status: 200},
		{name: "module script", path: "/assets/js/app.js", ctype: "text/javascript; charset=utf-8", status: 200},
		{name: "stylesheet", path: "/assets/css/app.css", ctype: "text/css; charset=utf-8", status: 200},
		{name: "icon", path: "/assets/favicon.svg", ctype: "image/svg+xml", status: 200},
		{name: "shared schema", path: "/schemas/common.json", ctype: "application/json", status: 200},
		{name: "missing asset is not the app", path: "/assets/js/nope.js", status: 404},
		{name: "api is not the app", path: "/api/v1/services", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, h, tt.path)
			if res.StatusCode != tt.status {
				t.Fatalf("GET %s: status %d, want %d", tt.path, res.StatusCode, tt.status)
			}
			if tt.ctype != "" && res.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("GET %s: Content-Type %q, want %q", tt.path, res.Header.Get("Content-Type"), tt.ctype)
			}
			if tt.status == 200 && res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: no nosniff header", tt.path)
			}
		})
	}
}

func TestHandlerSPAFallback(t *testing.T) {
	h := Handler(Options{Title: "xprov <lab>"})
	for _, p := range []string{"/services", "/services/eline-1", "/services/eline-1/modify", "/runs/run-1", "/inventory/pe1", "/no/such/page"} {
		res := get(t, h, p)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(string(body), `<script type="module" src="/assets/js/app.js">`) {
			t.Errorf("GET %s: status %d, want index.html", p, res.StatusCode)
		}
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: CSP %q does not confine the page to its origin", p, res.Header.Get("Content-Security-Policy"))
		}
		if !strings.Contains(string(body), "xprov &lt;lab&gt;") || strings.Contains(string(body), "{{") {
			t.Errorf("GET %s: title not substituted and escaped", p)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/services", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /services: status %d, want 405", rec.Code)
	}
}

func TestHandlerAPIBase(t *testing.T) {
	h := Handler(Options{APIBase: "/x/api"})
	res := get(t, h, "/")
	body, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(body), `content="/x/api"`) {
		t.Errorf("index does not carry the API base")
	}
	if res := get(t, h, "/x/api/me"); res.StatusCode != 404 {
		t.Errorf("GET under the API base: status %d, want 404", res.StatusCode)
	}
}

// Namespace identifiers are names, never fetched: SVG's is the only one the console writes.
var allowedURL = map[string]bool{"http://www.w3.org/2000/svg": true}

// TestNoExternalURLs fails when any embedded asset refers to another origin (a CDN, a web
// font, an analytics script): the console must work on a network with no internet.
func TestNoExternalURLs(t *testing.T) {
	urlRe := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*`)
	importRe := regexp.MustCompile(`(?i)(@import\s+url|src=["']//|href=["']//)`)
	n := 0
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range urlRe.FindAllString(string(b), -1) {
			if !allowedURL[strings.TrimRight(m, ";,")] {
				t.Errorf("%s refers to %s", p, m)
			}
		}
		if m := importRe.FindString(string(b)); m != "" {
			t.Errorf("%s loads from another origin: %s", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d embedded assets found", n)
	}
}
