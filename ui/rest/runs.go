package rest

import (
	"errors"
	"net/http"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
)

// RunDetail is a run with its journal.
type RunDetail struct {
	store.Run
	Journal []store.JournalEntry `json:"journal"`
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	s.runsPage(w, r, r.URL.Query().Get("service"))
}

func (s *Server) runsPage(w http.ResponseWriter, r *http.Request, service string) {
	cursor, limit, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	runs, next, err := s.st.ListRuns(r.Context(), service, cursor, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(runs, next))
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	run, err := s.st.GetRun(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	j, err := s.st.Journal(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if j == nil {
		j = []store.JournalEntry{}
	}
	writeJSON(w, http.StatusOK, RunDetail{Run: run, Journal: j})
}

// cancelRun asks a run to stop; the answer is the run as it is then (202: it stops soon).
func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	noteAudit(r, "runs/"+id)
	run, err := s.st.GetRun(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if engine.Finished(run.State) {
		s.writeError(w, r, newProblem(http.StatusConflict, "run-finished", "run "+id+" is already "+run.State))
		return
	}
	if err := s.eng.Cancel(r.Context(), id); err != nil {
		// engine.ErrNotRunning (parked by a shutdown, waiting for recovery) is a 409; a run
		// that finished meanwhile is engine.ErrBadRequest, also a 409 here.
		if errors.Is(err, engine.ErrBadRequest) {
			err = &problemError{p: mk(http.StatusConflict, "run-finished", err), err: err}
		}
		s.writeError(w, r, err)
		return
	}
	if run, err = s.st.GetRun(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	noteAudit(r, serviceObject(run.Service), "run", id)
	writeJSON(w, http.StatusAccepted, run)
}
