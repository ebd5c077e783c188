package junos_test

import (
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/junos/sim"
)

// TestFreeTextReachesTheDeviceExactly: free text xprov sends (the commit comment, which names
// the requesting token) reaches the device byte for byte, XML specials and unicode included:
// it is encoded, never spliced into the RPC.
func TestFreeTextReachesTheDeviceExactly(t *testing.T) {
	d, c := startDevice(t, sim.Options{}, nil)
	ctx := ctxT(t)
	for i, comment := range []string{
		`xprov run r1 (create s1 by a<b&c]]>"'x)`,
		`xprov run r2 (create s2 by </log><rpc><discard-changes/></rpc>)`,
		"xprov run r3 (create s3 by Zoë ✓ 東京 &amp; &#x41;)",
	} {
		tx, err := c.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cs := createCS(c.Name(), elineSample())
		if i > 0 {
			// Each commit must change something to be a new history entry.
			cs.Changes = cs.Changes[:len(cs.Changes)-i]
		}
		if err := tx.Prepare(ctx, cs, adapters.PrepareOptions{Comment: comment}); err != nil {
			t.Fatalf("prepare %q: %v", comment, err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("commit %q: %v", comment, err)
		}
		got, _, ok := d.CommitLog(0)
		if !ok || got != comment {
			t.Fatalf("commit log on the device = %q, want %q", got, comment)
		}
	}
}
