package web

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/xprov/xprov/schemas"
)

//go:embed static
var static embed.FS

// Options configures the console.
type Options struct {
	// APIBase is the path prefix of the REST API the console calls; default "/api/v1".
	APIBase string
	// Title is shown in the header and the window title; default "xprov".
	Title string
}

// contentTypes fixes the types of the assets the console ships, so that they never depend on
// the host's MIME database (a module script served as text/plain is refused by browsers).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
}

// csp allows nothing but this origin: a stray reference to a CDN fails loudly in the browser.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// Handler returns the console: assets under /assets/, shared schemas under /schemas/, and
// index.html for any other GET or HEAD path so that client-side routes survive a reload.
// Paths under the API base are not served (404), so a mistaken mount never hides the API.
func Handler(opts Options) http.Handler {
	if opts.APIBase == "" {
		opts.APIBase = "/api/v1"
	}
	if opts.Title == "" {
		opts.Title = "xprov"
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("web: embedded assets: " + err.Error())
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic("web: embedded index.html: " + err.Error())
	}
	index = bytes.ReplaceAll(index, []byte("{{API_BASE}}"), []byte(htmlEscape(opts.APIBase)))
	index = bytes.ReplaceAll(index, []byte("{{TITLE}}"), []byte(htmlEscape(opts.Title)))
	h := &handler{assets: sub, index: index, apiBase: strings.TrimSuffix(opts.APIBase, "/"), started: time.Now()}
	return h
}

type handler struct {
	assets  fs.FS
	index   []byte
	apiBase string
	started time.Time
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch {
	case p == h.apiBase || strings.HasPrefix(p, h.apiBase+"/"):
		http.NotFound(w, r)
	case strings.HasPrefix(p, "/assets/"):
		h.serveFile(w, r, h.assets, strings.TrimPrefix(p, "/"))
	case strings.HasPrefix(p, "/schemas/"):
		h.serveFile(w, r, schemas.FS(), strings.TrimPrefix(p, "/schemas/"))
	default:
		// Any other path is a client-side route (or a missing page the app reports itself).
		h.serveIndex(w, r)
	}
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", contentTypes[".html"])
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, "index.html", h.started, bytes.NewReader(h.index))
}

func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	// Assets change with the binary; revalidate cheaply rather than pinning stale code.
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, h.started, bytes.NewReader(b))
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")
	return r.Replace(s)
}
