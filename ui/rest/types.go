package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/xprov/xprov/engine/pack"
)

// TypeSummary is one pack in GET /types (no schema or form).
type TypeSummary struct {
	Name        string        `json:"name"`
	Version     string        `json:"version"`
	Title       string        `json:"title"`
	Description string        `json:"description,omitempty"`
	Vendors     []string      `json:"vendors"`
	Ops         []pack.OpSpec `json:"ops,omitempty"`
}

// ValidateRequest is the body of POST /types/{name}/validate.
type ValidateRequest struct {
	Intent json.RawMessage `json:"intent"`
}

// ValidateResult says whether an intent is valid and lists every failing field.
type ValidateResult struct {
	Valid  bool         `json:"valid"`
	Errors []FieldError `json:"errors"`
	// ErrorsOmitted counts the failing fields left out of Errors beyond MaxFieldErrors.
	ErrorsOmitted int `json:"errors_omitted,omitempty"`
}

// ReloadResult lists the problems found while reloading packs (empty when all loaded).
type ReloadResult struct {
	Types    []string       `json:"types"`
	Problems []pack.Problem `json:"problems"`
}

func (s *Server) listTypes(w http.ResponseWriter, r *http.Request) {
	var out []TypeSummary
	for _, p := range s.eng.Types() {
		v := p.Vendors
		if v == nil {
			v = []string{}
		}
		out = append(out, TypeSummary{Name: p.Name, Version: p.Version, Title: p.Title, Description: p.Description, Vendors: v, Ops: p.Ops})
	}
	writeJSON(w, http.StatusOK, list(out, ""))
}

func (s *Server) getType(w http.ResponseWriter, r *http.Request) {
	name := urlParam(r, "name")
	info, ok := s.eng.Type(name)
	if !ok {
		s.writeError(w, r, newProblem(http.StatusNotFound, "unknown-type", "no service type "+name))
		return
	}
	if info.Vendors == nil {
		info.Vendors = []string{}
	}
	if len(info.Form) == 0 {
		info.Form = json.RawMessage("null")
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) validateIntent(w http.ResponseWriter, r *http.Request) {
	skipAudit(r)
	name := urlParam(r, "name")
	p, ok := s.o.Packs.Pack(name)
	if !ok {
		s.writeError(w, r, newProblem(http.StatusNotFound, "unknown-type", "no service type "+name))
		return
	}
	var in ValidateRequest
	if _, err := decodeBody(r, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	res := ValidateResult{Valid: true, Errors: []FieldError{}}
	if err := checkIntent(in.Intent, ""); err != nil {
		res.Valid = false
		res.Errors = append(res.Errors, problemFor(err).Errors...)
		writeJSON(w, http.StatusOK, res)
		return
	}
	intent, err := decodeIntent(in.Intent)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := p.Validate(intent); err != nil {
		var ve *pack.ValidationError
		if !errors.As(err, &ve) {
			s.writeError(w, r, err)
			return
		}
		res.Valid = false
		res.Errors, res.ErrorsOmitted = fieldErrors(ve.Fields)
	}
	writeJSON(w, http.StatusOK, res)
}

// decodeIntent decodes an intent the way the engine does (numbers stay exact).
func decodeIntent(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest("malformed intent: %v", err)
	}
	return v, nil
}

func (s *Server) reloadTypes(w http.ResponseWriter, r *http.Request) {
	if s.o.Reload == nil {
		writeProblem(w, r, Problem{Type: ProblemTypeBase + "not-implemented", Title: http.StatusText(http.StatusNotImplemented),
			Status: http.StatusNotImplemented, Detail: "this server has no pack directory to reload"})
		return
	}
	probs, err := s.o.Reload(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res := ReloadResult{Types: []string{}, Problems: probs}
	if res.Problems == nil {
		res.Problems = []pack.Problem{}
	}
	for _, t := range s.eng.Types() {
		res.Types = append(res.Types, t.Name)
	}
	noteAudit(r, "types", "types", len(res.Types), "problems", len(res.Problems))
	writeJSON(w, http.StatusOK, res)
}
