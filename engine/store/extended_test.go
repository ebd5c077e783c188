package store_test

import (
	"path/filepath"
	"testing"

	"github.com/xprov/xprov/engine/store/storetest"
)

func TestConformanceExtended(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
	}{
		{"file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "xprov.db") }},
		{"memory", func(*testing.T) string { return ":memory:" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.ExerciseExtended(t, func(t *testing.T) storetest.Extended { return setup(t, tt.path(t)) })
		})
	}
}
