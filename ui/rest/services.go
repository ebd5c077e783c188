package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
)

// CreateRequest is the body of POST /services.
type CreateRequest struct {
	Type   string          `json:"type"`
	ID     string          `json:"id,omitempty"`
	Intent json.RawMessage `json:"intent"`
}

// ModifyRequest is the body of PUT /services/{id}.
type ModifyRequest struct {
	Intent json.RawMessage `json:"intent"`
}

var sorts = map[string]bool{"": true, "id": true, "-id": true, "updated": true, "-updated": true}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cursor, limit, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := store.ServiceFilter{Type: q.Get("type"), State: q.Get("state"), Customer: q.Get("customer"),
		Device: q.Get("device"), Port: q.Get("port"), Query: q.Get("q"), Sort: q.Get("sort"), After: cursor, Limit: limit}
	if !sorts[f.Sort] {
		s.writeError(w, r, badRequest("query parameter sort: want id, -id, updated or -updated, got %q", f.Sort))
		return
	}
	if f.Port != "" && f.Device == "" {
		s.writeError(w, r, badRequest("query parameter port needs device"))
		return
	}
	items, next, err := s.st.ListServices(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(items, next))
}

func (s *Server) getService(w http.ResponseWriter, r *http.Request) {
	svc, err := s.st.GetService(r.Context(), urlParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tag := etag(svc.Version)
	w.Header().Set("ETag", tag)
	if noneMatch(r.Header.Get("If-None-Match"), tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, svc)
}

// noneMatch reports whether an If-None-Match header names tag (or is "*"), comparing weakly
// as RFC 9110 asks for GET: the client's copy is current, so the answer is 304.
func noneMatch(header, tag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

func (s *Server) createService(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	dry, err := boolParam(r, "dry_run")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if key == "" || dry {
		s.doCreate(w, r, body)
		return
	}
	if len(key) > 255 {
		s.writeError(w, r, badRequest("Idempotency-Key is longer than 255 characters"))
		return
	}
	p, _ := principalOf(r.Context())
	// Keys are scoped by token id: names were not unique, and a name can be used again.
	s.idem.serve(w, r, p.TokenID, key, r.URL.RawQuery+"\x00"+string(body), func(w http.ResponseWriter) {
		s.doCreate(w, r, body)
	})
}

func (s *Server) doCreate(w http.ResponseWriter, r *http.Request, body []byte) {
	var in CreateRequest
	if err := decodeJSON(body, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Type == "" {
		s.writeError(w, r, problemWithFields(http.StatusUnprocessableEntity, "validation", "type is required",
			FieldError{Pointer: "/type", Message: "required"}))
		return
	}
	if in.ID != "" {
		if err := engine.CheckServiceID(in.ID); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := checkIntent(in.Intent, "/intent"); err != nil {
		s.writeError(w, r, err)
		return
	}
	req := engine.Request{Op: engine.OpCreate, Type: in.Type, ServiceID: in.ID, Intent: in.Intent, User: user(r)}
	noteAudit(r, serviceObject(in.ID), "type", in.Type)
	s.submit(w, r, req)
}

// checkIntent refuses an intent that is missing or not a JSON object.
func checkIntent(raw json.RawMessage, ptr string) error {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return problemWithFields(http.StatusUnprocessableEntity, "validation", "intent is required", FieldError{Pointer: ptr, Message: "required"})
	}
	if t[0] != '{' {
		return problemWithFields(http.StatusUnprocessableEntity, "validation", "intent must be an object", FieldError{Pointer: ptr, Message: "must be an object"})
	}
	return nil
}

func problemWithFields(status int, kind, detail string, fields ...FieldError) error {
	return &problemError{p: Problem{Type: ProblemTypeBase + kind, Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields}}
}

func serviceObject(id string) string {
	if id == "" {
		return ""
	}
	return "services/" + id
}

func user(r *http.Request) string {
	p, _ := principalOf(r.Context())
	return p.Name
}

// submit runs req: a plan for ?dry_run=true, else a run (202), or the finished run for
// ?wait=true.
func (s *Server) submit(w http.ResponseWriter, r *http.Request, req engine.Request) {
	dry, err := boolParam(r, "dry_run")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wait, err := boolParam(r, "wait")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if dry {
		plan, err := s.eng.Plan(r.Context(), req)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		noteAudit(r, serviceObject(plan.Service), "plan", plan.ID)
		w.Header().Set("Location", "/api/v1/plans/"+plan.ID)
		writeJSON(w, http.StatusOK, plan)
		return
	}
	run, err := s.eng.Submit(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.accepted(w, r, run, wait)
}

// accepted answers a started run: 202 with the run, or with ?wait=true the finished run (200
// when it succeeded, a 409 problem carrying the run when it did not).
func (s *Server) accepted(w http.ResponseWriter, r *http.Request, run store.Run, wait bool) {
	noteAudit(r, serviceObject(run.Service), "run", run.ID)
	w.Header().Set("Location", "/api/v1/runs/"+run.ID)
	if !wait {
		writeJSON(w, http.StatusAccepted, run)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.o.WaitTimeout)
	defer cancel()
	done, err := s.eng.Wait(ctx, run.ID)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		writeJSON(w, http.StatusAccepted, done)
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	if done.State == store.RunSucceeded {
		writeJSON(w, http.StatusOK, done)
		return
	}
	writeProblem(w, r, Problem{Type: ProblemTypeBase + "run-failed", Title: "Run " + done.State, Status: http.StatusConflict,
		Detail: done.Error, Run: &done})
}

// versioned handles PUT, DELETE and redeploy: If-Match first, then the request.
func (s *Server) versioned(w http.ResponseWriter, r *http.Request, op engine.Op, intent json.RawMessage) {
	id := urlParam(r, "id")
	noteAudit(r, serviceObject(id))
	ver, match, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.submit(w, r, engine.Request{Op: op, ServiceID: id, Intent: intent, BaseVersion: ver, MatchVersion: match, User: user(r)})
}

func (s *Server) modifyService(w http.ResponseWriter, r *http.Request) {
	var in ModifyRequest
	if _, err := decodeBody(r, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkIntent(in.Intent, "/intent"); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.versioned(w, r, engine.OpModify, in.Intent)
}

func (s *Server) deleteService(w http.ResponseWriter, r *http.Request) {
	s.versioned(w, r, engine.OpDelete, nil)
}

func (s *Server) redeployService(w http.ResponseWriter, r *http.Request) {
	s.versioned(w, r, engine.OpRedeploy, nil)
}

func (s *Server) serviceConfig(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	if _, err := s.st.GetService(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	owned, err := s.st.Owned(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(owned, ""))
}

func (s *Server) serviceAllocations(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	if _, err := s.st.GetService(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	allocs, err := s.st.Allocations(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(allocs, ""))
}

func (s *Server) serviceRuns(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	if _, err := s.st.GetService(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.runsPage(w, r, id)
}

func (s *Server) auditService(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	noteAudit(r, serviceObject(id))
	res, err := s.eng.Audit(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	drift, err := json.Marshal(res.Drift)
	if err != nil || len(res.Drift) == 0 {
		drift = nil
	}
	// The audit happened whatever the store says; a failure to keep it is logged, not
	// answered (the service may have been deleted meanwhile).
	if err := s.state.PutAuditOutcome(context.WithoutCancel(r.Context()), store.AuditOutcome{Service: id, Status: res.Status, InSync: res.InSync,
		Drift: drift, User: user(r), At: time.Now().UTC()}); err != nil {
		s.log.WarnContext(r.Context(), "keep audit outcome", "service", id, "err", err)
	}
	noteAudit(r, "", "in_sync", res.InSync, "status", res.Status)
	writeJSON(w, http.StatusOK, res)
}
