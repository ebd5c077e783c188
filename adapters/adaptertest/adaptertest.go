// Package adaptertest is the conformance suite every adapters.Target implementation passes:
// the in-memory fake, Junos over NETCONF against its simulator, and SAM against its simulator.
package adaptertest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
)

// Harness is what an implementation hands the suite.
type Harness struct {
	// Target is a fresh target holding none of Sample's paths.
	Target adapters.Target
	// Sample is a valid configuration for one service on the target (what a pack would render),
	// including its list entries. Its paths must not exist on the target yet.
	Sample []config.Leaf
	// Update changes one or more leaves of Sample to new valid values (same paths).
	Update []config.Leaf
	// Invalid is a configuration the target rejects at Prepare (commit check or SAM fault).
	Invalid []config.Leaf
	// Roots are the top-most paths of Sample: fetching them returns Sample.
	Roots []config.Path
	// Device is a device name known to the target, for Discover and Op.
	Device string
	// OpCommand is an operational command the target answers for Device.
	OpCommand string
}

// Run runs the suite. setup returns a new harness for each subtest; cleanup goes through t.Cleanup.
func Run(t *testing.T, setup func(t *testing.T) Harness) {
	t.Run("CreateCommitFetch", func(t *testing.T) {
		h := setup(t)
		apply(t, h.Target, create(h.Target.Name(), h.Sample))
		got := fetch(t, h.Target, h.Roots)
		mustContain(t, got, h.Sample)
	})
	t.Run("PrepareRollbackLeavesNothing", func(t *testing.T) {
		h := setup(t)
		ctx := ctxT(t)
		tx, err := h.Target.Begin(ctx)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		if err := tx.Prepare(ctx, create(h.Target.Name(), h.Sample), adapters.PrepareOptions{Comment: "conformance"}); err != nil {
			t.Fatalf("prepare: %v", err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatalf("rollback: %v", err)
		}
		if got := fetch(t, h.Target, h.Roots); len(got) != 0 {
			t.Fatalf("after rollback the target still holds %d leaves, first %s", len(got), got[0].Path)
		}
	})
	t.Run("InvalidRejectedAndNothingLeft", func(t *testing.T) {
		h := setup(t)
		ctx := ctxT(t)
		before := fetch(t, h.Target, nil)
		tx, err := h.Target.Begin(ctx)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		err = tx.Prepare(ctx, create(h.Target.Name(), h.Invalid), adapters.PrepareOptions{})
		if err == nil {
			_ = tx.Rollback(ctx)
			t.Fatal("prepare of invalid config succeeded")
		}
		if !errors.Is(err, adapters.ErrRejected) {
			t.Errorf("error %v is not ErrRejected", err)
		}
		var ae *adapters.Error
		if !errors.As(err, &ae) || ae.Target != h.Target.Name() || ae.Msg == "" {
			t.Errorf("error %#v does not name the target and carry the device message", err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatalf("rollback after rejected prepare: %v", err)
		}
		after := fetch(t, h.Target, nil)
		if len(after) != len(before) {
			t.Fatalf("rejected prepare changed the target: %d leaves before, %d after", len(before), len(after))
		}
	})
	t.Run("UpdateThenDelete", func(t *testing.T) {
		h := setup(t)
		apply(t, h.Target, create(h.Target.Name(), h.Sample))
		if len(h.Update) > 0 {
			cs := config.ChangeSet{Target: h.Target.Name()}
			for _, l := range h.Update {
				cs.Changes = append(cs.Changes, config.Change{Op: config.Update, Path: l.Path, Value: l.Value, Old: valueOf(h.Sample, l.Path)})
			}
			apply(t, h.Target, cs)
			mustContain(t, fetch(t, h.Target, h.Roots), h.Update)
		}
		cs := config.ChangeSet{Target: h.Target.Name()}
		for _, r := range h.Roots {
			cs.Changes = append(cs.Changes, config.Change{Op: config.Delete, Path: r})
		}
		apply(t, h.Target, cs)
		if got := fetch(t, h.Target, h.Roots); len(got) != 0 {
			t.Fatalf("after delete the target still holds %s", got[0].Path)
		}
	})
	t.Run("InverseUndoes", func(t *testing.T) {
		h := setup(t)
		cs := create(h.Target.Name(), h.Sample)
		apply(t, h.Target, cs)
		apply(t, h.Target, cs.Inverse())
		if got := fetch(t, h.Target, h.Roots); len(got) != 0 {
			t.Fatalf("inverse left %s", got[0].Path)
		}
	})
	t.Run("TransactionsSerialize", func(t *testing.T) {
		h := setup(t)
		ctx := ctxT(t)
		tx1, err := h.Target.Begin(ctx)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		var wg sync.WaitGroup
		began := make(chan error, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx2, err := h.Target.Begin(ctx)
			if err == nil {
				err = tx2.Rollback(ctx)
			}
			began <- err
		}()
		select {
		case err := <-began:
			t.Fatalf("second Begin returned (%v) while the first transaction was open", err)
		case <-time.After(50 * time.Millisecond):
		}
		if err := tx1.Rollback(ctx); err != nil {
			t.Fatalf("rollback: %v", err)
		}
		wg.Wait()
		if err := <-began; err != nil {
			t.Fatalf("second transaction: %v", err)
		}
	})
	t.Run("BeginHonoursContext", func(t *testing.T) {
		h := setup(t)
		ctx := ctxT(t)
		tx1, err := h.Target.Begin(ctx)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		defer tx1.Rollback(ctx)
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		if _, err := h.Target.Begin(short); err == nil {
			t.Fatal("Begin while locked returned without error after its context ended")
		}
	})
	t.Run("RenderDiscoverOp", func(t *testing.T) {
		h := setup(t)
		ctx := ctxT(t)
		r, err := h.Target.Render(create(h.Target.Name(), h.Sample))
		if err != nil || r.Text == "" || r.Format == "" {
			t.Fatalf("render: %+v, %v", r, err)
		}
		devs, err := h.Target.Discover(ctx)
		if err != nil {
			t.Fatalf("discover: %v", err)
		}
		found := false
		for _, d := range devs {
			if d.Name == h.Device {
				found = true
				if d.Vendor == "" || d.Address == "" || len(d.Ports) == 0 {
					t.Errorf("device %s discovered without vendor, address or ports: %+v", d.Name, d)
				}
			}
		}
		if !found {
			t.Fatalf("discover did not return %s", h.Device)
		}
		if h.OpCommand != "" {
			res, err := h.Target.Op(ctx, h.Device, h.OpCommand)
			if err != nil || res.Text == "" {
				t.Fatalf("op %q: %+v, %v", h.OpCommand, res, err)
			}
		}
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func create(target string, leaves []config.Leaf) config.ChangeSet {
	cs := config.ChangeSet{Target: target}
	for _, l := range leaves {
		cs.Changes = append(cs.Changes, config.Change{Op: config.Create, Path: l.Path, Value: l.Value})
	}
	config.SortChanges(cs.Changes)
	return cs
}

func apply(t *testing.T, tg adapters.Target, cs config.ChangeSet) {
	t.Helper()
	ctx := ctxT(t)
	tx, err := tg.Begin(ctx)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	if err := tx.Prepare(ctx, cs, adapters.PrepareOptions{Comment: "conformance"}); err != nil {
		_ = tx.Rollback(ctx)
		t.Fatalf("prepare: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func fetch(t *testing.T, tg adapters.Target, roots []config.Path) []config.Leaf {
	t.Helper()
	if roots == nil {
		roots = []config.Path{nil}
	}
	got, err := tg.Fetch(ctxT(t), roots)
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	return got
}

func valueOf(ls []config.Leaf, p config.Path) string {
	for _, l := range ls {
		if config.Compare(l.Path, p) == 0 {
			return l.Value
		}
	}
	return ""
}

func mustContain(t *testing.T, got, want []config.Leaf) {
	t.Helper()
	have := map[string]string{}
	for _, l := range got {
		have[l.Path.String()] = l.Value
	}
	for _, l := range want {
		v, ok := have[l.Path.String()]
		if !ok {
			t.Errorf("target lacks %s", l.Path)
			continue
		}
		if v != l.Value {
			t.Errorf("%s = %q, want %q", l.Path, v, l.Value)
		}
	}
}
