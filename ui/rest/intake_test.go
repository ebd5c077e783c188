package rest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/rest/resttest"
)

// TestServiceIDs: a chosen id follows engine.ServiceIDPattern or the create is a 422 at /id
// that leaves nothing behind; path values are decoded once (issue 15 #1).
func TestServiceIDs(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	bad := []struct{ name, id string }{
		{"slash", "a/b"},
		{"escaped slash", "a%2Fb"},
		{"double-escaped slash", "a%252Fb"},
		{"space", "a b"},
		{"only whitespace", "   "},
		{"tab", "a\tb"},
		{"NUL", "a\x00b"},
		{"newline", "a\nb"},
		{"question mark", "a?b"},
		{"hash", "a#b"},
		{"dot dot", ".."},
		{"dot dot inside", "a..b"},
		{"leading dot", ".a"},
		{"leading dash", "-a"},
		{"10,000 characters", strings.Repeat("a", 10000)},
		{"65 characters", strings.Repeat("a", 65)},
		{"unicode", "dienst-ü"},
		{"XML special", "a<b>&c"},
	}
	for i, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := h.do(t, req{method: "POST", path: "/api/v1/services", role: operator,
				body: map[string]any{"type": "eline", "id": tc.id, "intent": eline("acme", 300+i, "pe1:ge-0/0/1", "sr1:1/1/1")}}).problem(t)
			if p.Status != http.StatusUnprocessableEntity || !hasPointer(p.Errors, "/id") {
				t.Fatalf("id %q: %+v", tc.id, p)
			}
		})
	}
	// The engine refuses them too (bulk, plans and any other client of the path).
	_, err := h.env.Engine.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "eline", ServiceID: "x/y",
		Intent: mustJSON(t, eline("acme", 399, "pe1:ge-0/0/1", "sr1:1/1/1"))})
	var ve *pack.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Pointer != "/id" {
		t.Fatalf("engine.Submit with id x/y: %v", err)
	}
	if items, _, err := h.env.Store.ListServices(t.Context(), store.ServiceFilter{}); err != nil || len(items) != 0 {
		t.Fatalf("services after refused creates: %v %v", items, err)
	}

	// The longest id, every allowed character.
	long := "A" + strings.Repeat("b", engine.ServiceIDMaxLen-1)
	for i, id := range []string{"CUST-42.eline_1:a", long, "7"} {
		h.create(t, id, eline("acme", 310+i, fmt.Sprintf("pe1:ge-0/0/%d", i+1), "sr1:1/1/1"))
	}
	// One path value per id: %2E is ".", %252E is "%2E" (no service).
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/v1/services/CUST-42.eline_1:a", 200},
		{"/api/v1/services/CUST-42%2Eeline_1%3Aa", 200},
		{"/api/v1/services/CUST-42%252Eeline_1:a", 404},
		{"/api/v1/services/a%2Fb", 404},
		{"/api/v1/services/" + long, 200},
	} {
		r := h.do(t, req{method: "GET", path: tc.path, role: viewer})
		if r.Status != tc.status {
			t.Errorf("GET %s: %d, want %d: %s", tc.path, r.Status, tc.status, r.Body)
		}
	}
	var svc store.Service
	h.do(t, req{method: "GET", path: "/api/v1/services/CUST-42%2Eeline_1%3Aa", role: viewer}).json(t, &svc)
	if svc.ID != "CUST-42.eline_1:a" {
		t.Fatalf("decoded id %q", svc.ID)
	}
	// An escaped id reaches the write routes decoded too.
	r := h.do(t, req{method: "DELETE", path: "/api/v1/services/CUST-42%2Eeline_1%3Aa?wait=true", role: operator,
		header: map[string]string{"If-Match": etagOf(svc.Version)}})
	wantStatus(t, r, http.StatusOK)
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func etagOf(v int64) string { return fmt.Sprintf("%q", fmt.Sprint(v)) }

