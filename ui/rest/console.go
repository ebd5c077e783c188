package rest

import (
	"net/http"

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
	}
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
