package flexservices_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/xprov/xprov/builtins/memory"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/packtest"
)

// TestOps runs every op of every bundled pack on every endpoint of the pack's mixed-vendor
// create case, after the service rendered (so it holds its pool values), and compares the
// commands with testdata/ops.golden (-update rewrites it).
func TestOps(t *testing.T) {
	ctx := context.Background()
	var b strings.Builder
	for _, name := range []string{"eline", "elan", "l3vpn", "iptv-l3vpn", "dia"} {
		p, err := pack.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		a, err := txtar.ParseFile(filepath.Join(name, "tests", "create-mixed.txtar"))
		if err != nil {
			t.Fatal(err)
		}
		var src []byte
		for _, f := range a.Files {
			if f.Name == "intent.json" {
				src = f.Data
			}
		}
		intent, err := pack.DecodeIntent(src)
		if err != nil {
			t.Fatal(err)
		}
		pools := memory.NewPools()
		in := pack.RenderInput{ServiceID: packtest.ServiceID, Intent: intent, Pools: pools.Service(packtest.ServiceID), Inventory: memory.Lab()}
		if _, err := p.Render(ctx, in); err != nil {
			t.Fatalf("%s: render: %v", name, err)
		}
		held := len(pools.Allocations(""))
		eps, err := p.Endpoints(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range p.Meta.Ops {
			for i := range eps {
				c, err := p.Op(ctx, op.Name, in, i)
				if err != nil {
					t.Fatalf("%s: op %s endpoint %d: %v", name, op.Name, i, err)
				}
				fmt.Fprintf(&b, "%s %s %d %s (%s): %s\n", name, c.Op, c.Endpoint, c.Device, c.Vendor, c.Command)
			}
		}
		if n := len(pools.Allocations("")); n != held {
			t.Errorf("%s: ops changed the allocations (%d -> %d)", name, held, n)
		}
	}
	golden := filepath.Join("testdata", "ops.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("ops:\n%s\nwant:\n%s", b.String(), want)
	}
}
