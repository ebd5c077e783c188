package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/memory"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/diff"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
)

// fakePack renders, per endpoint, an interface unit on the endpoint's port, a shared policy and
// an l2circuit with a pooled VC id. It stands in for a Starlark pack so the engine's own
// behaviour is tested without the pack runtime.
type fakePack struct{ poolHi int64 }

func (fakePack) Info() engine.PackInfo {
	return engine.PackInfo{Name: "fake", Version: "1.0.0+test", Title: "Fake", Vendors: []string{"junos", "sros"}}
}

func (fakePack) Validate(intent any) error {
	m, ok := intent.(map[string]any)
	if !ok {
		return &pack.ValidationError{Fields: []pack.FieldError{{Pointer: "", Message: "must be an object"}}}
	}
	var fe []pack.FieldError
	eps, _ := m["endpoints"].([]any)
	if len(eps) == 0 {
		fe = append(fe, pack.FieldError{Pointer: "/endpoints", Message: "at least one endpoint"})
	}
	for i, ep := range eps {
		em, _ := ep.(map[string]any)
		if n, ok := em["vlan"].(json.Number); !ok || n.String() == "0" {
			fe = append(fe, pack.FieldError{Pointer: fmt.Sprintf("/endpoints/%d/vlan", i), Message: "must be 1-4094"})
		}
	}
	if len(fe) > 0 {
		return &pack.ValidationError{Fields: fe}
	}
	return nil
}

