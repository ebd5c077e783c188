package rest

import (
	"net/http"

	"github.com/xprov/xprov/engine/store"
)

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	cursor, limit, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	entries, next, err := s.auth.ListAudit(r.Context(), store.AuditFilter{User: q.Get("user"), Object: q.Get("object"), After: cursor, Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(entries, next))
}
