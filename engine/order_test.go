package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/memory"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
)

// gate is a fault hook that holds a run at one step until released, so a test can force an
// interleaving: something else happens while the run is exactly there.
type gate struct {
	step    string
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

func newGate(step string) *gate {
	return &gate{step: step, reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) hook(step string) error {
	if step == g.step {
		fired := false
		g.once.Do(func() { fired = true })
		if fired {
			close(g.reached)
			<-g.release
		}
	}
	return nil
}

func (g *gate) wait(t *testing.T) {
	t.Helper()
	select {
	case <-g.reached:
	case <-time.After(10 * time.Second):
		t.Fatalf("no run reached %s", g.step)
	}
}

// submitAll submits reqs concurrently and waits for every run; it returns the runs' final
// states by service id (admission errors as "refused: ...").
func submitAll(t *testing.T, e *engine.Engine, reqs []engine.Request) map[string]string {
	t.Helper()
	var mu sync.Mutex
	out := map[string]string{}
	var wg sync.WaitGroup
	for _, req := range reqs {
		wg.Add(1)
		go func(req engine.Request) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			state := ""
			r, err := e.Submit(ctx, req)
			if err == nil {
				r, err = e.Wait(ctx, r.ID)
				state = r.State
				if r.Error != "" {
					state += ": " + r.Error
				}
			}
			if err != nil {
				state = "refused: " + err.Error()
			}
			mu.Lock()
			out[req.ServiceID] = state
			mu.Unlock()
		}(req)
	}
	wg.Wait()
	return out
}

// TestConcurrentCreatesBetweenTwoTargetsNeverDeadlock is the case that deadlocked when every
// run locked its targets in its own order: 30 creates between the same two targets, submitted
// at once, with pool-allocated values. All finish, in few commits (batched), with distinct
// values, and the devices hold exactly what the services own.
func TestConcurrentCreatesBetweenTwoTargetsNeverDeadlock(t *testing.T) {
	b := setupPool(t, 2000)
	var reqs []engine.Request
	for i := 0; i < 30; i++ {
		// Alternate the endpoint order, as two operators would enter them.
		eps := []string{"pe1:ge-0/0/1", "sr1:1/1/1"}
		if i%2 == 1 {
			eps[0], eps[1] = eps[1], eps[0]
		}
		reqs = append(reqs, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: fmt.Sprintf("c%02d", i), Intent: intent(100+i, "gold", eps...)})
	}
	got := submitAll(t, b.e, reqs)
	for id, st := range got {
		if st != store.RunSucceeded {
			t.Errorf("%s: %s", id, st)
		}
	}
	if c := b.pe1.Commits(); c >= 30 {
		t.Errorf("pe1 took %d commits for 30 creates: nothing was batched", c)
	}
	b.checkConsistent(t)
	b.checkPoolsUnique(t)
}

// TestSharedInterfaceDeleteAndCreateInterleaved deletes A while B, which shares A's interface
// and policy, is planned: B is planned in order after A's delete, so the shared nodes A's delete
// removes are created again by B (or kept), never lost.
func TestSharedInterfaceDeleteAndCreateInterleaved(t *testing.T) {
	g := newGate("prepare:pe1:begin")
	b := setupPool(t, 2000)
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "a", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	b.restart(t, g.hook)
	del, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpDelete, ServiceID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	g.wait(t) // A's delete is about to change pe1
	cr, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "b", Intent: intent(200, "gold", "pe1:ge-0/0/1")})
	if err != nil {
		t.Fatal(err)
	}
	close(g.release)
	for _, id := range []string{del.ID, cr.ID} {
		if r, err := b.e.Wait(t.Context(), id); err != nil || r.State != store.RunSucceeded {
			t.Fatalf("run %s: %+v %v", id, r, err)
		}
	}
	if a, err := b.e.Audit(t.Context(), "b"); err != nil || !a.InSync {
		t.Fatalf("b after the interleaving: %+v %v", a, err)
	}
	b.checkConsistent(t)
}

