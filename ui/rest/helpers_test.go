package rest_test

import (
	"testing"

	"github.com/xprov/xprov/adapters/config"
)

func mustPath(t *testing.T, s string) config.Path {
	t.Helper()
	p, err := config.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
