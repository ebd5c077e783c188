package rest

import (
	"net/http"
)

// DefaultBodyLimit bounds request bodies (1 MiB).
const DefaultBodyLimit = 1 << 20

// BodyLimit is middleware that refuses request bodies over n bytes with a 413: at once when
// Content-Length says so, otherwise when a handler reads past the limit (decodeBody turns the
// *http.MaxBytesError into the 413).
func BodyLimit(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				writeProblem(w, r, tooLarge(n))
				return
			}
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func tooLarge(n int64) Problem {
	return Problem{Type: ProblemTypeBase + "too-large", Title: http.StatusText(http.StatusRequestEntityTooLarge),
		Status: http.StatusRequestEntityTooLarge, Detail: "request body is larger than the limit of " + itoa(n) + " bytes"}
}
