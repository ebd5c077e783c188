package rest

import (
	"net/http"
	"regexp"
	"unicode/utf8"

	"github.com/xprov/xprov/engine/store"
)

// CustomerRequest is the body of POST /customers (ID required) and PUT /customers/{id} (ID
// ignored; the path names the customer).
type CustomerRequest struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	SAMID string `json:"sam_id,omitempty"`
}

// customerIDRE is the grammar of a customer id: the same as a service id's.
var customerIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// samIDRE: a SAM customer id is a decimal number (SAM's customer id is an integer).
var samIDRE = regexp.MustCompile(`^[0-9]{1,10}$`)

func (s *Server) customerRoutes() []route {
	return []route{
		{"GET", "/customers", store.RoleViewer, s.listCustomers},
		{"POST", "/customers", store.RoleOperator, s.createCustomer},
		{"GET", "/customers/{id}", store.RoleViewer, s.getCustomer},
		{"PUT", "/customers/{id}", store.RoleOperator, s.updateCustomer},
		{"DELETE", "/customers/{id}", store.RoleOperator, s.deleteCustomer},
	}
}

// customers is the store of customers: the REST state's, else the engine's store's.
func (s *Server) customers() (store.Customers, error) {
	if c, ok := s.state.(store.Customers); ok {
		return c, nil
	}
	if c, ok := s.st.(store.Customers); ok {
		return c, nil
	}
	return nil, newProblem(http.StatusNotImplemented, "not-implemented", "this server's store keeps no customers")
}

func checkCustomer(c CustomerRequest, create bool) error {
	if create && !customerIDRE.MatchString(c.ID) {
		return newProblem(http.StatusUnprocessableEntity, "validation",
			"id: must start with a letter or digit and hold only letters, digits, '.', '_', ':' or '-' (at most 64)")
	}
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 200 {
		return newProblem(http.StatusUnprocessableEntity, "validation", "name: required, at most 200 characters")
	}
	if c.SAMID != "" && !samIDRE.MatchString(c.SAMID) {
		return newProblem(http.StatusUnprocessableEntity, "validation", "sam_id: a decimal number of at most 10 digits")
	}
	return nil
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) {
	cs, err := s.customers()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cursor, limit, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if limit <= 0 {
		limit = 100
	}
	// One more than asked tells whether there is a next page; the cursor is the last id.
	items, err := cs.ListCustomers(r.Context(), cursor, limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = items[limit-1].ID
	}
	writeJSON(w, http.StatusOK, list(items, next))
}

func (s *Server) writeCustomer(w http.ResponseWriter, r *http.Request, status int, c store.Customer) {
	tag := etag(c.Version)
	w.Header().Set("ETag", tag)
	if status == http.StatusOK && r.Method == http.MethodGet && noneMatch(r.Header.Get("If-None-Match"), tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/customers/"+c.ID)
	}
	writeJSON(w, status, c)
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	cs, err := s.customers()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in CustomerRequest
	if _, err := decodeBody(r, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkCustomer(in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := cs.CreateCustomer(r.Context(), store.Customer{ID: in.ID, Name: in.Name, SAMID: in.SAMID})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeCustomer(w, r, http.StatusCreated, c)
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) {
	cs, err := s.customers()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := cs.GetCustomer(r.Context(), urlParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeCustomer(w, r, http.StatusOK, c)
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request) {
	cs, err := s.customers()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ver, _, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in CustomerRequest
	if _, err := decodeBody(r, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkCustomer(in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if ver == 0 && r.Header.Get("If-Match") != "*" {
		// "0" names no customer version (versions start at 1): stale, not "any".
		s.writeError(w, r, store.ErrStale)
		return
	}
	c, err := cs.UpdateCustomer(r.Context(), store.Customer{ID: urlParam(r, "id"), Name: in.Name, SAMID: in.SAMID}, ver)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeCustomer(w, r, http.StatusOK, c)
}

func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) {
	cs, err := s.customers()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ver, _, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ver == 0 && r.Header.Get("If-Match") != "*" {
		s.writeError(w, r, store.ErrStale)
		return
	}
	if err := cs.DeleteCustomer(r.Context(), urlParam(r, "id"), ver); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
