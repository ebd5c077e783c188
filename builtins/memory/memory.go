// Package memory holds in-memory implementations of builtins.Pools and builtins.Inventory for
// tests and pack tests (`xprov pack test`), and the lab inventory fixture pack tests use by
// default. They are pure, deterministic and safe for concurrent use; nothing is persisted.
package memory

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/builtins"
)

// Allocation is one value held by one service (the form of a pack test's allocations.json).
type Allocation struct {
	Service string `json:"service"`
	Pool    string `json:"pool"`
	Scope   string `json:"scope,omitempty"` // "" means "global"
	Key     string `json:"key,omitempty"`
	Value   int64  `json:"value"`
}

type slot struct{ pool, scope string }

type hold struct{ service, pool, scope, key string }

// Pools is an in-memory pool store shared by many services. Service(id) gives the
// builtins.Pools view one run uses. Values are allocated lowest-free-first, so results are
// deterministic for a given sequence of calls.
type Pools struct {
	mu    sync.Mutex
	taken map[slot]map[int64]hold
	held  map[hold]int64
}

// NewPools returns an empty pool store.
func NewPools() *Pools {
	return &Pools{taken: map[slot]map[int64]hold{}, held: map[hold]int64{}}
}

// Service returns the view of the store one service's run uses.
func (p *Pools) Service(id string) builtins.Pools { return &servicePools{p: p, service: id} }

// Preload records allocations as held, e.g. values other services already hold. It fails when
// two allocations claim one value.
func (p *Pools) Preload(allocs []Allocation) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range allocs {
		scope := a.Scope
		if scope == "" {
			scope = "global"
		}
		h := hold{a.Service, a.Pool, scope, a.Key}
		s := slot{a.Pool, scope}
		if prev, ok := p.taken[s][a.Value]; ok && prev != h {
			return fmt.Errorf("memory pools: preload: %s %d (scope %s) held by both %q and %q", a.Pool, a.Value, scope, prev.service, a.Service)
		}
		if p.taken[s] == nil {
			p.taken[s] = map[int64]hold{}
		}
		p.taken[s][a.Value] = h
		p.held[h] = a.Value
	}
	return nil
}

// Allocations lists what service holds (every service when service is ""), sorted by pool,
// scope, key.
func (p *Pools) Allocations(service string) []Allocation {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Allocation
	for h, v := range p.held {
		if service == "" || h.service == service {
			out = append(out, Allocation{Service: h.service, Pool: h.pool, Scope: h.scope, Key: h.key, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Pool != b.Pool {
			return a.Pool < b.Pool
		}
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		return a.Key < b.Key
	})
	return out
}

// ReleaseAll gives back everything service holds (what the engine does on delete).
func (p *Pools) ReleaseAll(service string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for h, v := range p.held {
		if h.service == service {
			delete(p.held, h)
			delete(p.taken[slot{h.pool, h.scope}], v)
		}
	}
}

type servicePools struct {
	p       *Pools
	service string
}

var _ builtins.Pools = (*servicePools)(nil)

func (s *servicePools) Allocate(ctx context.Context, pool, scope, key string, lo, hi int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if lo > hi {
		return 0, fmt.Errorf("memory pools: %s: empty range %d-%d", pool, lo, hi)
	}
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	h := hold{s.service, pool, scope, key}
	if v, ok := p.held[h]; ok {
		return v, nil
	}
	sl := slot{pool, scope}
	taken := p.taken[sl]
	for v := lo; v <= hi; v++ {
		if _, busy := taken[v]; !busy {
			if taken == nil {
				taken = map[int64]hold{}
				p.taken[sl] = taken
			}
			taken[v] = h
			p.held[h] = v
			return v, nil
		}
		if v == hi { // avoid overflow at math.MaxInt64
			break
		}
	}
	return 0, fmt.Errorf("all %d values %d-%d taken: %w", hi-lo+1, lo, hi, builtins.ErrPoolExhausted)
}

// Claim implements builtins.Pools: it names the holder when another service holds value.
func (s *servicePools) Claim(ctx context.Context, pool, scope, key string, value int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	sl := slot{pool, scope}
	if h, ok := p.taken[sl][value]; ok {
		if h.service == s.service {
			return nil // held already, under this key or another
		}
		return &builtins.HeldError{Pool: pool, Scope: scope, Value: value, Holder: h.service}
	}
	h := hold{s.service, pool, scope, key}
	if old, ok := p.held[h]; ok {
		delete(p.taken[sl], old)
	}
	if p.taken[sl] == nil {
		p.taken[sl] = map[int64]hold{}
	}
	p.taken[sl][value] = h
	p.held[h] = value
	return nil
}

func (s *servicePools) Lookup(ctx context.Context, pool, scope, key string) (int64, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	v, ok := s.p.held[hold{s.service, pool, scope, key}]
	return v, ok, nil
}

func (s *servicePools) Release(ctx context.Context, pool, scope, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	h := hold{s.service, pool, scope, key}
	if v, ok := p.held[h]; ok {
		delete(p.held, h)
		delete(p.taken[slot{pool, scope}], v)
	}
	return nil
}

// Inventory is a fixed, in-memory builtins.Inventory.
type Inventory struct {
	devices map[string]adapters.Device
}

var _ builtins.Inventory = (*Inventory)(nil)

// InventoryFile is the JSON form of an inventory (lab.json, a pack test's inventory.json).
type InventoryFile struct {
	Devices []adapters.Device `json:"devices"`
}

// NewInventory returns an inventory holding devices. Duplicate names are an error.
func NewInventory(devices ...adapters.Device) (*Inventory, error) {
	inv := &Inventory{devices: make(map[string]adapters.Device, len(devices))}
	for _, d := range devices {
		if d.Name == "" {
			return nil, fmt.Errorf("memory inventory: device without a name")
		}
		if _, dup := inv.devices[d.Name]; dup {
			return nil, fmt.Errorf("memory inventory: device %q listed twice", d.Name)
		}
		inv.devices[d.Name] = d
	}
	return inv, nil
}

// ParseInventory reads an inventory in the InventoryFile JSON form.
func ParseInventory(data []byte) (*Inventory, error) {
	var f InventoryFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("memory inventory: %w", err)
	}
	return NewInventory(f.Devices...)
}

//go:embed lab.json
var labJSON []byte

// LabJSON returns the lab inventory fixture as JSON: Junos pe1, pe2, pe3 (loopbacks
// 10.255.1.1-3, ports ge-0/0/0-9 and xe-0/1/0-3) and SR OS sr1, sr2, sr3 behind the SAM
// "sam1" (system addresses 10.255.2.1-3, ports 1/1/1-10 and 1/2/1-4).
func LabJSON() []byte { return append([]byte(nil), labJSON...) }

// Lab returns the lab inventory fixture (see LabJSON).
func Lab() *Inventory {
	inv, err := ParseInventory(labJSON)
	if err != nil {
		panic("memory: embedded lab.json: " + err.Error()) // programmer error: the fixture is ours
	}
	return inv
}

// Device implements builtins.Inventory.
func (inv *Inventory) Device(ctx context.Context, name string) (adapters.Device, bool, error) {
	if err := ctx.Err(); err != nil {
		return adapters.Device{}, false, err
	}
	d, ok := inv.devices[name]
	return d, ok, nil
}

// Devices implements builtins.Inventory; the list is sorted by name.
func (inv *Inventory) Devices(ctx context.Context, vendor string) ([]adapters.Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]adapters.Device, 0, len(inv.devices))
	for _, d := range inv.devices {
		if vendor == "" || d.Vendor == vendor {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