// TestPlanWhileAnotherRequestIsInFlight computes a dry-run while another request's change is
// on the device but not recorded: the in-flight config must not be taken for pre-existing
// config, and the plan, applied after, leaves nothing orphaned.
func TestPlanWhileAnotherRequestIsInFlight(t *testing.T) {
	g := newGate("commit:pe1:begin")
	b := setupPool(t, 2000)
	b.restart(t, g.hook)
	a, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "a", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	if err != nil {
		t.Fatal(err)
	}
	g.wait(t) // A is prepared on pe1 (its change is there), not committed, not recorded
	// B, created meanwhile through the path, is ordered after A: it sees A as an owner.
	bRun, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "b", Intent: intent(200, "gold", "pe1:ge-0/0/1")})
	if err != nil {
		t.Fatal(err)
	}
	close(g.release)
	for _, id := range []string{a.ID, bRun.ID} {
		if r, err := b.e.Wait(t.Context(), id); err != nil || r.State != store.RunSucceeded {
			t.Fatalf("run %s: %+v %v", id, r, err)
		}
	}
	ext, err := b.st.Owned(t.Context(), store.ExternalOwner)
	if err != nil {
		t.Fatal(err)
	}
	if len(ext) != 0 {
		t.Fatalf("config of a request in flight was recorded as pre-existing: %v", ext)
	}
	// Deleting both leaves the device empty: nothing was adopted or orphaned.
	b.mustSucceed(t, engine.Request{Op: engine.OpDelete, ServiceID: "a"})
	b.mustSucceed(t, engine.Request{Op: engine.OpDelete, ServiceID: "b"})
	if l := b.pe1.Leaves(); len(l) != 0 {
		t.Fatalf("pe1 keeps %d leaves after both deletes: %v", len(l), l)
	}
	b.checkConsistent(t)
}

// TestModifyPlanOverOutOfBandChangeIsRefused previews a modify, then someone changes a value
// the plan touches behind xprov's back: applying the plan is refused naming device and path,
// and the out-of-band value stays.
func TestModifyPlanOverOutOfBandChangeIsRefused(t *testing.T) {
	b := setupPool(t, 2000)
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1")})
	// A plan over an unchanged device applies.
	p0, err := b.e.Plan(t.Context(), engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(100, "bronze", "pe1:ge-0/0/1")})
	if err != nil {
		t.Fatal(err)
	}
	r0, err := b.e.ApplyPlan(t.Context(), p0.ID, "bob")
	if err != nil {
		t.Fatalf("apply over an unchanged device: %v", err)
	}
	if r0, err = b.e.Wait(t.Context(), r0.ID); err != nil || r0.State != store.RunSucceeded {
		t.Fatalf("apply over an unchanged device: %+v %v", r0, err)
	}
	p, err := b.e.Plan(t.Context(), engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(100, "silver", "pe1:ge-0/0/1")})
	if err != nil {
		t.Fatal(err)
	}
	// The plan moves the policy; an operator edits the unit's description by hand meanwhile.
	var touched string
	for _, tp := range p.Targets {
		for _, x := range tp.Expect {
			if x.Present && tp.Target == "pe1" {
				touched = x.Path
			}
		}
	}
	if touched == "" {
		t.Fatalf("plan keeps no device values: %+v", p.Targets)
	}
	path, err := config.ParsePath(touched)
	if err != nil {
		t.Fatal(err)
	}
	b.pe1.Seed(config.Leaf{Path: path, Value: "set by hand"})
	_, err = b.e.ApplyPlan(t.Context(), p.ID, "bob")
	var pc *engine.PlanChangedError
	if !errors.As(err, &pc) || !errors.Is(err, engine.ErrPlanChanged) || pc.Target != "pe1" || pc.Path != touched {
		t.Fatalf("apply over an out-of-band change: %v", err)
	}
	for _, l := range b.pe1.Leaves() {
		if l.Path.String() == touched && l.Value != "set by hand" {
			t.Fatalf("the out-of-band value was overwritten: %q", l.Value)
		}
	}
}

// TestRandomLoadOnSharedTargets runs creates, modifies and deletes from 16 clients on
// overlapping ports of the two targets, then checks the devices against the store.
func TestRandomLoadOnSharedTargets(t *testing.T) {
	b := setupPool(t, 5000)
	ports := []string{"pe1:ge-0/0/1", "pe1:ge-0/0/2", "sr1:1/1/1"}
	policies := []string{"gold", "silver"}
	var wg sync.WaitGroup
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			for k := 0; k < 6; k++ {
				id := fmt.Sprintf("r%02d-%d", c, k%3)
				vlan := 100 + c*10 + k
				eps := []string{ports[(c+k)%3], ports[(c+k+1)%3]}
				var req engine.Request
				switch {
				case k < 3:
					req = engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: id, Intent: intent(vlan, policies[k%2], eps...)}
				case k == 3 || k == 4:
					req = engine.Request{Op: engine.OpModify, ServiceID: id, Intent: intent(vlan+500, policies[(k+1)%2], eps...)}
				default:
					req = engine.Request{Op: engine.OpDelete, ServiceID: id}
				}
				r, err := b.e.Submit(ctx, req)
				if err != nil {
					t.Errorf("%s %s refused: %v", req.Op, id, err)
					continue
				}
				if r, err = b.e.Wait(ctx, r.ID); err != nil || r.State != store.RunSucceeded {
					t.Errorf("%s %s: %s %s %v", req.Op, id, r.State, r.Error, err)
				}
			}
		}(c)
	}
	wg.Wait()
	if err := b.e.Idle(t.Context()); err != nil {
		t.Fatal(err)
	}
	page, _, err := b.st.ListServices(t.Context(), store.ServiceFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range page {
		if a, err := b.e.Audit(t.Context(), s.ID); err != nil || !a.InSync {
			t.Errorf("%s: audit %+v %v", s.ID, a, err)
		}
	}
	b.checkConsistent(t)
	b.checkPoolsUnique(t)
}