// TestFailedCreateETag: a create that failed on the device has ETag "0", and If-Match: "0"
// (strong or weak) deletes it; another version is a 412 (issue 15 #2).
func TestFailedCreateETag(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	h.env.Devices["pe1"].FailNext("prepare", "commit check failed: bad vlan")
	p := h.do(t, req{method: "POST", path: "/api/v1/services?wait=true", role: operator,
		body: map[string]any{"type": "eline", "id": "stuck-1", "intent": eline("acme", 151, "pe1:ge-0/0/3", "sr2:1/1/1")}}).problem(t)
	if p.Status != http.StatusConflict || p.Run == nil || p.Run.State != store.RunFailed {
		t.Fatalf("failed create: %+v", p)
	}
	r := h.do(t, req{method: "GET", path: "/api/v1/services/stuck-1", role: viewer})
	wantStatus(t, r, http.StatusOK)
	tag := r.Header.Get("ETag")
	if tag != `"0"` {
		t.Fatalf("ETag of a failed create %q (the test expects the version-0 case)", tag)
	}
	for _, stale := range []string{`"1"`, `W/"7"`} {
		p = h.do(t, req{method: "DELETE", path: "/api/v1/services/stuck-1", role: operator, header: map[string]string{"If-Match": stale}}).problem(t)
		if p.Status != http.StatusPreconditionFailed {
			t.Fatalf("If-Match %s on version 0: %+v", stale, p)
		}
	}
	for _, junk := range []string{`"-1"`, `"01"`, `0`, `"0`, `"abc"`} {
		p = h.do(t, req{method: "DELETE", path: "/api/v1/services/stuck-1", role: operator, header: map[string]string{"If-Match": junk}}).problem(t)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("If-Match %s: %+v", junk, p)
		}
	}
	r = h.do(t, req{method: "DELETE", path: "/api/v1/services/stuck-1?dry_run=true", role: operator, header: map[string]string{"If-Match": "W/" + tag}})
	wantStatus(t, r, http.StatusOK)
	r = h.do(t, req{method: "DELETE", path: "/api/v1/services/stuck-1?wait=true", role: operator, header: map[string]string{"If-Match": tag}})
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/services/stuck-1", role: viewer}), http.StatusNotFound)
}

