package rest_test

import (
	"net/http"
	"net/url"
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
