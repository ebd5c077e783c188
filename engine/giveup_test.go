package engine_test

import (
	"fmt"
	"testing"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
)

// Deletes and modifies share batches with other requests. These tests put requests that give
// up shared nodes (the port's interface settings, a routing policy) in one batch: the last
// owner of a shared node must remove it, a create after a delete of the last owner must
// re-create it, and recovery of such a batch at every step must leave the devices holding
// exactly what the services own.

func createShared(t *testing.T, b *bundle, ids ...string) {
	t.Helper()
	var reqs []engine.Request
	for i, id := range ids {
		reqs = append(reqs, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: id, Intent: intent(100+i, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
	}
	if res, err := b.e.Bulk(t.Context(), reqs, "u"); err != nil || res.State != store.RunSucceeded {
		t.Fatalf("create %v: %+v %v", ids, res, err)
	}
}

func TestBatchedDeletesRemoveSharedNodes(t *testing.T) {
	b := setup(t)
	createShared(t, b, "a", "b", "c", "d", "e", "f")
	pe1, sam1 := b.pe1.Commits(), b.sam1.Commits()

	// Delete four of six in one bulk: the shared nodes stay (two owners left), one commit.
	var dels []engine.Request
	for _, id := range []string{"a", "b", "c", "d"} {
		dels = append(dels, engine.Request{Op: engine.OpDelete, ServiceID: id})
	}
	if res, err := b.e.Bulk(t.Context(), dels, "u"); err != nil || res.State != store.RunSucceeded {
		t.Fatalf("bulk delete: %+v %v", res, err)
	}
	b.checkConsistent(t)
	if got := b.pe1.Commits() - pe1; got != 1 {
		t.Errorf("deleting four services sharing a port took %d commits on pe1, want 1", got)
	}

	// Delete the last two together: the last owner removes the shared nodes. Removing the
	// port's settings meets the first delete's unit, so that request runs in a second round.
	pe1 = b.pe1.Commits()
	dels = []engine.Request{{Op: engine.OpDelete, ServiceID: "e"}, {Op: engine.OpDelete, ServiceID: "f"}}
	if res, err := b.e.Bulk(t.Context(), dels, "u"); err != nil || res.State != store.RunSucceeded {
		t.Fatalf("bulk delete of the last owners: %+v %v", res, err)
	}
	b.checkConsistent(t)
	if n := len(b.pe1.Leaves()) + len(b.sam1.Leaves()); n != 0 {
		t.Fatalf("devices hold %d nodes after every service was deleted: %v %v", n, b.pe1.Leaves(), b.sam1.Leaves())
	}
	if got := b.pe1.Commits() - pe1; got < 1 || got > 2 {
		t.Errorf("deleting the last two owners took %d commits on pe1, want 1 or 2", got)
	}
	_ = sam1
}

func TestBatchedDeleteThenCreateOnSharedPort(t *testing.T) {
	b := setup(t)
	createShared(t, b, "old")
	// One bulk: the delete of the port's last owner, then a create on the same port with the
	// same policy. The create must find the shared nodes gone and put them back.
	reqs := []engine.Request{
		{Op: engine.OpDelete, ServiceID: "old"},
		{Op: engine.OpCreate, Type: "fake", ServiceID: "new", Intent: intent(300, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")},
		{Op: engine.OpCreate, Type: "fake", ServiceID: "other", Intent: intent(301, "silver", "pe1:ge-0/0/2")},
	}
	res, err := b.e.Bulk(t.Context(), reqs, "u")
	if err != nil || res.State != store.RunSucceeded {
		t.Fatalf("bulk: %+v %v", res, err)
	}
	b.checkConsistent(t)
	if _, err := b.st.GetService(t.Context(), "old"); err == nil {
		t.Fatal("deleted service still recorded")
	}
	for _, id := range []string{"new", "other"} {
		if s, err := b.st.GetService(t.Context(), id); err != nil || s.State != store.StateActive {
			t.Fatalf("%s: %+v %v", id, s, err)
		}
	}
}

func TestBatchedModifiesAndDeletes(t *testing.T) {
	b := setup(t)
	createShared(t, b, "m0", "m1", "m2", "m3")
	// Modify two (move them to another policy: the old policy loses owners), delete one.
	reqs := []engine.Request{
		{Op: engine.OpModify, ServiceID: "m0", Intent: intent(100, "silver", "pe1:ge-0/0/1", "sr1:1/1/1"), BaseVersion: 1},
		{Op: engine.OpDelete, ServiceID: "m1"},
		{Op: engine.OpModify, ServiceID: "m2", Intent: intent(102, "silver", "pe1:ge-0/0/1", "sr1:1/1/1"), BaseVersion: 1},
	}
	if res, err := b.e.Bulk(t.Context(), reqs, "u"); err != nil || res.State != store.RunSucceeded {
		t.Fatalf("bulk: %+v %v", res, err)
	}
	b.checkConsistent(t)
	// The last holder of "gold" moves too: the policy goes.
	b.mustSucceed(t, engine.Request{Op: engine.OpModify, ServiceID: "m3", Intent: intent(103, "silver", "pe1:ge-0/0/1", "sr1:1/1/1"), BaseVersion: 1})
	b.checkConsistent(t)
	for _, l := range b.pe1.Leaves() {
		if l.Path.String() == "policy-options/policy-statement[gold]" {
			t.Fatal("policy gold left on pe1 after its last holder moved away")
		}
	}
}

// TestBatchedDeleteCrashAtEveryStep kills a bulk delete of every owner of the shared nodes at
// each journaled step, restarts and recovers: the devices end holding exactly what the store
// says, and the services of the bulk end the same way.
func TestBatchedDeleteCrashAtEveryStep(t *testing.T) {
	ids := []string{"d0", "d1", "d2"}
	dels := func() []engine.Request {
		var r []engine.Request
		for _, id := range ids {
			r = append(r, engine.Request{Op: engine.OpDelete, ServiceID: id})
		}
		return r
	}
	counter := &stepRecorder{}
	{
		b := setup(t)
		createShared(t, b, ids...)
		b.stop(t)
		b.start(t, counter.hook)
		if res, err := b.e.Bulk(t.Context(), dels(), "u"); err != nil || res.State != store.RunSucceeded {
			t.Fatalf("clean bulk delete: %+v %v", res, err)
		}
	}
	if len(counter.steps) == 0 {
		t.Fatal("no steps recorded")
	}
	for k := 1; k <= len(counter.steps); k++ {
		t.Run(fmt.Sprintf("%02d-%s", k, counter.steps[k-1]), func(t *testing.T) {
			b := setup(t)
			createShared(t, b, ids...)
			b.stop(t)
			rec := &stepRecorder{killAt: k}
			b.start(t, rec.hook)
			_, _ = b.e.Bulk(t.Context(), dels(), "u")
			b.stop(t)
			b.start(t, nil)
			if err := b.e.Recover(t.Context()); err != nil {
				t.Fatalf("recover: %v", err)
			}
			if err := b.e.Idle(t.Context()); err != nil {
				t.Fatal(err)
			}
			b.checkConsistent(t)
		})
	}
}
