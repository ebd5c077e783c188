package rest

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// MaxTokenLifetime bounds a token's expiry (about ten years).
const MaxTokenLifetime = 10 * 365 * 24 * time.Hour

// TokenRequest is the body of POST /tokens. A token expires after ExpiresIn (a Go duration
// such as "720h") or at ExpiresAt (RFC 3339), at most one of them; with neither it does not.
type TokenRequest struct {
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	ExpiresIn string     `json:"expires_in,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// TokenCreated is a new token with its plaintext, shown this once.
type TokenCreated struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Role    string     `json:"role"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires,omitempty"`
	// Token is the bearer token's plaintext; the server keeps only its hash.
	Token string `json:"token"`
}

// TokenInfo is a token as GET /tokens lists it: its record and its state now (active,
// expired or revoked).
type TokenInfo struct {
	store.Token
	State string `json:"state"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	toks, err := s.auth.ListTokens(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := time.Now()
	out := make([]TokenInfo, 0, len(toks))
	for _, t := range toks {
		out = append(out, TokenInfo{Token: t, State: t.State(now)})
	}
	writeJSON(w, http.StatusOK, list(out, ""))
}

// tokenSpec validates a token request at now; every failing field is reported.
func tokenSpec(in TokenRequest, now time.Time) (store.TokenSpec, []FieldError) {
	spec := store.TokenSpec{Name: in.Name, Role: in.Role}
	var fields []FieldError
	if err := store.ValidateTokenName(in.Name); err != nil {
		fields = append(fields, FieldError{Pointer: "/name", Message: strings.TrimPrefix(err.Error(), store.ErrBadToken.Error()+": ")})
	}
	if _, ok := roleRank[in.Role]; !ok {
		fields = append(fields, FieldError{Pointer: "/role", Message: "must be admin, designer, operator or viewer"})
	}
	switch {
	case in.ExpiresIn != "" && in.ExpiresAt != nil:
		fields = append(fields, FieldError{Pointer: "/expires_at", Message: "give expires_in or expires_at, not both"})
	case in.ExpiresIn != "":
		d, err := time.ParseDuration(in.ExpiresIn)
		switch {
		case err != nil:
			fields = append(fields, FieldError{Pointer: "/expires_in", Message: `must be a duration such as "720h" or "90m"`})
		case d <= 0 || d > MaxTokenLifetime:
			fields = append(fields, FieldError{Pointer: "/expires_in", Message: "must be positive and at most 87600h"})
		default:
			spec.Expires = now.Add(d)
		}
	case in.ExpiresAt != nil:
		if !in.ExpiresAt.After(now) || in.ExpiresAt.Sub(now) > MaxTokenLifetime {
			fields = append(fields, FieldError{Pointer: "/expires_at", Message: "must be in the future, at most ten years ahead"})
		} else {
			spec.Expires = *in.ExpiresAt
		}
	}
	return spec, fields
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var in TokenRequest
	if _, err := decodeBody(r, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	spec, fields := tokenSpec(in, time.Now())
	if len(fields) > 0 {
		s.writeError(w, r, problemWithFields(http.StatusUnprocessableEntity, "validation", "invalid token request", fields...))
		return
	}
	plain, tok, err := s.auth.IssueToken(r.Context(), spec)
	if errors.Is(err, store.ErrExists) {
		s.writeError(w, r, newProblem(http.StatusConflict, "exists", "an active token is already named "+strconv.Quote(spec.Name)+"; pick another name or revoke it first"))
		return
	}
	if err != nil {
		s.writeError(w, r, s.storeWrite(err))
		return
	}
	noteAudit(r, "tokens/"+tok.ID, "name", tok.Name, "role", tok.Role)
	w.Header().Set("Location", "/api/v1/tokens/"+tok.ID)
	writeJSON(w, http.StatusCreated, TokenCreated{ID: tok.ID, Name: tok.Name, Role: tok.Role, Created: tok.Created, Expires: tok.Expires, Token: plain})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id := urlParam(r, "id")
	noteAudit(r, "tokens/"+id)
	err := s.auth.RevokeToken(r.Context(), id)
	if errors.Is(err, store.ErrLastAdmin) {
		s.writeError(w, r, newProblem(http.StatusConflict, "last-admin",
			"this is the last active admin token: create another admin token first (offline: xprov token create --db FILE --role admin)"))
		return
	}
	if err != nil {
		s.writeError(w, r, s.storeWrite(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
