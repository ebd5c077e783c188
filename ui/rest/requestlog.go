package rest

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// requestInfo is what inner middleware tells the request log about a request.
type requestInfo struct {
	user string
}

type requestInfoKey struct{}

var rikey = &requestInfoKey{}

func requestInfoFrom(ctx context.Context) (*requestInfo, bool) {
	ri, ok := ctx.Value(rikey).(*requestInfo)
	return ri, ok
}

// RequestLog is middleware that logs one structured line per request: method, route pattern,
// path, status, size, duration and the caller's token name. Headers, bodies and query strings
// are never logged, so neither tokens nor passwords can reach the log.
func RequestLog(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ri := &requestInfo{}
			sw := wrapWriter(w)
			next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), rikey, ri)))
			level := slog.LevelInfo
			if sw.Status() >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", sw.Status()),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
			}
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				attrs = append(attrs, slog.String("route", rc.RoutePattern()))
			}
			if ri.user != "" {
				attrs = append(attrs, slog.String("user", ri.user))
			}
			log.LogAttrs(r.Context(), level, "http request", attrs...)
		})
	}
}
