package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/store"
)

// Audits runs audit jobs in the background and keeps them; *audit.Auditor implements it.
type Audits interface {
	Start(ctx context.Context, scope audit.Scope, user string) (store.AuditJob, error)
	Wait(ctx context.Context, id string) (store.AuditJob, error)
	Schedule(ctx context.Context, scope audit.Scope, every time.Duration, user string) (store.AuditSchedule, error)
	// CheckChanges reads the targets' commit histories for changes made behind xprov's back.
	CheckChanges(ctx context.Context) ([]store.TargetSync, error)
	// Jobs is where jobs, results and schedules are read.
	Jobs() store.AuditJobs
}

var _ Audits = (*audit.Auditor)(nil)

// AuditScheduleRequest is POST /audit-schedules.
type AuditScheduleRequest struct {
	Scope audit.Scope `json:"scope"`
	// Every is a Go duration ("1h", "24h"), at least a minute.
	Every string `json:"every"`
}

// AuditSchedule is a schedule as the API shows it (the interval as a duration string).
type AuditSchedule struct {
	ID      string      `json:"id"`
	Scope   audit.Scope `json:"scope"`
	Every   string      `json:"every"`
	Next    time.Time   `json:"next"`
	User    string      `json:"user,omitempty"`
	Created time.Time   `json:"created"`
	LastJob string      `json:"last_job,omitempty"`
}

var errNoAudits = newProblem(http.StatusNotImplemented, "not-implemented", "this server runs no audit jobs")

// audits returns the job runner, or a 501 problem when the server has none.
func (s *Server) audits() (Audits, error) {
	if s.o.Audits == nil {
		return nil, errNoAudits
	}
	return s.o.Audits, nil
}

func (s *Server) startAudit(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The body is the scope; none (or {}) audits every service.
	var scope audit.Scope
	if _, err := decodeBody(r, &scope, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	wait, err := boolParam(r, "wait")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	j, err := a.Start(r.Context(), scope, user(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteAudit(r, "audits/"+j.ID, "scope", scope.String())
	status := http.StatusAccepted
	if wait {
		ctx, cancel := context.WithTimeout(r.Context(), s.o.WaitTimeout)
		defer cancel()
		done, err := a.Wait(ctx, j.ID)
		switch {
		case err == nil:
			j, status = done, http.StatusOK
		case !errors.Is(err, context.DeadlineExceeded):
			s.writeError(w, r, err)
			return
		}
	}
	w.Header().Set("Location", "/api/v1/audits/"+j.ID)
	writeJSON(w, status, j)
}

func (s *Server) listAudits(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cursor, limit, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	jobs, next, err := a.Jobs().ListAuditJobs(r.Context(), cursor, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(jobs, next))
}

func (s *Server) getAudit(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	j, err := a.Jobs().GetAuditJob(r.Context(), urlParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) auditResults(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := urlParam(r, "id")
	status := r.URL.Query().Get("status")
	switch status {
	case "", store.AuditInSync, store.AuditDrifted, store.AuditUnknown:
	default:
		s.writeError(w, r, badRequest("query parameter status: want %s, %s or %s, got %q", store.AuditInSync, store.AuditDrifted, store.AuditUnknown, status))
		return
	}
	cursor, limit, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := a.Jobs().GetAuditJob(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, next, err := a.Jobs().ListAuditResults(r.Context(), store.AuditResultFilter{Job: id, Status: status, After: cursor, Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(rs, next))
}

func apiSchedule(sc store.AuditSchedule) (AuditSchedule, error) {
	out := AuditSchedule{ID: sc.ID, Every: sc.Every.String(), Next: sc.Next, User: sc.User, Created: sc.Created, LastJob: sc.LastJob}
	if err := decodeJSON(sc.Scope, &out.Scope, true); err != nil {
		return out, fmt.Errorf("rest: schedule %s: scope: %w", sc.ID, err)
	}
	return out, nil
}

func (s *Server) listAuditSchedules(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scheds, err := a.Jobs().ListAuditSchedules(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]AuditSchedule, 0, len(scheds))
	for _, sc := range scheds {
		as, err := apiSchedule(sc)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, as)
	}
	writeJSON(w, http.StatusOK, list(out, ""))
}

func (s *Server) createAuditSchedule(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body AuditScheduleRequest
	if _, err := decodeBody(r, &body, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	every, err := time.ParseDuration(body.Every)
	if err != nil || every < audit.MinEvery {
		s.writeError(w, r, newProblem(http.StatusUnprocessableEntity, "validation",
			fmt.Sprintf("every: want a duration of at least %s (\"1h\", \"24h\"), got %q", audit.MinEvery, body.Every)))
		return
	}
	sc, err := a.Schedule(r.Context(), body.Scope, every, user(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteAudit(r, "audit-schedules/"+sc.ID, "scope", body.Scope.String(), "every", every.String())
	out, err := apiSchedule(sc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/audit-schedules/"+sc.ID)
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) deleteAuditSchedule(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := urlParam(r, "id")
	noteAudit(r, "audit-schedules/"+id)
	if err := a.Jobs().DeleteAuditSchedule(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listTargetSync(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ts, err := a.Jobs().TargetSyncs(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ts, ""))
}

func (s *Server) checkTargetChanges(w http.ResponseWriter, r *http.Request) {
	a, err := s.audits()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	changed, err := a.CheckChanges(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteAudit(r, "audit-targets", "changed", len(changed))
	writeJSON(w, http.StatusOK, list(changed, ""))
}
