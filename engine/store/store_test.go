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
		})
	}
}
