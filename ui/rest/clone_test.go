package rest_test

import (
	"net/http"
	"testing"

	"github.com/xprov/xprov/engine/store"
)

// testClone: a clone is a create from the source's intent with the patch applied; the
// source's taken resources are refused without a patch; errors are problem+json.
func testClone(t *testing.T, h *harness) {
	src := h.create(t, "clone-src", eline("acme", 181, "pe1:ge-0/0/1", "sr1:1/1/1"))
	// Same endpoints and VLANs: the clash is refused as for any create.
	r := h.do(t, req{method: "POST", path: "/api/v1/services/clone-src/clone?wait=true", role: operator, body: map[string]any{"id": "clone-dup"}})
	if r.Status < 400 {
		t.Fatalf("a clone on the source's own VLANs: %d %s", r.Status, r.Body)
	}
	r.problem(t)
	patch := map[string]any{"endpoints": []any{
		map[string]any{"device": "pe1", "port": "ge-0/0/1", "vlan": 182},
		map[string]any{"device": "sr1", "port": "1/1/1", "vlan": 182}}}
	r = h.do(t, req{method: "POST", path: "/api/v1/services/clone-src/clone?wait=true", role: operator, body: map[string]any{"id": "clone-1", "patch": patch}})
	wantStatus(t, r, http.StatusOK)
	var c store.Service
	h.do(t, req{method: "GET", path: "/api/v1/services/clone-1", role: viewer}).json(t, &c)
	if c.Type != src.Type || c.Customer != "acme" || c.State != store.StateActive {
		t.Fatalf("clone %+v", c)
	}
	var a, sa struct{ Items []map[string]any }
	h.do(t, req{method: "GET", path: "/api/v1/services/clone-1/allocations", role: viewer}).json(t, &a)
	h.do(t, req{method: "GET", path: "/api/v1/services/clone-src/allocations", role: viewer}).json(t, &sa)
	allocs, srcAllocs := a.Items, sa.Items
	if len(allocs) == 0 || len(allocs) != len(srcAllocs) {
		t.Fatalf("allocations of the clone %v, of the source %v", allocs, srcAllocs)
	}
	for i := range allocs {
		if allocs[i]["pool"] == srcAllocs[i]["pool"] && allocs[i]["value"] == srcAllocs[i]["value"] && allocs[i]["scope"] == srcAllocs[i]["scope"] {
			t.Errorf("the clone holds the source's allocation %v", allocs[i])
		}
	}
	for _, tc := range []struct {
		path string
		body any
		want int
	}{
		{"/api/v1/services/nope/clone", map[string]any{"id": "x1"}, http.StatusNotFound},
		{"/api/v1/services/clone-src/clone", map[string]any{}, http.StatusUnprocessableEntity},
		{"/api/v1/services/clone-src/clone", map[string]any{"id": "-bad"}, http.StatusUnprocessableEntity},
		{"/api/v1/services/clone-src/clone", map[string]any{"id": "x2", "patch": []int{1}}, http.StatusUnprocessableEntity},
		{"/api/v1/services/clone-src/clone", map[string]any{"id": "clone-1", "patch": patch}, http.StatusConflict},
	} {
		r := h.do(t, req{method: "POST", path: tc.path, role: operator, body: tc.body, badInput: true})
		if r.Status != tc.want {
			t.Errorf("POST %s %v: %d, want %d: %s", tc.path, tc.body, r.Status, tc.want, r.Body)
		}
	}
}
