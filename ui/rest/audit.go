package rest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/xprov/xprov/engine/store"
)

// auditNote is what a handler tells the audit log about the call it served.
type auditNote struct {
	object string
	detail map[string]any
	skip   bool
}

type auditKey struct{}

var akey = &auditKey{}

// noteAudit names the object a mutating call acted on and adds detail (a run id, a plan id).
func noteAudit(r *http.Request, object string, kv ...any) {
	n, ok := r.Context().Value(akey).(*auditNote)
	if !ok {
		return
	}
	if object != "" {
		n.object = object
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			n.detail[k] = kv[i+1]
		}
	}
}

// skipAudit marks a POST that changes nothing (server-side validation).
func skipAudit(r *http.Request) {
	if n, ok := r.Context().Value(akey).(*auditNote); ok {
		n.skip = true
	}
}

// Audit is middleware that appends one audit-log entry for every mutating call (any method
// but GET, HEAD and OPTIONS) of an authenticated caller, successful or not: who, which route,
// which object, the status and what the handler noted. It must run after Authenticate.
func Audit(auth store.Auth, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				next.ServeHTTP(w, r)
				return
			}
			n := &auditNote{detail: map[string]any{}}
			sw := wrapWriter(w)
			next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), akey, n)))
			if n.skip {
				return
			}
			p, _ := principalOf(r.Context())
			action := r.Method + " " + r.URL.Path
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				action = r.Method + " " + rc.RoutePattern()
			}
			object := n.object
			if object == "" {
				object = strings.TrimPrefix(r.URL.Path, "/api/v1/")
			}
			n.detail["status"] = sw.Status()
			if q := r.URL.Query(); q.Get("dry_run") == "true" {
				n.detail["dry_run"] = true
			}
			detail, _ := json.Marshal(n.detail)
			e := store.AuditEntry{User: p.Name, Role: p.Role, Action: action, Object: object, Detail: detail}
			if _, err := auth.AppendAudit(context.WithoutCancel(r.Context()), e); err != nil {
				log.ErrorContext(r.Context(), "audit log append failed", "action", action, "object", object, "err", err)
			}
		})
	}
}
