package junos_test

import (
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/junos/sim"
)

// TestCommitHistory: the history lists xprov's commit with its comment and a change made on
// the CLI behind its back with its user, newest first.
func TestCommitHistory(t *testing.T) {
	d, c := startDevice(t, sim.Options{}, nil)
	ctx := ctxT(t)
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{Comment: "xprov run r1 (create e1 by alice)"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.LoadSet("set interfaces ge-0/0/2 disable"); err != nil {
		t.Fatal(err)
	}
	h, err := c.CommitHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) < 2 {
		t.Fatalf("history %+v", h)
	}
	if h[0].Seq != 0 || h[0].User != "root" || h[0].Client != "cli" || h[0].At.IsZero() {
		t.Fatalf("newest entry (the CLI change): %+v", h[0])
	}
	found := false
	for _, cm := range h[1:] {
		found = found || strings.HasPrefix(cm.Comment, "xprov run r1")
	}
	if !found {
		t.Fatalf("xprov's commit is not in the history: %+v", h)
	}
}
