package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/memory"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
)

// vlanPack renders, per endpoint, a unit on a Junos port (the port's entry, its tagging and
// encapsulation are shared by every service on the port), or an epipe with a SAP on an SR
// node (one SAM object per service).
type vlanPack struct{}

func (vlanPack) Info() engine.PackInfo {
	return engine.PackInfo{Name: "vlan", Version: "1.0.0+test", Title: "VLAN", Vendors: []string{"junos", "sros"}}
}

func (vlanPack) Validate(intent any) error { return nil }

func (vlanPack) Render(ctx context.Context, in pack.RenderInput) (*pack.Rendered, error) {
	m := in.Intent.(map[string]any)
	out := &pack.Rendered{Config: map[string][]config.Leaf{}}
	for i, ep := range m["endpoints"].([]any) {
		em := ep.(map[string]any)
		dev, port, vlan := em["device"].(string), em["port"].(string), em["vlan"].(json.Number).String()
		d, ok, err := in.Inventory.Device(ctx, dev)
		if err != nil || !ok {
			return nil, fmt.Errorf("unknown device %s", dev)
		}
		var tree map[string]any
		if d.Vendor == "junos" {
			tree = map[string]any{"interfaces": map[string]any{"interface": []any{map[string]any{
				"name": port, "flexible-vlan-tagging": true, "encapsulation": "flexible-ethernet-services",
				"unit": []any{map[string]any{"name": vlan, "vlan-id": vlan, "description": in.ServiceID}},
			}}}}
		} else {
			tree = map[string]any{"epipe": []any{map[string]any{"name": in.ServiceID + "@" + dev, "description": in.ServiceID,
				"sap": []any{map[string]any{"name": port + ":" + vlan}}}}}
		}
		leaves, err := config.FromTree(tree)
		if err != nil {
			return nil, err
		}
		out.Config[dev] = append(out.Config[dev], leaves...)
		out.Endpoints = append(out.Endpoints, pack.Endpoint{Index: i, Device: dev, Vendor: d.Vendor, Data: map[string]any{"port": port}})
	}
	return out, nil
}

func (vlanPack) Op(ctx context.Context, name string, in pack.RenderInput, endpoint int) (pack.OpCommand, error) {
	return pack.OpCommand{}, fmt.Errorf("vlan: op %q: %w", name, pack.ErrUnknownOp)
}

func (p vlanPack) Endpoints(ctx context.Context, in pack.RenderInput) ([]pack.Endpoint, error) {
	r, err := p.Render(ctx, in)
	if err != nil {
		return nil, err
	}
	return r.Endpoints, nil
}

type vlanPacks struct{}

func (vlanPacks) Pack(name string) (engine.Pack, bool) {
	if name == "vlan" {
		return vlanPack{}, true
	}
	return nil, false
}

func (vlanPacks) List() []engine.Pack { return []engine.Pack{vlanPack{}} }

// counted counts a target's reads; with slow set, a read takes a few milliseconds before it
// looks (requests commit meanwhile).
type counted struct {
	adapters.Target
	fetches atomic.Int64
	slow    atomic.Bool
}

func (c *counted) Fetch(ctx context.Context, ps []config.Path) ([]config.Leaf, error) {
	c.fetches.Add(1)
	if c.slow.Load() {
		select {
		case <-time.After(3 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return c.Target.Fetch(ctx, ps)
}

// bundle is an engine on pe1..pe3 (Junos-like) and sam1 (managing sr1, sr2), with an auditor.
type bundle struct {
	e       *engine.Engine
	st      *store.SQLite
	a       *audit.Auditor
	dev     map[string]*memory.Device
	targets map[string]*counted
}

var targetNames = []string{"pe1", "pe2", "pe3", "sam1"}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := t.Context()
	st, err := store.OpenSQLite(ctx, ":memory:", store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	b := &bundle{st: st, dev: map[string]*memory.Device{}, targets: map[string]*counted{}}
	var ts []adapters.Target
	for _, n := range targetNames {
		o := memory.Options{Name: n}
		if n == "sam1" {
			o.Direct = true
			for _, sr := range []string{"sr1", "sr2"} {
				o.Devices = append(o.Devices, adapters.Device{Name: sr, Vendor: "sros", NMS: "sam1", Address: "10.0.1." + sr[2:]})
			}
		} else {
			o.Devices = []adapters.Device{{Name: n, Vendor: "junos", Address: "10.0.0." + n[2:]}}
		}
		b.dev[n] = memory.New(o)
		b.targets[n] = &counted{Target: b.dev[n]}
		ts = append(ts, b.targets[n])
	}
	e, err := engine.New(engine.Options{Store: st, Packs: vlanPacks{}, Targets: ts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
	})
	b.e = e
	if _, err := e.Discover(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := audit.New(ctx, audit.Options{Store: st, Target: e.Target, Workers: 3, ScheduleTick: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	b.a = a
	return b
}

// vlanIntent is a service with one endpoint per "device:port:vlan".
func vlanIntent(eps ...[3]any) json.RawMessage {
	var list []map[string]any
	for _, ep := range eps {
		list = append(list, map[string]any{"device": ep[0], "port": ep[1], "vlan": ep[2]})
	}
	raw, _ := json.Marshal(map[string]any{"endpoints": list})
	return raw
}

// create creates services through the engine's bulk path and fails the test on any error.
func (b *bundle) create(t *testing.T, reqs []engine.Request) {
	t.Helper()
	res, err := b.e.Bulk(t.Context(), reqs, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if it.Error != "" {
			t.Fatalf("create %s: %s", it.Service, it.Error)
		}
	}
}

func (b *bundle) resetFetches() {
	for _, c := range b.targets {
		c.fetches.Store(0)
	}
}

func mustPath(t *testing.T, s string) config.Path {
	t.Helper()
	p, err := config.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
