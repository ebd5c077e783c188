package rest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

func openStore(t *testing.T, path string) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), path, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestIdempotencyTTLAndFailures(t *testing.T) {
	now := time.Unix(0, 0)
	c := newIdempotency(openStore(t, ":memory:"), time.Hour, func() time.Time { return now }, nil)
	calls := 0
	status := http.StatusInternalServerError
	serve := func(key, body string) int {
		w := httptest.NewRecorder()
		c.serve(w, httptest.NewRequest("POST", "/", nil), "u", key, body, func(w http.ResponseWriter) {
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
		{"and are kept again", 202, 0, "b", 202, 3},
	}
	for _, tc := range tests {
		status = tc.setStatus
		now = now.Add(tc.advance)
		if got := serve("k", tc.body); got != tc.wantCode || calls != tc.wantCalls {
			t.Errorf("%s: code %d calls %d, want %d and %d", tc.name, got, calls, tc.wantCode, tc.wantCalls)
		}
	}
}

// TestIdempotencyAcrossRestart: a second server process on the same database replays the
// first one's response for the key, refuses the key for another request, and prunes the
// record once it expired.
func TestIdempotencyAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xprov.db")
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	serve := func(c *idempotency, user, body string, calls *int) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		c.serve(w, httptest.NewRequest("POST", "/api/v1/services", nil), user, "k-1", body, func(w http.ResponseWriter) {
			*calls++
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Location", "/api/v1/runs/run-1")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"id":"run-1"}`))
		})
		return w
	}
	first := openStore(t, path)
	var calls1 int
	if w := serve(newIdempotency(first, time.Hour, clock, nil), "alice", "a", &calls1); w.Code != 202 || calls1 != 1 {
		t.Fatalf("first: %d, calls %d", w.Code, calls1)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	st := openStore(t, path)
	c := newIdempotency(st, time.Hour, clock, nil)
	var calls int
	w := serve(c, "alice", "a", &calls)
	if w.Code != 202 || calls != 0 || w.Body.String() != `{"id":"run-1"}` || w.Header().Get("Idempotent-Replayed") != "true" ||
		w.Header().Get("Location") != "/api/v1/runs/run-1" {
		t.Fatalf("retry after restart: %d %q %v, calls %d", w.Code, w.Body, w.Header(), calls)
	}
	if w := serve(c, "alice", "b", &calls); w.Code != http.StatusConflict || calls != 0 {
		t.Fatalf("same key, other request: %d, calls %d", w.Code, calls)
	}
	if w := serve(c, "bob", "b", &calls); w.Code != 202 || calls != 1 {
		t.Fatalf("another user's key: %d, calls %d", w.Code, calls)
	}
	// Expired: pruned on the next request (at most once a minute), then runs again.
	now = now.Add(2 * time.Hour)
	if w := serve(c, "alice", "b", &calls); w.Code != 202 || calls != 2 {
		t.Fatalf("after expiry: %d, calls %d", w.Code, calls)
	}
	if n, err := st.PruneIdempotency(context.Background(), now); err != nil || n != 0 {
		t.Fatalf("expired records left after the sweep: %d, %v", n, err)
	}
}

// TestIdempotencyConcurrent: requests with one key in flight at once run the handler once.
func TestIdempotencyConcurrent(t *testing.T) {
	c := newIdempotency(openStore(t, ":memory:"), time.Hour, nil, nil)
	release := make(chan struct{})
	started := make(chan struct{})
	calls := 0
	handler := func(w http.ResponseWriter) {
		calls++
		close(started)
		<-release
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"id":"run-1"}`))
	}
	codes := make(chan int, 2)
	go func() {
		w := httptest.NewRecorder()
		c.serve(w, httptest.NewRequest("POST", "/", nil), "u", "k", "a", handler)
		codes <- w.Code
	}()
	<-started
	go func() {
		w := httptest.NewRecorder()
		c.serve(w, httptest.NewRequest("POST", "/", nil), "u", "k", "a", handler)
		codes <- w.Code
	}()
	// The second request waits for the first; another body is refused at once.
	w := httptest.NewRecorder()
	c.serve(w, httptest.NewRequest("POST", "/", nil), "u", "k", "b", handler)
	if w.Code != http.StatusConflict {
		t.Fatalf("other body while in flight: %d", w.Code)
	}
	close(release)
	if a, b := <-codes, <-codes; a != 202 || b != 202 || calls != 1 {
		t.Fatalf("codes %d %d, calls %d", a, b, calls)
	}
}