func (f fakePack) Render(ctx context.Context, in pack.RenderInput) (*pack.Rendered, error) {
	m := in.Intent.(map[string]any)
	hi := int64(1009)
	if f.poolHi > 0 {
		hi = f.poolHi
	}
	vc, err := in.Pools.Allocate(ctx, "vc-id", "global", "vc", 1000, hi)
	if err != nil {
		return nil, err
	}
	policy, _ := m["policy"].(string)
	if policy == "" {
		policy = "default"
	}
	out := &pack.Rendered{Config: map[string][]config.Leaf{}}
	for i, ep := range m["endpoints"].([]any) {
		em := ep.(map[string]any)
		dev, port, vlan := em["device"].(string), em["port"].(string), em["vlan"].(json.Number).String()
		d, ok, err := in.Inventory.Device(ctx, dev)
		if err != nil || !ok {
			return nil, &pack.ValidationError{Fields: []pack.FieldError{{Pointer: fmt.Sprintf("/endpoints/%d/device", i), Message: "unknown device " + dev}}}
		}
		tree := map[string]any{
			"interfaces": map[string]any{"interface": []any{map[string]any{
				"name": port, "flexible-vlan-tagging": true,
				"unit": []any{map[string]any{"name": vlan, "vlan-id": vlan, "description": in.ServiceID}},
			}}},
			"policy-options": map[string]any{"policy-statement": []any{map[string]any{"name": policy, "then": "accept"}}},
			"protocols": map[string]any{"l2circuit": map[string]any{"neighbor": []any{map[string]any{
				"name": d.Address, "interface": []any{map[string]any{"name": port + "." + vlan, "virtual-circuit-id": vc}},
			}}}},
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

// Op: fakePack offers no ops.
func (fakePack) Op(ctx context.Context, name string, in pack.RenderInput, endpoint int) (pack.OpCommand, error) {
	return pack.OpCommand{}, fmt.Errorf("fake: op %q: %w", name, pack.ErrUnknownOp)
}

// Endpoints renders the service and returns its endpoints.
func (f fakePack) Endpoints(ctx context.Context, in pack.RenderInput) ([]pack.Endpoint, error) {
	r, err := f.Render(ctx, in)
	if err != nil {
		return nil, err
	}
	return r.Endpoints, nil
}

type fakePacks struct{}

func (fakePacks) Pack(name string) (engine.Pack, bool) {
	if name == "fake" {
		return fakePack{}, true
	}
	return nil, false
}
func (fakePacks) List() []engine.Pack { return []engine.Pack{fakePack{}} }

// bundle is a test setup: a store file, two targets (a Junos-like device and a SAM-like NMS
// with one node) and an engine.
type bundle struct {
	dbPath string
	st     store.Store
	pe1    *memory.Device
	sam1   *memory.Device
	e      *engine.Engine
	packs  engine.Packs // default fakePacks{}
	// reconcile is the engine's ReconcileInterval (default: the engine's).
	reconcile time.Duration
	// wrap, when set, wraps the store the engine is given (fault injection).
	wrap func(store.Store) store.Store
}

func devicesFor() (pe1, sam1 []adapters.Device) {
	pe1 = []adapters.Device{{Name: "pe1", Vendor: "junos", Address: "10.255.1.1", Ports: []adapters.Port{{Name: "ge-0/0/1", AdminUp: true, OperUp: true}, {Name: "ge-0/0/2", AdminUp: true, OperUp: true}}}}
	sam1 = []adapters.Device{{Name: "sr1", Vendor: "sros", NMS: "sam1", Address: "10.255.2.1", Ports: []adapters.Port{{Name: "1/1/1", AdminUp: true, OperUp: true}}}}
	return
}

func setup(t *testing.T) *bundle {
	t.Helper()
	pe1Devs, samDevs := devicesFor()
	b := &bundle{
		dbPath: filepath.Join(t.TempDir(), "xprov.db"),
		pe1:    memory.New(memory.Options{Name: "pe1", Devices: pe1Devs}),
		sam1:   memory.New(memory.Options{Name: "sam1", Direct: true, Devices: samDevs}),
	}
	b.start(t, nil)
	if _, err := b.e.Discover(t.Context()); err != nil {
		t.Fatal(err)
	}
	return b
}

// start opens the store and a new engine on it (a process start).
func (b *bundle) start(t *testing.T, fault func(string) error) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), b.dbPath, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.st = st
	packs := b.packs
	if packs == nil {
		packs = fakePacks{}
	}
	var es store.Store = st
	if b.wrap != nil {
		es = b.wrap(st)
	}
	e, err := engine.New(engine.Options{Store: es, Packs: packs, Targets: []adapters.Target{b.pe1, b.sam1}, Fault: fault,
		ReconcileInterval: b.reconcile, ReconcileMaxBackoff: 4 * b.reconcile, StoreProbeInterval: 20 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	b.e = e
	t.Cleanup(func() { _ = st.Close() })
}

// stop ends the engine as a crash would: runs in flight stop dead, sessions to the devices
// are lost.
func (b *bundle) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.e.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	b.pe1.LoseSessions()
	b.sam1.LoseSessions()
	_ = b.st.Close()
}

func intent(vlan int, policy string, eps ...string) json.RawMessage {
	var list []map[string]any
	for _, ep := range eps {
		dev, port, _ := strings.Cut(ep, ":")
		list = append(list, map[string]any{"device": dev, "port": port, "vlan": vlan})
	}
	raw, _ := json.Marshal(map[string]any{"customer": "acme", "policy": policy, "endpoints": list})
	return raw
}

func (b *bundle) run(t *testing.T, req engine.Request) store.Run {
	t.Helper()
	r, err := b.e.Submit(t.Context(), req)
	if err != nil {
		t.Fatalf("submit %s %s: %v", req.Op, req.ServiceID, err)
	}
	done, err := b.e.Wait(t.Context(), r.ID)
	if err != nil {
		t.Fatalf("wait %s: %v", r.ID, err)
	}
	return done
}

func (b *bundle) mustSucceed(t *testing.T, req engine.Request) store.Run {
	t.Helper()
	r := b.run(t, req)
	if r.State != store.RunSucceeded {
		t.Fatalf("%s %s: run %s, error %q", req.Op, req.ServiceID, r.State, r.Error)
	}
	return r
}

// checkConsistent asserts invariant 1 and 3: every target holds exactly the union of what the
// services in the store own there, no run is left in flight, allocations belong to active
// services only.
func (b *bundle) checkConsistent(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	runs, err := b.st.UnfinishedRuns(ctx)
	if err != nil || len(runs) > 0 {
		t.Fatalf("unfinished runs remain: %v %v", runs, err)
	}
	page, _, err := b.st.ListServices(ctx, store.ServiceFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{"pe1": {}, "sam1": {}}
	for _, s := range page {
		owned, err := b.st.Owned(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		allocs, err := b.st.Allocations(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch s.State {
		case store.StateActive:
		case store.StateFailed:
			if len(owned) > 0 || len(allocs) > 0 {
				t.Errorf("failed service %s owns %d nodes and %d allocations", s.ID, len(owned), len(allocs))
			}
		default:
			t.Errorf("service %s left in state %s", s.ID, s.State)
		}
		for _, o := range owned {
			want[o.Target][o.Path] = o.Value
		}
	}
	for name, dev := range map[string]*memory.Device{"pe1": b.pe1, "sam1": b.sam1} {
		have := map[string]string{}
		for _, l := range dev.Leaves() {
			have[l.Path.String()] = l.Value
		}
		for p, v := range want[name] {
			if hv, ok := have[p]; !ok || hv != v {
				t.Errorf("%s: owned %s=%q, device has %q (present %v)", name, p, v, hv, ok)
			}
		}
		for p := range have {
			if _, ok := want[name][p]; !ok {
				t.Errorf("%s: device holds %s that no service owns", name, p)
			}
		}
	}
}

func TestCreateModifyDeleteTwoTargets(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	r := b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1"), User: "alice"})
	if len(r.Targets) != 2 {
		t.Fatalf("run targets = %+v", r.Targets)
	}
	svc, err := b.st.GetService(ctx, "s1")
	if err != nil || svc.State != store.StateActive || svc.Version != 1 || svc.PackVersion != "1.0.0+test" || svc.Customer != "acme" {
		t.Fatalf("service after create = %+v, %v", svc, err)
	}
	b.checkConsistent(t)
	if b.pe1.Commits() != 1 || b.sam1.Commits() != 1 {
		t.Fatalf("commits pe1=%d sam1=%d, want 1 each", b.pe1.Commits(), b.sam1.Commits())
	}

	// Modify the VLAN: the plan holds only what changes.
	p, err := b.e.Plan(ctx, engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(200, "gold", "pe1:ge-0/0/1", "sr1:1/1/1"), BaseVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range p.Targets {
		var got []string
		for _, c := range tp.ChangeSet.Changes {
			got = append(got, string(c.Op)+" "+c.Path.String())
		}
		if !strings.Contains(strings.Join(got, ","), "delete interfaces/interface[") || !strings.Contains(strings.Join(got, ","), "]/unit[100],") {
			t.Errorf("%s: modify plan %v does not delete unit 100 in one change", tp.Target, got)
		}
		if len(got) != 7 {
			t.Errorf("%s: modify plan has %d changes, want 7 (2 deletes, 5 creates): %v", tp.Target, len(got), got)
		}
		for _, g := range got {
			if strings.Contains(g, "policy-options") || strings.Contains(g, "flexible-vlan-tagging") {
				t.Errorf("%s: modify touches unchanged node: %s", tp.Target, g)
			}
		}
	}
	b.mustSucceed(t, engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(200, "gold", "pe1:ge-0/0/1", "sr1:1/1/1"), BaseVersion: 1})
	b.checkConsistent(t)

	// Stale version refused.
	if _, err := b.e.Submit(ctx, engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(300, "gold", "pe1:ge-0/0/1"), BaseVersion: 1}); !errors.Is(err, engine.ErrStale) {
		t.Fatalf("stale modify: %v, want ErrStale", err)
	}

	b.mustSucceed(t, engine.Request{Op: engine.OpDelete, ServiceID: "s1", BaseVersion: 2})
	if _, err := b.st.GetService(ctx, "s1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted service still there: %v", err)
	}
	if n := len(b.pe1.Leaves()) + len(b.sam1.Leaves()); n != 0 {
		t.Fatalf("delete left %d leaves: %v", n, b.pe1.Leaves())
	}
	if a, _ := b.st.Allocations(ctx, "s1"); len(a) != 0 {
		t.Fatalf("allocations not released: %v", a)
	}
	b.checkConsistent(t)
}

func TestSharedInterfaceAndPolicyAreReferenceCounted(t *testing.T) {
	b := setup(t)
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "a", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "b", Intent: intent(101, "gold", "pe1:ge-0/0/1")})
	b.checkConsistent(t)
	b.mustSucceed(t, engine.Request{Op: engine.OpDelete, ServiceID: "a"})
	b.checkConsistent(t)
	has := func(p string) bool {
		for _, l := range b.pe1.Leaves() {
			if l.Path.String() == p {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"interfaces/interface[ge-0/0/1]/flexible-vlan-tagging", "policy-options/policy-statement[gold]", "interfaces/interface[ge-0/0/1]/unit[101]"} {
		if !has(p) {
			t.Errorf("deleting a removed %s that b still needs", p)
		}
	}
	if has("interfaces/interface[ge-0/0/1]/unit[100]") {
		t.Error("a's unit 100 survived its delete")
	}
	b.mustSucceed(t, engine.Request{Op: engine.OpDelete, ServiceID: "b"})
	if n := len(b.pe1.Leaves()); n != 0 {
		t.Fatalf("after deleting both, pe1 holds %d leaves", n)
	}
}

func TestConflictRefusedAtPlanTime(t *testing.T) {
	b := setup(t)
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "a", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	// b wants the same unit with another description (its own id): a conflict on a's node.
	_, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "b", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	var ce *diff.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a conflict", err)
	}
	if !strings.Contains(err.Error(), "service a") || !strings.Contains(err.Error(), "unit[100]/description") {
		t.Fatalf("conflict does not name the other service and the path: %v", err)
	}
}

func TestValidationListsEveryField(t *testing.T) {
	b := setup(t)
	raw := json.RawMessage(`{"endpoints":[{"device":"pe1","port":"ge-0/0/1","vlan":0},{"device":"sr1","port":"1/1/1","vlan":0}]}`)
	_, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", Intent: raw})
	var ve *pack.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 2 || ve.Fields[1].Pointer != "/endpoints/1/vlan" {
		t.Fatalf("err = %v", err)
	}
	if _, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", Intent: json.RawMessage(`{"endpoints":`)}); !errors.Is(err, engine.ErrBadRequest) {
		t.Fatalf("malformed JSON: %v, want ErrBadRequest", err)
	}
	if _, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "nope", Intent: raw}); !errors.Is(err, engine.ErrUnknownType) {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestPrepareFailureRollsBackEveryTarget(t *testing.T) {
	for _, failing := range []string{"pe1", "sam1"} {
		t.Run(failing, func(t *testing.T) {
			b := setup(t)
			map[string]*memory.Device{"pe1": b.pe1, "sam1": b.sam1}[failing].FailNext("prepare", "commit check failed: vlan-id 100 in use")
			r := b.run(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
			if r.State != store.RunFailed || !strings.Contains(r.Error, failing) || !strings.Contains(r.Error, "vlan-id 100 in use") {
				t.Fatalf("run = %s %q; want failed naming %s with the device message", r.State, r.Error, failing)
			}
			if n := len(b.pe1.Leaves()) + len(b.sam1.Leaves()); n != 0 {
				t.Fatalf("failed create left %d leaves", n)
			}
			s, _ := b.st.GetService(t.Context(), "s1")
			if s.State != store.StateFailed {
				t.Fatalf("service state %s, want failed", s.State)
			}
			b.checkConsistent(t)
			// A retry (create again over the failed service) works.
			b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
			b.checkConsistent(t)
		})
	}
}

func TestPlanAppliedExactlyOrRefused(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	p, err := b.e.Plan(ctx, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.pe1.Leaves()) != 0 {
		t.Fatal("a dry-run touched the device")
	}
	if a, _ := b.st.Allocations(ctx, "s1"); len(a) != 0 {
		t.Fatal("a dry-run allocated")
	}
	r, err := b.e.ApplyPlan(ctx, p.ID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ = b.e.Wait(ctx, r.ID); r.State != store.RunSucceeded || r.PlanID != p.ID {
		t.Fatalf("apply: %+v", r)
	}
	// A plan computed on version 1 is refused once the service moved.
	p2, err := b.e.Plan(ctx, engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(200, "gold", "pe1:ge-0/0/1")})
	if err != nil {
		t.Fatal(err)
	}
	b.mustSucceed(t, engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(300, "gold", "pe1:ge-0/0/1")})
	if _, err := b.e.ApplyPlan(ctx, p2.ID, "bob"); !errors.Is(err, engine.ErrStale) && !errors.Is(err, engine.ErrPlanChanged) {
		t.Fatalf("stale plan applied: %v", err)
	}
	// A plan whose result changed (another service took the pool value) is refused.
	p3, err := b.e.Plan(ctx, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s2", Intent: intent(100, "gold", "pe1:ge-0/0/2")})
	if err != nil {
		t.Fatal(err)
	}
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s3", Intent: intent(150, "gold", "sr1:1/1/1")})
	if _, err := b.e.ApplyPlan(ctx, p3.ID, "bob"); !errors.Is(err, engine.ErrPlanChanged) {
		t.Fatalf("changed plan applied: %v", err)
	}
}

func TestConcurrentCreatesGetDistinctPoolValues(t *testing.T) {
	b := setup(t)
	const n = 10 // the fake pool holds exactly 10 values
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: fmt.Sprintf("s%02d", i), Intent: intent(100+i, "gold", "pe1:ge-0/0/1")})
			if err == nil {
				r, err = b.e.Wait(t.Context(), r.ID)
				if err == nil && r.State != store.RunSucceeded {
					err = errors.New(r.Error)
				}
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("s%02d: %v", i, err)
		}
	}
	seen := map[int64]string{}
	for i := 0; i < n; i++ {
		as, _ := b.st.Allocations(t.Context(), fmt.Sprintf("s%02d", i))
		if len(as) != 1 {
			t.Fatalf("s%02d holds %d allocations", i, len(as))
		}
		if other, dup := seen[as[0].Value]; dup {
			t.Fatalf("value %d given to %s and s%02d", as[0].Value, other, i)
		}
		seen[as[0].Value] = fmt.Sprintf("s%02d", i)
	}
	// The pool is now full: the next create fails naming the pool, leaving nothing behind.
	_, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s99", Intent: intent(999, "gold", "pe1:ge-0/0/2")})
	if err == nil || !strings.Contains(err.Error(), "vc-id") {
		t.Fatalf("create on a full pool: %v", err)
	}
	b.checkConsistent(t)
}

