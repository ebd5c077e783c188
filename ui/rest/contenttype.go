package rest

import (
	"mime"
	"net/http"
	"strings"
)

// RequireJSON is middleware that refuses a request body that does not say it is JSON with a
// 415: a POST, PUT, PATCH or DELETE that carries a body must send Content-Type
// application/json, in UTF-8 when a charset is given.
// Requests without a body (DELETE, redeploy, cancel) need no Content-Type.
func RequireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			if r.ContentLength != 0 && !isJSON(r.Header.Get("Content-Type")) {
				writeProblem(w, r, Problem{Type: ProblemTypeBase + "unsupported-media-type",
					Title:  http.StatusText(http.StatusUnsupportedMediaType),
					Status: http.StatusUnsupportedMediaType,
					Detail: "the request body must be JSON: send Content-Type: application/json"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isJSON reports whether a Content-Type header names JSON in UTF-8.
func isJSON(ct string) bool {
	if ct == "" {
		return false
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	if mt != "application/json" {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false
	}
	return true
}
