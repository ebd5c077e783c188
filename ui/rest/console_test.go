package rest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xprov/xprov/ui/rest"
)

// testConsole: GET /reports/services counts what GET /services lists for the same filters,
// free text included (case-insensitive words of id, customer and intent).
func testConsole(t *testing.T, h *harness) {
	h.create(t, "count-a", eline("Count-Corp", 3001, "pe2:ge-0/0/2", "sr2:1/1/1"))
	h.create(t, "count-b", eline("Count-Corp", 3002, "pe2:ge-0/0/2", "sr2:1/1/1"))
	tests := []struct {
		query string
		want  int64
	}{
		{"q=count-corp", 2},
		{"q=COUNT-CORP+3002", 1},
		{"q=count-&device=pe2&port=ge-0/0/2", 2},
		{"q=count-&type=eline&state=active", 2},
		{"customer=Count-Corp", 2},
		{"q=" + url.QueryEscape("no such thing"), 0},
	}
	for _, tc := range tests {
		r := h.do(t, req{method: "GET", path: "/api/v1/reports/services?" + tc.query, role: viewer})
		wantStatus(t, r, http.StatusOK)
		var got rest.ServiceCount
		r.json(t, &got)
		if got.Total != tc.want {
			t.Errorf("count %s = %d, want %d", tc.query, got.Total, tc.want)
		}
		// The list agrees.
		var page struct {
			Items []struct{ ID string } `json:"items"`
		}
		h.do(t, req{method: "GET", path: "/api/v1/services?limit=1000&" + tc.query, role: viewer}).json(t, &page)
		if int64(len(page.Items)) != tc.want {
			t.Errorf("list %s has %d services, the count says %d", tc.query, len(page.Items), tc.want)
		}
	}
	if p := h.do(t, req{method: "GET", path: "/api/v1/reports/services?port=ge-0/0/2", role: viewer}).problem(t); p.Status != http.StatusBadRequest {
		t.Errorf("port without device: %+v", p)
	}
}

// testSession: POST /session turns the bearer token into an HttpOnly, SameSite=Strict cookie
// that authenticates reads alone and changes only with the CSRF header; a refused cookie is
// cleared; DELETE /session clears it.
func testSession(t *testing.T, h *harness) {
	r := h.do(t, req{method: "POST", path: "/api/v1/session", role: operator})
	wantStatus(t, r, http.StatusOK)
	var me rest.Principal
	r.json(t, &me)
	var c *http.Cookie
	for _, x := range (&http.Response{Header: r.Header}).Cookies() {
		if x.Name == rest.SessionCookie {
			c = x
		}
	}
	if c == nil || c.Value != h.env.Tokens[operator] || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/api/v1" || me.Role != operator {
		t.Fatalf("session cookie %+v, caller %+v", c, me)
	}
	if strings.Contains(string(r.Body), h.env.Tokens[operator]) {
		t.Fatal("the token is in the answer's body")
	}
	cookie := map[string]string{"Cookie": rest.SessionCookie + "=" + c.Value}
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/me", header: cookie}), http.StatusOK)
	// A change by cookie without the CSRF header is refused; with it, it goes through.
	p := h.do(t, req{method: "DELETE", path: "/api/v1/session", header: cookie}).problem(t)
	if p.Status != http.StatusForbidden || !strings.Contains(p.Detail, rest.CSRFHeader) {
		t.Fatalf("cookie change without %s: %+v", rest.CSRFHeader, p)
	}
	withCSRF := map[string]string{"Cookie": cookie["Cookie"], rest.CSRFHeader: "1"}
	r = h.do(t, req{method: "DELETE", path: "/api/v1/session", header: withCSRF})
	wantStatus(t, r, http.StatusNoContent)
	if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, rest.SessionCookie+"=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Fatalf("DELETE /session sets %q", sc)
	}
	// A bearer header still needs no CSRF header (scripts and the CLI).
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services/count-a/audit", role: operator}), http.StatusOK)
	// An unknown cookie is a 401 that clears it.
	r = h.do(t, req{method: "GET", path: "/api/v1/me", header: map[string]string{"Cookie": rest.SessionCookie + "=xp_nonsense"}})
	if r.Status != http.StatusUnauthorized || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("unknown cookie: %d, Set-Cookie %q", r.Status, r.Header.Get("Set-Cookie"))
	}
}

// testNativeConfig: GET /services/{id}/config/native renders, per target, what the service
// owns there; 404 for an unknown service.
func testNativeConfig(t *testing.T, h *harness) {
	var got struct {
		Items []rest.NativeConfig `json:"items"`
	}
	r := h.do(t, req{method: "GET", path: "/api/v1/services/count-a/config/native", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &got)
	var owned struct {
		Items []struct{ Target, Path, Value string } `json:"items"`
	}
	h.do(t, req{method: "GET", path: "/api/v1/services/count-a/config", role: viewer}).json(t, &owned)
	nodes := map[string]int{}
	for _, l := range owned.Items {
		nodes[l.Target]++
	}
	if len(got.Items) != len(nodes) || len(got.Items) == 0 {
		t.Fatalf("native config of %d targets, owned on %v", len(got.Items), nodes)
	}
	for _, nc := range got.Items {
		if nc.Nodes != nodes[nc.Target] || nc.Text == "" || nc.Format == "" {
			t.Errorf("native config of %s: %+v (owns %d nodes)", nc.Target, nc, nodes[nc.Target])
		}
		if nc.Target == "pe2" && !strings.Contains(nc.Text, "ge-0/0/2") {
			t.Errorf("pe2's native config does not name its port:\n%s", nc.Text)
		}
	}
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/services/nope/config/native", role: viewer}), http.StatusNotFound)
}
