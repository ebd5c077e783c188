package rest

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestLogNoSecrets checks that neither a bearer token nor a query token reaches the log.
func TestRequestLogNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	h := RequestLog(slog.New(slog.NewJSONHandler(&buf, nil)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	r := httptest.NewRequest("GET", "/api/v1/events?access_token=secret-q", nil)
	r.Header.Set("Authorization", "Bearer secret-h")
	h.ServeHTTP(httptest.NewRecorder(), r)
	out := buf.String()
	if strings.Contains(out, "secret") {
		t.Fatalf("log leaks a token: %s", out)
	}
	for _, want := range []string{`"status":418`, `"path":"/api/v1/events"`, `"method":"GET"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %s lacks %s", out, want)
		}
	}
}

func TestRecoverer(t *testing.T) {
	var buf bytes.Buffer
	h := Recoverer(slog.New(slog.NewTextHandler(&buf, nil)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 || !strings.Contains(buf.String(), "boom") || strings.Contains(w.Body.String(), "boom") {
		t.Fatalf("status %d body %s log %s", w.Code, w.Body, buf.String())
	}
}
