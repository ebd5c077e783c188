package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// TestAuthenticateWithoutWrites: while another process holds the database's write lock (as
// good as an unwritable store for this one), tokens still authenticate: recording last_used
// is best effort. Revoked tokens are still refused.
func TestAuthenticateWithoutWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "xprov.db")
	s, err := store.OpenSQLite(ctx, path, store.SQLiteOptions{BusyTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	live, err := s.CreateToken(ctx, "live", store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	dead, err := s.CreateToken(ctx, "dead", store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	deadTok, _ := s.TokenByHash(ctx, store.HashToken(dead))
	if err := s.RevokeToken(ctx, deadTok.ID); err != nil {
		t.Fatal(err)
	}

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	if _, err := s.CreateToken(ctx, "blocked", store.RoleViewer); err == nil {
		t.Fatal("a write succeeded while another connection holds the write lock")
	}
	for i := range 3 {
		start := time.Now()
		tok, err := s.Authenticate(ctx, live)
		if err != nil || tok.Name != "live" {
			t.Fatalf("Authenticate %d with an unwritable store = %+v, %v", i, tok, err)
		}
		// Only the first waits for the lock (the busy timeout); later ones do not try.
		if d := time.Since(start); i > 0 && d > 250*time.Millisecond {
			t.Errorf("Authenticate %d took %v: it waited for the write lock again", i, d)
		}
	}
	if _, err := s.Authenticate(ctx, dead); !errors.Is(err, store.ErrUnauthorized) {
		t.Fatalf("revoked token with an unwritable store: %v", err)
	}
}
