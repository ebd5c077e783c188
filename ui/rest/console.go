package rest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/store"
)

// Routes the web console needs beyond the others (docs/api-routes.md, "Console").

// ServiceCount is GET /reports/services: how many services the filters of GET /services
// select, so that a list can say "1-50 of 12,345" without walking every page.
type ServiceCount struct {
	Total int64 `json:"total"`
}

// consoleRoutes lists the console's routes for the route table.
func (s *Server) consoleRoutes() []route {
	return []route{
		{"GET", "/reports/services", store.RoleViewer, s.countServices},
		{"GET", "/services/{id}/config/native", store.RoleViewer, s.nativeConfig},
		{"POST", "/session", store.RoleViewer, s.startSession},
		{"DELETE", "/session", store.RoleViewer, s.endSession},
	}
}

// SessionCookie is the cookie that carries a browser's bearer token (see Authenticate).
const SessionCookie = "xprov_session"

// CSRFHeader must accompany every change authenticated by the session cookie. Its value does
// not matter: a cross-site page cannot send a custom header without the server's consent
// (CORS), and the server never consents.
const CSRFHeader = "X-Xprov-Csrf"

// sessionCookie is the session cookie holding token for the API's paths: never readable by
// scripts (HttpOnly), never sent with a cross-site request (SameSite=Strict), Secure behind
// TLS. maxAge < 0 deletes it; 0 makes it last until the browser closes.
func sessionCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: token, Path: "/api/v1", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")}
}

// startSession is POST /session: the bearer token of the request (Authorization header)
// becomes the session cookie, so that a browser stays signed in across its tabs without any
// script holding the token. The answer is the caller, as GET /me.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request) {
	p, _ := principalOf(r.Context())
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if tok = strings.TrimSpace(tok); tok == "" {
		if c, err := r.Cookie(SessionCookie); err == nil {
			tok = c.Value
		}
	}
	if tok == "" {
		s.writeError(w, r, badRequest("POST /session turns the Authorization header's bearer token into a session"))
		return
	}
	http.SetCookie(w, sessionCookie(r, tok, 0))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, p)
}

// endSession is DELETE /session: the session cookie is cleared (the token stays valid).
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, sessionCookie(r, "", -1))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) countServices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.ServiceFilter{Type: q.Get("type"), State: q.Get("state"), Customer: q.Get("customer"),
		Device: q.Get("device"), Port: q.Get("port"), Query: q.Get("q")}
	if f.Port != "" && f.Device == "" {
		s.writeError(w, r, badRequest("query parameter port needs device"))
		return
	}
	n, err := s.st.CountServices(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ServiceCount{Total: n})
}

// NativeConfig is the configuration a service owns on one target, in the target's own syntax
// (Junos set commands, SAM object operations) as its adapter renders a change set that
// creates it; Format says which ("text" when the target has no renderer of its own).
type NativeConfig struct {
	Target string `json:"target"`
	Format string `json:"format"`
	Text   string `json:"text"`
	// Nodes is how many configuration nodes the service owns there.
	Nodes int `json:"nodes"`
}

// nativeConfig is GET /services/{id}/config/native: what GET /services/{id}/config lists,
// per target, rendered as the lines that would create it on that target.
func (s *Server) nativeConfig(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	if _, err := s.st.GetService(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	owned, err := s.st.Owned(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	by := map[string][]config.Change{}
	for _, l := range owned {
		p, err := config.ParsePath(l.Path)
		if err != nil {
			s.writeError(w, r, fmt.Errorf("rest: service %s owns an unreadable path %q on %s: %w", id, l.Path, l.Target, err))
			return
		}
		by[l.Target] = append(by[l.Target], config.Change{Op: config.Create, Path: p, Value: l.Value})
	}
	targets := make([]string, 0, len(by))
	for t := range by {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	out := make([]NativeConfig, 0, len(targets))
	for _, t := range targets {
		cs := config.ChangeSet{Target: t, Changes: by[t]}
		nc := NativeConfig{Target: t, Format: "text", Nodes: len(cs.Changes)}
		if tg, ok := s.target(t); ok {
			if rd, err := tg.Render(cs); err == nil {
				nc.Format, nc.Text = rd.Format, rd.Text
			}
		}
		if nc.Text == "" {
			var b strings.Builder
			for _, c := range cs.Changes {
				fmt.Fprintf(&b, "%s %s\n", c.Path.String(), c.Value)
			}
			nc.Format, nc.Text = "text", b.String()
		}
		out = append(out, nc)
	}
	writeJSON(w, http.StatusOK, list(out, ""))
}

// target returns the engine's southbound target of that name, when the engine offers them
// (*engine.Engine does).
func (s *Server) target(name string) (adapters.Target, bool) {
	te, ok := s.eng.(interface {
		Target(string) (adapters.Target, bool)
	})
	if !ok {
		return nil, false
	}
	return te.Target(name)
}