// setupPool is setup with a fake pack whose pool holds hi-999 values.
func setupPool(t *testing.T, hi int64) *bundle {
	t.Helper()
	b := setup(t)
	b.packs = poolPacks{hi: hi}
	b.restart(t, nil)
	return b
}

// restart starts a new engine on the same store with another fault hook (no crash: the old
// engine is shut down cleanly).
func (b *bundle) restart(t *testing.T, fault func(string) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	_ = b.st.Close()
	b.start(t, fault)
}

// checkPoolsUnique asserts that no pool value is held twice and every allocation has a service.
func (b *bundle) checkPoolsUnique(t *testing.T) {
	t.Helper()
	page, _, err := b.st.ListServices(t.Context(), store.ServiceFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, s := range page {
		as, err := b.st.Allocations(t.Context(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			k := fmt.Sprintf("%s/%s=%d", a.Pool, a.Scope, a.Value)
			if other, ok := seen[k]; ok {
				t.Errorf("%s held by %s and %s", k, other, s.ID)
			}
			seen[k] = s.ID
		}
	}
	usage, err := b.st.PoolUsage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var used int64
	for _, u := range usage {
		used += u.Used
	}
	if used != int64(len(seen)) {
		t.Errorf("pools count %d values in use, services hold %d", used, len(seen))
	}
}

type poolPacks struct{ hi int64 }

func (p poolPacks) Pack(name string) (engine.Pack, bool) {
	if name == "fake" {
		return fakePack{poolHi: p.hi}, true
	}
	return nil, false
}
func (p poolPacks) List() []engine.Pack { return []engine.Pack{fakePack{poolHi: p.hi}} }

// flaky wraps a target whose undo fails because it stops answering: a rollback leaves the
// prepared change on the device and the target is unreachable until up is called.
type flaky struct {
	*memory.Device
	down atomic.Bool
}

func (f *flaky) Begin(ctx context.Context) (adapters.Tx, error) {
	if f.down.Load() {
		return nil, &adapters.Error{Target: f.Name(), Op: "begin", Msg: "connection refused", Err: adapters.ErrUnreachable}
	}
	tx, err := f.Device.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &flakyTx{Tx: tx, f: f}, nil
}

func (f *flaky) Fetch(ctx context.Context, paths []config.Path) ([]config.Leaf, error) {
	if f.down.Load() {
		return nil, &adapters.Error{Target: f.Name(), Op: "fetch", Msg: "connection refused", Err: adapters.ErrUnreachable}
	}
	return f.Device.Fetch(ctx, paths)
}

type flakyTx struct {
	adapters.Tx
	f *flaky
}

func (t *flakyTx) Rollback(ctx context.Context) error {
	_ = t.Tx.Commit(ctx) // what was applied stays: the undo never reached the device
	t.f.down.Store(true)
	return &adapters.Error{Target: t.f.Name(), Op: "rollback", Msg: "connection lost", Err: adapters.ErrUnreachable}
}

// TestFailedUndoLeavesNothingUnowned makes a create fail on pe1 while the SAM, already
// changed, stops answering before the undo: what is left on the SAM stays owned by the failed
// service with its allocations, marked for cleanup; once the SAM answers again the reconciler
// removes it and the service ends failed, owning nothing.
func TestFailedUndoLeavesNothingUnowned(t *testing.T) {
	b := setup(t)
	b.reconcile = 20 * time.Millisecond
	b.restart(t, nil)
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
	sam := &flaky{Device: b.sam1}
	b.e.AddTarget(sam)
	b.pe1.FailNext("prepare", "pe1 refuses the change")
	r := b.run(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s2", Intent: intent(200, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
	if r.State != store.RunFailed || !strings.Contains(r.Error, "left for cleanup") {
		t.Fatalf("run: %s %q", r.State, r.Error)
	}
	s2, err := b.st.GetService(t.Context(), "s2")
	if err != nil || s2.State != store.StateFailedCleanup {
		t.Fatalf("s2: %+v %v", s2, err)
	}
	owned, _ := b.st.Owned(t.Context(), "s2")
	allocs, _ := b.st.Allocations(t.Context(), "s2")
	if len(owned) == 0 || len(allocs) == 0 {
		t.Fatalf("s2 left config but owns %d nodes and %d allocations", len(owned), len(allocs))
	}
	// Every node on the SAM is owned by someone while it is down.
	own := map[string]bool{}
	for _, id := range []string{"s1", "s2"} {
		os, _ := b.st.Owned(t.Context(), id)
		for _, o := range os {
			if o.Target == "sam1" {
				own[o.Path] = true
			}
		}
	}
	for _, l := range b.sam1.Leaves() {
		if !own[l.Path.String()] {
			t.Errorf("sam1 holds %s, owned by nobody", l.Path)
		}
	}
	// The SAM answers again: the reconciler cleans up.
	sam.down.Store(false)
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := b.st.GetService(t.Context(), "s2")
		if err == nil && s.State == store.StateFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("s2 not cleaned up: %+v %v", s, err)
		}
		select {
		case <-b.e.Changed():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := b.e.Idle(t.Context()); err != nil {
		t.Fatal(err)
	}
	b.checkConsistent(t)
	b.checkPoolsUnique(t)
}

// fullDisk is a store whose writes fail while full is set, as SQLite's do on a full disk.
type fullDisk struct {
	store.Store
	full atomic.Bool
}

var errDiskFull = errors.New("database or disk is full (13)")

func (f *fullDisk) check() error {
	if f.full.Load() {
		return errDiskFull
	}
	return nil
}
func (f *fullDisk) AppendJournal(ctx context.Context, es ...store.JournalEntry) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.AppendJournal(ctx, es...)
}
func (f *fullDisk) Record(ctx context.Context, p store.RecordParams) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.Record(ctx, p)
}
func (f *fullDisk) RecordBatch(ctx context.Context, ps []store.RecordParams) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.RecordBatch(ctx, ps)
}
func (f *fullDisk) Reserve(ctx context.Context, p store.ReserveParams) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.Reserve(ctx, p)
}
func (f *fullDisk) UpdateRun(ctx context.Context, r store.Run) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.UpdateRun(ctx, r)
}
func (f *fullDisk) UpdateRuns(ctx context.Context, rs []store.Run, evs []store.Event) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.UpdateRuns(ctx, rs, evs)
}
func (f *fullDisk) CreateRun(ctx context.Context, r store.Run) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.CreateRun(ctx, r)
}
func (f *fullDisk) AppendEvent(ctx context.Context, e store.Event) (int64, error) {
	if err := f.check(); err != nil {
		return 0, err
	}
	return f.Store.AppendEvent(ctx, e)
}
func (f *fullDisk) PutServiceState(ctx context.Context, s store.Service) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.PutServiceState(ctx, s)
}
func (f *fullDisk) ReleaseRun(ctx context.Context, id string) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.ReleaseRun(ctx, id)
}

