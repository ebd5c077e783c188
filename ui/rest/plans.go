package rest

import (
	"errors"
	"net/http"

	"github.com/xprov/xprov/engine"
)

func (s *Server) getPlan(w http.ResponseWriter, r *http.Request) {
	p, err := s.eng.GetPlan(r.Context(), urlParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// applyPlan applies exactly a saved plan. A service that moved since the plan (another
// version) is a 409 like a changed plan: the plan, not the caller's precondition, is stale.
func (s *Server) applyPlan(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	noteAudit(r, "plans/"+id)
	wait, err := boolParam(r, "wait")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	run, err := s.eng.ApplyPlan(r.Context(), id, user(r))
	if errors.Is(err, engine.ErrStale) {
		err = newProblem(http.StatusConflict, "plan-changed", "the service changed since the plan was computed: "+err.Error())
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteAudit(r, "", "plan", id)
	s.accepted(w, r, run, wait)
}
