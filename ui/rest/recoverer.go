package rest

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recoverer is middleware that turns a handler panic into a logged 500 problem instead of a
// dropped connection. http.ErrAbortHandler is re-panicked, as net/http expects.
func Recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "handler panic", "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeProblem(w, r, Problem{Type: ProblemTypeBase + "internal", Title: http.StatusText(http.StatusInternalServerError),
					Status: http.StatusInternalServerError, Detail: "internal error"})
			}()
			next.ServeHTTP(w, r)
		})
	}
}