// TestStoreFullAtTheCommitPoint fills the disk exactly when the commit decision is journaled:
// every device is rolled back and unlocked at once, the engine turns unready and refuses
// writes with ErrStoreUnavailable, and once the store writes again the run is finished from
// its journal and everything is consistent.
func TestStoreFullAtTheCommitPoint(t *testing.T) {
	b := setup(t)
	var disk *fullDisk
	b.wrap = func(s store.Store) store.Store { disk = &fullDisk{Store: s}; return disk }
	var once sync.Once
	b.restart(t, func(step string) error {
		if step == "decide:done" {
			once.Do(func() { disk.full.Store(true) })
		}
		return nil
	})
	r, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.e.Ready() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the engine never noticed the full store")
		}
		select {
		case <-b.e.Changed():
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := b.e.Idle(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The devices are released: a transaction can begin on each at once.
	for _, d := range []*memory.Device{b.pe1, b.sam1} {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		tx, err := d.Begin(ctx)
		cancel()
		if err != nil {
			t.Fatalf("%s still locked after the store failed: %v", d.Name(), err)
		}
		_ = tx.Rollback(t.Context())
	}
	if n := len(b.pe1.Leaves()) + len(b.sam1.Leaves()); n != 0 {
		t.Fatalf("devices keep %d leaves of a run that could not reach its commit point", n)
	}
	if err := b.e.Ready(); !errors.Is(err, engine.ErrStoreUnavailable) {
		t.Fatalf("engine ready with a full store: %v", err)
	}
	if _, err := b.e.Submit(t.Context(), engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s2", Intent: intent(200, "gold", "pe1:ge-0/0/2")}); !errors.Is(err, engine.ErrStoreUnavailable) {
		t.Fatalf("submit with a full store: %v", err)
	}
	disk.full.Store(false)
	got, err := b.e.Wait(t.Context(), r.ID)
	if err != nil || !engine.Finished(got.State) || got.State == store.RunSucceeded {
		t.Fatalf("run after the store came back: %+v %v", got, err)
	}
	if err := b.e.Ready(); err != nil {
		t.Fatalf("not ready after the store came back: %v", err)
	}
	if err := b.e.Idle(t.Context()); err != nil {
		t.Fatal(err)
	}
	b.checkConsistent(t)
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s2", Intent: intent(200, "gold", "pe1:ge-0/0/2")})
}
