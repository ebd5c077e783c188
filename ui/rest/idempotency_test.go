package rest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestIdempotencyTTLAndFailures(t *testing.T) {
	now := time.Unix(0, 0)
	c := newIdempotency(time.Hour, func() time.Time { return now })
	calls := 0
	status := http.StatusInternalServerError
	serve := func(key, body string) int {
		w := httptest.NewRecorder()
		c.serve(w, httptest.NewRequest("POST", "/", nil), key, body, func(w http.ResponseWriter) {
			calls++
			w.WriteHeader(status)
		})
		return w.Code
	}
	tests := []struct {
		name      string
		setStatus int
		advance   time.Duration
		body      string
		wantCode  int
		wantCalls int
	}{
		{"a failure is not kept", 500, 0, "a", 500, 1},
		{"so a retry runs again", 202, 0, "a", 202, 2},
		{"a success is replayed", 202, 0, "a", 202, 2},
		{"another body conflicts", 202, 0, "b", 409, 2},
		{"expired keys run again", 202, 2 * time.Hour, "b", 202, 3},
	}
	for _, tc := range tests {
		status = tc.setStatus
		now = now.Add(tc.advance)
		if got := serve("k", tc.body); got != tc.wantCode || calls != tc.wantCalls {
			t.Errorf("%s: code %d calls %d, want %d and %d", tc.name, got, calls, tc.wantCode, tc.wantCalls)
		}
	}
}
