package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/engine/store/storetest"
)

// setup opens a store for one test and closes it at the end.
func setup(t testing.TB, path string) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), path, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
	}{
		{"file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "xprov.db") }},
		{"memory", func(*testing.T) string { return ":memory:" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Exercise(t, func(t *testing.T) store.Store { return setup(t, tt.path(t)) })
			storetest.ExerciseAuth(t, func(t *testing.T) store.Auth { return setup(t, tt.path(t)) })
			storetest.ExerciseCustomers(t, func(t *testing.T) store.Customers { return setup(t, tt.path(t)) })
		})
	}
}

// TestSnapshotIsolation: a file store's snapshot keeps seeing the state of its first read
// while others write (the in-memory store, one connection, is its own snapshot).
func TestSnapshotIsolation(t *testing.T) {
	s := setup(t, filepath.Join(t.TempDir(), "xprov.db"))
	ctx := t.Context()
	view, release, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if n, err := view.CountServices(ctx, store.ServiceFilter{}); err != nil || n != 0 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if err := s.CreateRun(ctx, store.Run{ID: "r1", Service: "s1", Kind: store.RunCreate, State: store.RunRunning}); err != nil {
		t.Fatal(err)
	}
	rec := store.RecordParams{Service: store.Service{ID: "s1", Type: "eline", State: store.StateActive, Intent: []byte(`{}`)},
		Run: store.Run{ID: "r1", Service: "s1", Kind: store.RunCreate, State: store.RunSucceeded}}
	if err := s.Record(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if n, _ := view.CountServices(ctx, store.ServiceFilter{}); n != 0 {
		t.Fatalf("the snapshot sees a service recorded after its first read (%d)", n)
	}
	if n, _ := s.CountServices(ctx, store.ServiceFilter{}); n != 1 {
		t.Fatalf("the store counts %d services, want 1", n)
	}
}
