// Package resttest starts the REST API over a real engine for tests: SQLite in a temporary
// directory, the E-LINE test pack, and in-memory devices (pe1, pe2: Junos-like; sam1: a
// SAM-like NMS with sr1, sr2), discovered into inventory. The handler tests of ui/rest and the
// CLI tests of cmd/xprov share it.
package resttest

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/memory"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
)

//go:embed testdata
var testdata embed.FS

// Env is a running API with its engine, store and devices.
type Env struct {
	Engine  *engine.Engine
	Store   *store.SQLite
	Packs   *pack.Registry
	Rest    *rest.Server
	Server  *httptest.Server
	Devices map[string]*memory.Device // targets by name: pe1, pe2, sam1
	// Tokens holds one bearer token per role ("admin", "designer", "operator", "viewer").
	Tokens map[string]string
}

// Options tune New.
type Options struct {
	// Rest is called on the REST options before the server is built.
	Rest func(*rest.Options)
	// Handler wraps the server's handler (e.g. to record exchanges).
	Handler func(http.Handler) http.Handler
	// Store wraps the SQLite store the engine and the REST layer use (e.g. to fail writes);
	// Env.Store stays the SQLite store itself.
	Store func(*store.SQLite) Store
}

// Store is everything the engine and the REST layer use of the store.
type Store interface {
	store.Store
	store.Auth
	rest.StateStore
}

func ports(names ...string) []adapters.Port {
	var out []adapters.Port
	for _, n := range names {
		out = append(out, adapters.Port{Name: n, AdminUp: true, OperUp: true, SpeedMbps: 10000})
	}
	return out
}

// New starts an Env; everything is closed when the test ends.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir()+"/xprov.db", store.SQLiteOptions{})
	if err != nil {
		t.Fatalf("resttest: open store: %v", err)
	}
	sub, err := fs.Sub(testdata, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	reg := pack.NewRegistry(pack.Options{}, pack.Source{Name: "testdata", FS: sub})
	if err := reg.Reload(); err != nil {
		t.Fatalf("resttest: load packs: %v", err)
	}
	devs := map[string]*memory.Device{
		"pe1": memory.New(memory.Options{Name: "pe1", Devices: []adapters.Device{{Name: "pe1", Vendor: "junos", Platform: "mx204",
			Address: "10.255.1.1", Ports: ports("ge-0/0/1", "ge-0/0/2", "ge-0/0/3")}}}),
		"pe2": memory.New(memory.Options{Name: "pe2", Devices: []adapters.Device{{Name: "pe2", Vendor: "junos", Platform: "mx204",
			Address: "10.255.1.2", Ports: ports("ge-0/0/1", "ge-0/0/2")}}}),
		"sam1": memory.New(memory.Options{Name: "sam1", Direct: true, Devices: []adapters.Device{
			{Name: "sr1", Vendor: "sros", NMS: "sam1", Platform: "7750", Address: "10.255.2.1", Ports: ports("1/1/1", "1/1/2")},
			{Name: "sr2", Vendor: "sros", NMS: "sam1", Platform: "7750", Address: "10.255.2.2", Ports: ports("1/1/1")},
		}}),
	}
	var wrapped Store = st
	if o.Store != nil {
		wrapped = o.Store(st)
	}
	eng, err := engine.New(engine.Options{Store: wrapped, Packs: engine.RegistryPacks(reg),
		Targets: []adapters.Target{devs["pe1"], devs["pe2"], devs["sam1"]}, SkipPreexistingCheck: false})
	if err != nil {
		t.Fatalf("resttest: engine: %v", err)
	}
	if _, err := eng.Discover(ctx); err != nil {
		t.Fatalf("resttest: discover: %v", err)
	}
	aud, err := audit.New(ctx, audit.Options{Store: st, Target: eng.Target, ScheduleTick: -1})
	if err != nil {
		t.Fatalf("resttest: auditor: %v", err)
	}
	ro := rest.Options{Engine: eng, Packs: engine.RegistryPacks(reg), Auth: wrapped, Logger: slog.New(slog.DiscardHandler), Audits: aud,
		Reload: func(ctx context.Context) ([]pack.Problem, error) { _ = reg.Reload(); return reg.Problems(), nil },
		PoolBounds: func(pool string) (int64, int64, bool) {
			for _, p := range reg.Packs() {
				if spec, ok := p.Meta.Pools[pool]; ok {
					lo, hi := spec.Bounds()
					return lo, hi, true
				}
			}
			return 0, 0, false
		},
	}
	if o.Rest != nil {
		o.Rest(&ro)
	}
	rs, err := rest.New(ro)
	if err != nil {
		t.Fatalf("resttest: rest: %v", err)
	}
	var h http.Handler = rs.Handler()
	if o.Handler != nil {
		h = o.Handler(h)
	}
	srv := httptest.NewServer(h)
	env := &Env{Engine: eng, Store: st, Packs: reg, Rest: rs, Server: srv, Devices: devs, Tokens: map[string]string{}}
	for _, role := range []string{store.RoleAdmin, store.RoleDesigner, store.RoleOperator, store.RoleViewer} {
		tok, err := st.CreateToken(ctx, role+"-user", role)
		if err != nil {
			t.Fatalf("resttest: token: %v", err)
		}
		env.Tokens[role] = tok
	}
	t.Cleanup(func() {
		rs.Close()
		srv.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = eng.Shutdown(sctx)
		aud.Close()
		_ = st.Close()
	})
	return env
}

// ELine returns an E-LINE intent between two "device:port" endpoints with a VLAN.
func ELine(customer string, vlan int, a, b string) map[string]any {
	return map[string]any{"customer": customer, "endpoints": []any{split(a, vlan), split(b, vlan)}}
}

// split parses "device:port" (device names have no colon).
func split(s string, vlan int) map[string]any {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return map[string]any{"device": s[:i], "port": s[i+1:], "vlan": vlan}
		}
	}
	return map[string]any{"device": s}
}
