package junos_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos/sim"
)

// TestExactReadsMatchWholeReads applies what the bundled packs render for Junos (their
// create-junos goldens) and then reads every node of it on its own: the leaves an exact read
// returns must be exactly the leaves at or below that path in a read of the whole
// configuration. The engine reads only the nodes a request changes, so a read of one presence
// leaf (a policer's then/discard) or one entry must answer as the same node would inside its
// parent, or shared nodes would look pre-existing.
func TestExactReadsMatchWholeReads(t *testing.T) {
	files, err := filepath.Glob("../../flexservices/*/tests/create-junos.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no pack goldens found (%v)", err)
	}
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range a.Files {
			if !strings.HasPrefix(af.Name, "want/") {
				continue
			}
			var cs config.ChangeSet
			for _, line := range strings.Split(string(af.Data), "\n") {
				rest, ok := strings.CutPrefix(line, "create ")
				if !ok {
					continue
				}
				ps, v, _ := strings.Cut(rest, " = ")
				cs.Changes = append(cs.Changes, config.Change{Op: config.Create, Path: p(ps), Value: v})
			}
			if len(cs.Changes) == 0 {
				continue
			}
			t.Run(filepath.Base(filepath.Dir(filepath.Dir(f)))+"/"+af.Name, func(t *testing.T) {
				_, c := startDevice(t, sim.Options{Name: "pe1"}, nil)
				ctx := ctxT(t)
				tx, err := c.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := tx.Prepare(ctx, cs, adapters.PrepareOptions{Comment: "exact reads"}); err != nil {
					t.Fatalf("prepare: %v", err)
				}
				if err := tx.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				whole, err := c.Fetch(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, ch := range cs.Changes {
					exact, err := c.Fetch(ctx, []config.Path{ch.Path})
					if err != nil {
						t.Fatalf("read %s: %v", ch.Path, err)
					}
					var want []config.Leaf
					for _, l := range whole {
						if l.Path.HasPrefix(ch.Path) {
							want = append(want, l)
						}
					}
					if !reflect.DeepEqual(leafStrings(exact), leafStrings(want)) {
						t.Errorf("read of %s:\n got %v\nwant %v", ch.Path, leafStrings(exact), leafStrings(want))
					}
				}
			})
		}
	}
}

func leafStrings(ls []config.Leaf) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.Path.String()+"="+l.Value)
	}
	return out
}
