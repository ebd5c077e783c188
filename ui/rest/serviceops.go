package rest

import (
	"net/http"

	"github.com/xprov/xprov/engine"
)

// ServiceOpResults is the answer of POST /services/{id}/ops/{op}: one result per endpoint of
// the service, in endpoint order.
type ServiceOpResults struct {
	Results []engine.OpOutcome `json:"results"`
}

// serviceOp runs a pack op on every endpoint of a service (engine.ServiceOp). An unknown
// service or op is a 404; an endpoint whose device fails shows its error in its result.
func (s *Server) serviceOp(w http.ResponseWriter, r *http.Request) {
	id, op := urlParam(r, "id"), urlParam(r, "op")
	noteAudit(r, serviceObject(id), "op", op)
	res, err := s.eng.ServiceOp(r.Context(), id, op)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if res == nil {
		res = []engine.OpOutcome{}
	}
	writeJSON(w, http.StatusOK, ServiceOpResults{Results: res})
}
