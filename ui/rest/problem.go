package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/diff"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
)

// ProblemTypeBase prefixes the type URI of every problem this API returns.
const ProblemTypeBase = "https://xprov.dev/problems/"

// Problem is an RFC 9457 problem detail. Errors lists every failing field of a 422; Run is the
// finished run of a `?wait=true` request that did not succeed.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	// ErrorsOmitted counts the failing fields left out of Errors beyond MaxFieldErrors.
	ErrorsOmitted int        `json:"errors_omitted,omitempty"`
	Run           *store.Run `json:"run,omitempty"`
	// Target and Path name the device value that moved (plan-changed).
	Target string `json:"target,omitempty"`
	Path   string `json:"path,omitempty"`
}

// MaxFieldErrors bounds the field errors one answer lists (a problem's Errors, a validation
// result): the first ones by pointer, the rest only counted, so that a small body cannot make
// a large answer.
const MaxFieldErrors = 100

// FieldError is one failing field, addressed by JSON pointer into the request body's intent.
type FieldError struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// problemError is an error that already knows its problem.
type problemError struct {
	p   Problem
	err error
}

func (e *problemError) Error() string { return e.p.Detail }
func (e *problemError) Unwrap() error { return e.err }

// newProblem returns an error that renders as the given problem.
func newProblem(status int, kind, detail string) error {
	return &problemError{p: Problem{Type: ProblemTypeBase + kind, Title: http.StatusText(status), Status: status, Detail: detail}}
}

func badRequest(format string, args ...any) error {
	return newProblem(http.StatusBadRequest, "bad-request", fmt.Sprintf(format, args...))
}

func notFound(format string, args ...any) error {
	return newProblem(http.StatusNotFound, "not-found", fmt.Sprintf(format, args...))
}

// problemFor classifies err. Unknown errors are 500s; everything caused by the request's
// content is a 4xx.
func problemFor(err error) Problem {
	var pe *problemError
	if errors.As(err, &pe) {
		return pe.p
	}
	var ve *pack.ValidationError
	if errors.As(err, &ve) {
		p := Problem{Type: ProblemTypeBase + "validation", Title: "Invalid intent", Status: http.StatusUnprocessableEntity,
			Detail: fmt.Sprintf("%d field(s) failed validation", len(ve.Fields))}
		p.Errors, p.ErrorsOmitted = fieldErrors(ve.Fields)
		return p
	}
	var ce *diff.ConflictError
	if errors.As(err, &ce) {
		return mk(http.StatusConflict, "conflict", err)
	}
	var se *pack.ScriptError
	var pc *engine.PlanChangedError
	if errors.As(err, &pc) {
		p := mk(http.StatusConflict, "plan-changed", err)
		p.Target, p.Path = pc.Target, pc.Path
		return p
	}
	switch {
	case errors.Is(err, engine.ErrStoreUnavailable):
		return mk(http.StatusServiceUnavailable, "store-unavailable", err)
	case errors.Is(err, engine.ErrPlanChanged):
		return mk(http.StatusConflict, "plan-changed", err)
	case errors.Is(err, engine.ErrExists):
		return mk(http.StatusConflict, "exists", err)
	case errors.Is(err, store.ErrLastAdmin):
		return mk(http.StatusConflict, "last-admin", err)
	case errors.Is(err, store.ErrBadToken):
		return mk(http.StatusUnprocessableEntity, "validation", err)
	case errors.Is(err, engine.ErrStale):
		return mk(http.StatusPreconditionFailed, "stale", err)
	case errors.Is(err, engine.ErrUnknownType):
		return mk(http.StatusNotFound, "unknown-type", err)
	case errors.Is(err, engine.ErrNotFound):
		return mk(http.StatusNotFound, "not-found", err)
	case errors.Is(err, pack.ErrUnknownOp):
		return mk(http.StatusNotFound, "unknown-op", err)
	case errors.Is(err, engine.ErrBadRequest):
		return mk(http.StatusBadRequest, "bad-request", err)
	case errors.Is(err, engine.ErrUnknownTarget):
		// A device or NMS named by the request is not known: the request's content is wrong.
		return mk(http.StatusUnprocessableEntity, "unknown-target", err)
	case errors.Is(err, store.ErrBadCursor):
		return Problem{Type: ProblemTypeBase + "bad-request", Title: http.StatusText(http.StatusBadRequest),
			Status: http.StatusBadRequest, Detail: "query parameter cursor: not a cursor this server issued"}
	case errors.Is(err, store.ErrPoolExhausted):
		return mk(http.StatusConflict, "pool-exhausted", err)
	case errors.Is(err, engine.ErrNotRunning):
		return mk(http.StatusConflict, "run-not-running", err)
	case errors.Is(err, engine.ErrShutdown):
		return mk(http.StatusServiceUnavailable, "shutting-down", err)
	case errors.As(err, &se):
		// A pack script failed on this intent (fail() without a field, a runtime error): the
		// request cannot be processed as given.
		return mk(http.StatusUnprocessableEntity, "script", err)
	case errors.Is(err, adapters.ErrRejected):
		return mk(http.StatusUnprocessableEntity, "rejected", err)
	case errors.Is(err, adapters.ErrUnreachable), errors.Is(err, adapters.ErrLocked):
		return mk(http.StatusBadGateway, "unreachable", err)
	}
	return Problem{Type: ProblemTypeBase + "internal", Title: http.StatusText(http.StatusInternalServerError),
		Status: http.StatusInternalServerError, Detail: "internal error"}
}

func mk(status int, kind string, err error) Problem {
	return Problem{Type: ProblemTypeBase + kind, Title: http.StatusText(status), Status: status, Detail: err.Error()}
}

// writeProblem renders p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeError classifies err and renders it; 500s are logged with the error, which the client
// never sees.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	if p.Status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeProblem(w, r, p)
}

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fieldErrors converts a pack's field errors, keeping the first MaxFieldErrors and counting
// the rest.
func fieldErrors(fs []pack.FieldError) (out []FieldError, omitted int) {
	if len(fs) > MaxFieldErrors {
		omitted = len(fs) - MaxFieldErrors
		fs = fs[:MaxFieldErrors]
	}
	out = make([]FieldError, 0, len(fs))
	for _, f := range fs {
		out = append(out, FieldError{Pointer: f.Pointer, Message: f.Message})
	}
	return out, omitted
}
