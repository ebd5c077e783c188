package rest

import (
	"net/http"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// TokenRequest is the body of POST /tokens.
type TokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// TokenCreated is a new token with its plaintext, shown this once.
type TokenCreated struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
	// Token is the bearer token's plaintext; the server keeps only its hash.
	Token string `json:"token"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	toks, err := s.auth.ListTokens(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(toks, ""))
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var in TokenRequest
	if _, err := decodeBody(r, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	var fields []FieldError
	if in.Name == "" {
		fields = append(fields, FieldError{Pointer: "/name", Message: "required"})
	}
	if _, ok := roleRank[in.Role]; !ok {
		fields = append(fields, FieldError{Pointer: "/role", Message: "must be admin, designer, operator or viewer"})
	}
	if len(fields) > 0 {
		s.writeError(w, r, problemWithFields(http.StatusUnprocessableEntity, "validation", "invalid token request", fields...))
		return
	}
	plain, err := s.auth.CreateToken(r.Context(), in.Name, in.Role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, err := s.auth.TokenByHash(r.Context(), store.HashToken(plain))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteAudit(r, "tokens/"+tok.ID, "name", tok.Name, "role", tok.Role)
	w.Header().Set("Location", "/api/v1/tokens/"+tok.ID)
	writeJSON(w, http.StatusCreated, TokenCreated{ID: tok.ID, Name: tok.Name, Role: tok.Role, Created: tok.Created, Token: plain})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	noteAudit(r, "tokens/"+id)
	if err := s.auth.RevokeToken(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
