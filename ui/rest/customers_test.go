package rest_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/xprov/xprov/engine/store"
)

// testCustomers: CRUD with ETags, problem+json errors, paging, and a customer's services
// listed by the customer id (a service naming an unknown customer is still accepted).
func testCustomers(t *testing.T, h *harness) {
	r := h.do(t, req{method: "POST", path: "/api/v1/customers", role: operator,
		body: map[string]any{"id": "cust-7", "name": "ACME", "sam_id": "4107"}})
	wantStatus(t, r, http.StatusCreated)
	var c store.Customer
	r.json(t, &c)
	if c.ID != "cust-7" || c.Name != "ACME" || c.SAMID != "4107" || c.Version != 1 {
		t.Fatalf("created %+v", c)
	}
	if r.Header.Get("ETag") != `"1"` || r.Header.Get("Location") != "/api/v1/customers/cust-7" {
		t.Errorf("headers %v", r.Header)
	}
	p := h.do(t, req{method: "POST", path: "/api/v1/customers", role: operator, body: map[string]any{"id": "cust-7", "name": "again"}})
	wantStatus(t, p, http.StatusConflict)
	p.problem(t)
	for _, bad := range []map[string]any{{"id": "", "name": "x"}, {"id": "-x", "name": "x"}, {"id": "ok", "name": ""}, {"id": "ok", "name": "x", "sam_id": "12a"}} {
		p := h.do(t, req{method: "POST", path: "/api/v1/customers", role: operator, body: bad, badInput: true})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		p.problem(t)
	}
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/customers", role: viewer, body: map[string]any{"id": "v", "name": "v"}}), http.StatusForbidden)

	r = h.do(t, req{method: "GET", path: "/api/v1/customers/cust-7", role: viewer})
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/customers/cust-7", role: viewer, header: map[string]string{"If-None-Match": `"1"`}}), http.StatusNotModified)
	h.do(t, req{method: "GET", path: "/api/v1/customers/nope", role: viewer}).problem(t)

	// Updates need the current ETag.
	wantStatus(t, h.do(t, req{method: "PUT", path: "/api/v1/customers/cust-7", role: operator, body: map[string]any{"name": "x"}}), http.StatusPreconditionRequired)
	r = h.do(t, req{method: "PUT", path: "/api/v1/customers/cust-7", role: operator, body: map[string]any{"name": "ACME Corp"}, header: map[string]string{"If-Match": `"1"`}})
	wantStatus(t, r, http.StatusOK)
	if r.Header.Get("ETag") != `"2"` {
		t.Errorf("ETag after update %q", r.Header.Get("ETag"))
	}
	c = store.Customer{}
	r.json(t, &c)
	if c.Name != "ACME Corp" || c.SAMID != "" {
		t.Errorf("updated %+v", c)
	}
	wantStatus(t, h.do(t, req{method: "PUT", path: "/api/v1/customers/cust-7", role: operator, body: map[string]any{"name": "y"}, header: map[string]string{"If-Match": `"1"`}}), http.StatusPreconditionFailed)
	wantStatus(t, h.do(t, req{method: "PUT", path: "/api/v1/customers/nope", role: operator, body: map[string]any{"name": "y"}, header: map[string]string{"If-Match": "*"}}), http.StatusNotFound)

	// Concurrent updates at one version: exactly one wins, the others get 412.
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = h.do(t, req{method: "PUT", path: "/api/v1/customers/cust-7", role: operator,
				body: map[string]any{"name": fmt.Sprint("w", i)}, header: map[string]string{"If-Match": `"2"`}}).Status
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			won++
		case http.StatusPreconditionFailed:
		default:
			t.Errorf("concurrent update: %d", c)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent updates at one version won, want 1 (%v)", won, codes)
	}

	// Paging.
	for i := range 3 {
		wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/customers", role: operator, body: map[string]any{"id": fmt.Sprint("page-", i), "name": "p"}}), http.StatusCreated)
	}
	var l struct {
		Items      []store.Customer
		NextCursor string `json:"next_cursor"`
	}
	r = h.do(t, req{method: "GET", path: "/api/v1/customers?limit=2", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &l)
	if len(l.Items) != 2 || l.Items[0].ID != "cust-7" || l.NextCursor != "page-0" {
		t.Fatalf("first page %+v", l)
	}
	r = h.do(t, req{method: "GET", path: "/api/v1/customers?limit=2&cursor=" + l.NextCursor, role: viewer})
	l.NextCursor = ""
	r.json(t, &l)
	if len(l.Items) != 2 || l.Items[0].ID != "page-1" || l.NextCursor != "" {
		t.Fatalf("second page %+v", l)
	}

	// A customer's services are the services naming its id; a service naming an unknown
	// customer is accepted.
	h.create(t, "cust-svc", eline("cust-7", 171, "pe1:ge-0/0/1", "sr1:1/1/1"))
	h.create(t, "legacy-svc", eline("no-such-customer", 172, "pe1:ge-0/0/1", "sr1:1/1/1"))
	var svcs struct{ Items []store.Service }
	r = h.do(t, req{method: "GET", path: "/api/v1/services?customer=cust-7", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &svcs)
	if len(svcs.Items) != 1 || svcs.Items[0].ID != "cust-svc" {
		t.Errorf("services of cust-7: %+v", svcs.Items)
	}

	r = h.do(t, req{method: "GET", path: "/api/v1/customers/cust-7", role: viewer})
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/customers/cust-7", role: operator, header: map[string]string{"If-Match": `"1"`}}), http.StatusPreconditionFailed)
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/customers/cust-7", role: operator, header: map[string]string{"If-Match": r.Header.Get("ETag")}}), http.StatusNoContent)
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/customers/cust-7", role: viewer}), http.StatusNotFound)
	// Its services stay.
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/services/cust-svc", role: viewer}), http.StatusOK)
}
