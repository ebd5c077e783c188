package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestMigrateAuditStatus: outcomes kept before schema 10 (in sync or not) get their status and
// are counted per status; new outcomes keep the counters right.
func TestMigrateAuditStatus(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openSQLite(ctx, path, SQLiteOptions{}, 9)
	if err != nil {
		t.Fatal(err)
	}
	err = old.write(ctx, func(tx *wtx) error {
		for i, id := range []string{"a", "b", "c"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO services (id, type, state, version, created, updated) VALUES (?, 'eline', 'active', 1, 1, 1)`, id); err != nil {
				return err
			}
			if id == "c" {
				continue // never audited
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_results (service_id, in_sync, at) VALUES (?, ?, ?)`, id, i == 0, 10); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSQLite(ctx, path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.Compliance(ctx); err != nil || c != (Compliance{Audited: 2, InSync: 1, Drifted: 1}) {
		t.Fatalf("migrated compliance %+v, %v", c, err)
	}
	if a, err := s.LatestAudit(ctx, "b"); err != nil || a.Status != AuditDrifted {
		t.Fatalf("migrated outcome of b: %+v, %v", a, err)
	}
	if err := s.PutAuditOutcome(ctx, AuditOutcome{Service: "c", Status: AuditUnknown}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAuditOutcome(ctx, AuditOutcome{Service: "b", InSync: true}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Compliance(ctx); err != nil || c != (Compliance{Audited: 3, InSync: 2, Unknown: 1}) {
		t.Fatalf("compliance after new outcomes %+v, %v", c, err)
	}
}
