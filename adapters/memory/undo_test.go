package memory

import (
	"context"
	"fmt"
	"testing"

	"github.com/xprov/xprov/adapters"
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

// TestRollbackPutsBackExactly applies a change set that creates, updates, deletes and
// re-creates under one subtree, then rolls back (and, on a candidate device, loses the
// session): the device holds exactly what it held before, and reads of a subtree see only it.
func TestRollbackPutsBackExactly(t *testing.T) {
	for _, direct := range []bool{true, false} {
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) {
			d := New(Options{Name: "pe1", Direct: direct})
			d.Seed(config.Leaf{Path: mustPath(t, "if[ge-0/0/1]")}, config.Leaf{Path: mustPath(t, "if[ge-0/0/1]/mtu"), Value: "1500"},
				config.Leaf{Path: mustPath(t, "if[ge-0/0/1]/unit[1]/vlan"), Value: "1"}, config.Leaf{Path: mustPath(t, "if[ge-0/0/2]/mtu"), Value: "9000"})
			before := fmt.Sprint(d.Leaves())
			cs := config.ChangeSet{Target: "pe1", Changes: []config.Change{
				{Op: config.Update, Path: mustPath(t, "if[ge-0/0/1]/mtu"), Value: "9000", Old: "1500"},
				{Op: config.Create, Path: mustPath(t, "if[ge-0/0/1]/unit[2]/vlan"), Value: "2"},
				{Op: config.Delete, Path: mustPath(t, "if[ge-0/0/1]/unit[1]")},
				{Op: config.Create, Path: mustPath(t, "if[ge-0/0/1]/unit[1]/vlan"), Value: "100"},
				{Op: config.Delete, Path: mustPath(t, "if[ge-0/0/2]")},
			}}
			for _, end := range []string{"rollback", "lost"} {
				if end == "lost" && direct {
					continue
				}
				tx, err := d.Begin(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if err := tx.Prepare(context.Background(), cs, adapters.PrepareOptions{}); err != nil {
					t.Fatal(err)
				}
				got, _ := d.Fetch(context.Background(), []config.Path{mustPath(t, "if[ge-0/0/1]/unit[1]"), mustPath(t, "if[ge-0/0/1]/unit[1]/vlan")})
				if fmt.Sprint(got) != fmt.Sprint([]config.Leaf{{Path: mustPath(t, "if[ge-0/0/1]/unit[1]/vlan"), Value: "100"}}) {
					t.Fatalf("read while prepared: %v", got)
				}
				if end == "rollback" {
					if err := tx.Rollback(context.Background()); err != nil {
						t.Fatal(err)
					}
				} else {
					d.LoseSessions()
				}
				if after := fmt.Sprint(d.Leaves()); after != before {
					t.Fatalf("after %s:\n%s\nwant\n%s", end, after, before)
				}
				if d.running.n != 4 {
					t.Fatalf("after %s the device counts %d leaves, holds 4", end, d.running.n)
				}
			}
		})
	}
}
