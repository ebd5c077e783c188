package engine_test

import (
	"fmt"
	"testing"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
)

func TestBulkOneCommitPerTarget(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	var reqs []engine.Request
	for i := 0; i < 8; i++ {
		reqs = append(reqs, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: fmt.Sprintf("b%02d", i), Intent: intent(100+i, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
	}
	// One request that cannot be planned is reported and left out.
	reqs = append(reqs, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "bad", Intent: intent(0, "gold", "pe1:ge-0/0/1")})
	res, err := b.e.Bulk(ctx, reqs, "bulk-user")
	if err != nil {
		t.Fatal(err)
	}
	if res.State != store.RunSucceeded {
		t.Fatalf("bulk %s: %s", res.State, res.Error)
	}
	if res.Items[8].Error == "" || res.Items[0].Error != "" || res.Items[0].Changes == 0 {
		t.Fatalf("items: %+v", res.Items)
	}
	if b.pe1.Commits() != 1 || b.sam1.Commits() != 1 {
		t.Fatalf("commits pe1=%d sam1=%d, want one each for the whole bulk", b.pe1.Commits(), b.sam1.Commits())
	}
	seen := map[int64]bool{}
	for i := 0; i < 8; i++ {
		as, _ := b.st.Allocations(ctx, fmt.Sprintf("b%02d", i))
		if len(as) != 1 || seen[as[0].Value] {
			t.Fatalf("b%02d allocations %v (seen %v)", i, as, seen)
		}
		seen[as[0].Value] = true
		s, err := b.st.GetService(ctx, fmt.Sprintf("b%02d", i))
		if err != nil || s.State != store.StateActive || s.Version != 1 {
			t.Fatalf("b%02d: %+v %v", i, s, err)
		}
	}
	b.checkConsistent(t)

	// Bulk delete half of them, then a device failure rolls a whole bulk back.
	var dels []engine.Request
	for i := 0; i < 4; i++ {
		dels = append(dels, engine.Request{Op: engine.OpDelete, ServiceID: fmt.Sprintf("b%02d", i)})
	}
	if res, err := b.e.Bulk(ctx, dels, "bulk-user"); err != nil || res.State != store.RunSucceeded {
		t.Fatalf("bulk delete: %+v %v", res, err)
	}
	b.checkConsistent(t)
	// A target failing the batch's transaction rolls the whole batch back; its requests are
	// then retried one by one (still in their places), so a passing failure fails nobody.
	b.sam1.FailNext("prepare", "SAM busy")
	var mods []engine.Request
	for i := 8; i < 10; i++ {
		mods = append(mods, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: fmt.Sprintf("b%02d", i), Intent: intent(200+i, "silver", "pe1:ge-0/0/2", "sr1:1/1/1")})
	}
	commits := b.pe1.Commits()
	res, err = b.e.Bulk(ctx, mods, "bulk-user")
	if err != nil || res.State != store.RunSucceeded {
		t.Fatalf("bulk after a passing failure: %+v %v", res, err)
	}
	if got := b.pe1.Commits() - commits; got != 2 {
		t.Fatalf("pe1 took %d commits, want 2 (the failed batch committed nothing, then one per request)", got)
	}
	for i := 8; i < 10; i++ {
		if s, _ := b.st.GetService(ctx, fmt.Sprintf("b%02d", i)); s.Version != 1 || s.State != store.StateActive {
			t.Fatalf("b%02d after the retried bulk: %+v", i, s)
		}
	}
	b.checkConsistent(t)
}

func TestBulkCrashAtEveryStep(t *testing.T) {
	reqs := func() []engine.Request {
		var r []engine.Request
		for i := 0; i < 3; i++ {
			r = append(r, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: fmt.Sprintf("b%d", i), Intent: intent(100+i, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
		}
		return r
	}
	counter := &stepRecorder{}
	{
		b := setup(t)
		b.stop(t)
		b.start(t, counter.hook)
		if res, err := b.e.Bulk(t.Context(), reqs(), "u"); err != nil || res.State != store.RunSucceeded {
			t.Fatalf("clean bulk: %+v %v", res, err)
		}
	}
	for k := 1; k <= len(counter.steps); k++ {
		t.Run(counter.steps[k-1], func(t *testing.T) {
			b := setup(t)
			b.stop(t)
			rec := &stepRecorder{killAt: k}
			b.start(t, rec.hook)
			_, _ = b.e.Bulk(t.Context(), reqs(), "u")
			b.stop(t)
			b.start(t, nil)
			if err := b.e.Recover(t.Context()); err != nil {
				t.Fatalf("recover: %v", err)
			}
			if err := b.e.Idle(t.Context()); err != nil {
				t.Fatal(err)
			}
			b.checkConsistent(t)
			// All three services ended the same way.
			states := map[string]bool{}
			for i := 0; i < 3; i++ {
				s, err := b.st.GetService(t.Context(), fmt.Sprintf("b%d", i))
				if err != nil {
					states["absent"] = true
					continue
				}
				states[s.State] = true
			}
			if len(states) != 1 {
				t.Fatalf("services of one bulk ended differently: %v", states)
			}
		})
	}
}