// TestTypeMismatch: a member of the wrong type is a 422 at its pointer and names no Go type
// (issue 15 #8).
func TestTypeMismatch(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	tests := []struct {
		name, method, path, body, ptr string
	}{
		{"create type", "POST", "/api/v1/services", `{"type": 1, "intent": {}}`, "/type"},
		{"create id", "POST", "/api/v1/services", `{"type": "eline", "id": ["a"], "intent": {}}`, "/id"},
		{"token name", "POST", "/api/v1/tokens", `{"name": {}, "role": "viewer"}`, "/name"},
		{"token role", "POST", "/api/v1/tokens", `{"name": "n", "role": true}`, "/role"},
		{"discover targets", "POST", "/api/v1/devices/discover", `{"targets": "pe1"}`, "/targets"},
		{"discover target", "POST", "/api/v1/devices/discover", `{"targets": ["pe1", 2]}`, "/targets"},
		{"op command", "POST", "/api/v1/devices/pe1/ops", `{"command": 12}`, "/command"},
		{"validate intent", "POST", "/api/v1/types/eline/validate", `{"intent": 5}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, req{method: tc.method, path: tc.path, role: admin, body: tc.body})
			if tc.ptr == "" { // validate answers 200 with the errors for a non-object intent
				wantStatus(t, r, http.StatusOK)
				return
			}
			p := r.problem(t)
			if p.Status != http.StatusUnprocessableEntity || !hasPointer(p.Errors, tc.ptr) {
				t.Fatalf("%s: %+v", tc.body, p)
			}
			if strings.Contains(string(r.Body), "Go struct") || strings.Contains(string(r.Body), "json:") {
				t.Fatalf("Go internals leak: %s", r.Body)
			}
		})
	}
	// A body that is not an object at all is a 400 that names no Go type either.
	r := h.do(t, req{method: "POST", path: "/api/v1/services", role: operator, body: `[1,2]`})
	if p := r.problem(t); p.Status != http.StatusBadRequest || strings.Contains(p.Detail, "Go") {
		t.Fatalf("array body: %+v", p)
	}
}

// TestContentTypeHeadAndUnknownAPI: a write with a body that is not JSON is a 415; HEAD is
// answered on GET routes; an unknown /api path is a problem+json 404 even with the UI mounted
// (issue 15 #8).
func TestContentTypeHeadAndUnknownAPI(t *testing.T) {
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>ui</html>"))
	})
	h := newHarness(t, resttest.Options{Rest: func(o *rest.Options) { o.UI = ui }})
	body := mustJSON(t, map[string]any{"type": "eline", "intent": eline("acme", 120, "pe1:ge-0/0/1", "sr1:1/1/1")})
	for _, tc := range []struct {
		ct     string
		status int
	}{
		{"text/plain", 415},
		{"application/x-www-form-urlencoded", 415},
		{"application/xml", 415},
		{"application/json; charset=latin1", 415},
		{"not a media type;;", 415},
		{"", 415},
		{"application/json; charset=UTF-8", 200},
		{"application/problem+json", 415},
		{"application/json", 200},
	} {
		r := h.do(t, req{method: "POST", path: "/api/v1/services?dry_run=true", role: operator, body: body,
			header: map[string]string{"Content-Type": tc.ct}, unspecified: tc.status != 200})
		if r.Status != tc.status {
			t.Errorf("Content-Type %q: %d, want %d: %s", tc.ct, r.Status, tc.status, r.Body)
		}
		if tc.status == 415 {
			r.problem(t)
		}
	}
	for _, path := range []string{"/api/v1/tokens", "/api/v1/devices/discover", "/api/v1/devices/pe1/ops"} {
		r := h.do(t, req{method: "POST", path: path, role: admin, body: `{}`, header: map[string]string{"Content-Type": "text/plain"}, unspecified: true})
		if p := r.problem(t); p.Status != http.StatusUnsupportedMediaType {
			t.Errorf("POST %s as text/plain: %+v", path, p)
		}
	}
	// No body, no Content-Type needed.
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/devices/discover", role: operator}), http.StatusOK)

	for _, path := range []string{"/api/v1/services", "/api/v1/types/eline", "/api/v1/me", "/healthz", "/api/v1/openapi.json"} {
		get := h.do(t, req{method: "GET", path: path, role: viewer, unspecified: true})
		head := h.do(t, req{method: "HEAD", path: path, role: viewer, unspecified: true})
		if head.Status != http.StatusOK || len(head.Body) != 0 || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q, body %q", path, head.Status, head.Header.Get("Content-Type"), head.Body)
		}
	}
	// The event stream answers HEAD with its headers and ends (no stream holding the connection).
	if r := h.do(t, req{method: "HEAD", path: "/api/v1/events", role: viewer, unspecified: true}); r.Status != http.StatusOK ||
		r.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("HEAD /api/v1/events: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	if r := h.do(t, req{method: "HEAD", path: "/api/v1/services/nope", role: viewer, unspecified: true}); r.Status != http.StatusNotFound {
		t.Errorf("HEAD of an unknown service: %d", r.Status)
	}
	for _, path := range []string{"/api", "/api/", "/api/v2/services", "/api/v1x", "/api/v1/nope"} {
		r := h.do(t, req{method: "GET", path: path, role: viewer, unspecified: true})
		if p := r.problem(t); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %+v", path, p)
		}
	}
	if r := h.do(t, req{method: "GET", path: "/services/x", unspecified: true}); r.Status != 200 || !strings.Contains(string(r.Body), "<html>") {
		t.Errorf("the UI is not served at its routes: %d %s", r.Status, r.Body)
	}
}

// TestAmplification: a small body cannot make a large answer: 170,000 empty endpoints give a
// short 422; discovery targets are bounded and named once (issue 15 #9).
func TestAmplification(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	eps := "[" + strings.TrimSuffix(strings.Repeat("{},", 170000), ",") + "]"
	for _, tc := range []struct{ path, body string }{
		{"/api/v1/services", `{"type":"eline","intent":{"customer":"acme","endpoints":` + eps + `}}`},
		{"/api/v1/types/eline/validate", `{"intent":{"customer":"acme","endpoints":` + eps + `}}`},
	} {
		r := h.do(t, req{method: "POST", path: tc.path, role: operator, body: tc.body})
		if len(r.Body) > 4096 {
			t.Errorf("POST %s with %d bytes: %d bytes back", tc.path, len(tc.body), len(r.Body))
		}
		var out struct {
			Status int
			Errors []rest.FieldError
		}
		r.json(t, &out)
		if !hasPointer(out.Errors, "/endpoints") || len(out.Errors) > rest.MaxFieldErrors {
			t.Errorf("POST %s: %s", tc.path, r.Body)
		}
		t.Logf("POST %s: %d bytes in, %d bytes and %d errors out", tc.path, len(tc.body), len(r.Body), len(out.Errors))
	}

	var res rest.DiscoverResult
	r := h.do(t, req{method: "POST", path: "/api/v1/devices/discover", role: operator, body: map[string]any{"targets": []string{"pe1", "pe1", "pe1", "pe2", "pe1"}}})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &res)
	if len(res.Items) != 2 || res.Items[0].Name != "pe1" || res.Items[1].Name != "pe2" {
		t.Fatalf("discover pe1 x4 and pe2: %s", r.Body)
	}
	many := make([]string, rest.MaxDiscoverTargets+1)
	for i := range many {
		many[i] = "pe1"
	}
	p := h.do(t, req{method: "POST", path: "/api/v1/devices/discover", role: operator, body: map[string]any{"targets": many}}).problem(t)
	if p.Status != http.StatusUnprocessableEntity || !hasPointer(p.Errors, "/targets") {
		t.Fatalf("%d targets: %+v", len(many), p)
	}
	p = h.do(t, req{method: "POST", path: "/api/v1/devices/discover", role: operator, body: `{"targets":["pe1",""]}`}).problem(t)
	if p.Status != http.StatusUnprocessableEntity || !hasPointer(p.Errors, "/targets/1") {
		t.Fatalf("empty target: %+v", p)
	}
}

// TestLegacyIDReachable: a service recorded before ids were checked, with a "/" in its id, is
// reached again through its escaped path (it used to answer 404 to REST and the CLI), and
// its double-escaped spelling names another id (issue 15 #1).
func TestLegacyIDReachable(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	now := time.Now().UTC()
	intent := mustJSON(t, eline("acme", 170, "pe1:ge-0/0/1", "sr1:1/1/1"))
	if err := h.env.Store.Record(t.Context(), store.RecordParams{
		Service: store.Service{ID: "legacy/1", Type: "eline", Customer: "acme", State: store.StateActive, Intent: intent, Created: now, Updated: now},
		Run:     store.Run{ID: "run-legacy", Service: "legacy/1", Kind: store.RunCreate, State: store.RunSucceeded, Created: now, Updated: now},
	}); err != nil {
		t.Fatal(err)
	}
	r := h.do(t, req{method: "GET", path: "/api/v1/services/legacy%2F1", role: viewer})
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/services/legacy%252F1", role: viewer}), http.StatusNotFound)
	r = h.do(t, req{method: "DELETE", path: "/api/v1/services/legacy%2F1?wait=true", role: operator,
		header: map[string]string{"If-Match": r.Header.Get("ETag")}})
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/services/legacy%2F1", role: viewer}), http.StatusNotFound)
}