func TestPreexistingConfigIsNeverRemoved(t *testing.T) {
	b := setup(t)
	p := func(s string) config.Path { q, _ := config.ParsePath(s); return q }
	// The box already had the interface and its tagging before xprov.
	b.pe1.Seed(config.Leaf{Path: p("interfaces")}, config.Leaf{Path: p("interfaces/interface[ge-0/0/1]")}, config.Leaf{Path: p("interfaces/interface[ge-0/0/1]/flexible-vlan-tagging")})
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "a", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	b.mustSucceed(t, engine.Request{Op: engine.OpDelete, ServiceID: "a"})
	var got []string
	for _, l := range b.pe1.Leaves() {
		got = append(got, l.Path.String())
	}
	sort.Strings(got)
	want := []string{"interfaces", "interfaces/interface[ge-0/0/1]", "interfaces/interface[ge-0/0/1]/flexible-vlan-tagging"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("after delete pe1 holds %v, want the pre-existing %v", got, want)
	}
}

func TestAuditFindsDriftAndRedeployRepairs(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "a", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	res, err := b.e.Audit(ctx, "a")
	if err != nil || !res.InSync {
		t.Fatalf("fresh audit: %+v %v", res, err)
	}
	p, _ := config.ParsePath("interfaces/interface[ge-0/0/1]/unit[100]")
	b.pe1.Remove(p)
	b.pe1.Seed(config.Leaf{Path: mustParse(t, "policy-options/policy-statement[gold]/then"), Value: "reject"})
	res, err = b.e.Audit(ctx, "a")
	if err != nil || res.InSync || len(res.Drift) != 1 || len(res.Drift[0].Missing) == 0 || len(res.Drift[0].Changed) != 1 {
		t.Fatalf("audit after drift: %+v %v", res, err)
	}
	b.mustSucceed(t, engine.Request{Op: engine.OpRedeploy, ServiceID: "a"})
	if res, _ = b.e.Audit(ctx, "a"); !res.InSync {
		t.Fatalf("after redeploy: %+v", res)
	}
	b.checkConsistent(t)
}

func mustParse(t *testing.T, s string) config.Path {
	t.Helper()
	p, err := config.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunsOnOneServiceAreSerialized(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	// Several modifies submitted at once (no base version): each runs on the result of the
	// previous one, none is lost, and the device ends in the state of the last recorded run.
	const n = 5
	runs := make([]store.Run, n)
	for i := range n {
		r, err := b.e.Submit(ctx, engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(101+i, "gold", "pe1:ge-0/0/1")})
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = r
	}
	for _, r := range runs {
		got, err := b.e.Wait(ctx, r.ID)
		if err != nil || got.State != store.RunSucceeded {
			t.Fatalf("run %s: %s %q %v", r.ID, got.State, got.Error, err)
		}
	}
	s, err := b.st.GetService(ctx, "s1")
	if err != nil || s.Version != 1+n {
		t.Fatalf("service version %d after %d serialized modifies, want %d (%v)", s.Version, n, 1+n, err)
	}
	b.checkConsistent(t)
}

// testLogger logs to stderr when XPROV_TEST_LOG is set (debugging), and nowhere otherwise.
func testLogger() *slog.Logger {
	if os.Getenv("XPROV_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}
