package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
)

// stepRecorder is a fault hook that records every step and kills the run at one of them.
type stepRecorder struct {
	mu     sync.Mutex
	steps  []string
	killAt int // 1-based; 0 never kills
}

func (r *stepRecorder) hook(step string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, step)
	if r.killAt > 0 && len(r.steps) == r.killAt {
		return fmt.Errorf("killed at %s", step)
	}
	return nil
}

// TestCrashAtEveryStep kills a run at every journaled step, restarts the engine on the same
// store and devices, recovers, and checks that every service ended fully applied or fully
// rolled back on every device, with pools and owned config consistent.
func TestCrashAtEveryStep(t *testing.T) {
	type scenario struct {
		name  string
		setup func(t *testing.T, b *bundle)
		req   engine.Request
	}
	scenarios := []scenario{
		{name: "create", req: engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")}},
		{name: "modify", setup: func(t *testing.T, b *bundle) {
			b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
		}, req: engine.Request{Op: engine.OpModify, ServiceID: "s1", Intent: intent(200, "silver", "pe1:ge-0/0/2", "sr1:1/1/1")}},
		{name: "delete-shared", setup: func(t *testing.T, b *bundle) {
			b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s0", Intent: intent(300, "gold", "pe1:ge-0/0/1")})
			b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1")})
		}, req: engine.Request{Op: engine.OpDelete, ServiceID: "s1"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			// A clean run counts the steps.
			counter := &stepRecorder{}
			{
				b := setup(t)
				if sc.setup != nil {
					sc.setup(t, b)
				}
				b.stop(t)
				b.start(t, counter.hook)
				b.mustSucceed(t, sc.req)
			}
			n := len(counter.steps)
			if n < 8 {
				t.Fatalf("only %d steps journaled: %v", n, counter.steps)
			}
			for k := 1; k <= n; k++ {
				t.Run(counter.steps[k-1], func(t *testing.T) {
					b := setup(t)
					if sc.setup != nil {
						sc.setup(t, b)
					}
					before := snapshot(t, b)
					b.stop(t)
					rec := &stepRecorder{killAt: k}
					b.start(t, rec.hook)
					r, err := b.e.Submit(t.Context(), sc.req)
					if err != nil {
						t.Fatal(err)
					}
					// The run dies at step k: the process "crashes" (sessions lost, store closed).
					waitDead(t, b, r.ID)
					b.stop(t)
					b.start(t, nil)
					if err := b.e.Recover(t.Context()); err != nil {
						t.Fatalf("recover: %v", err)
					}
					if err := b.e.Idle(t.Context()); err != nil {
						t.Fatal(err)
					}
					got, err := b.st.GetRun(t.Context(), r.ID)
					if err != nil || !engine.Finished(got.State) {
						t.Fatalf("run after recovery: %+v %v", got, err)
					}
					b.checkConsistent(t)
					after := snapshot(t, b)
					switch got.State {
					case store.RunSucceeded:
						// Rolled forward: the result is what a clean run gives.
						if sc.req.Op == engine.OpDelete {
							if _, ok := after.services["s1"]; ok {
								t.Fatal("delete rolled forward but s1 remains")
							}
						} else if after.services["s1"] != store.StateActive || after.versions["s1"] != before.versions["s1"]+1 {
							t.Fatalf("rolled forward but s1 is %s v%d", after.services["s1"], after.versions["s1"])
						}
					case store.RunRolledBack:
						if sc.req.Op == engine.OpCreate {
							if st := after.services["s1"]; st != "" && st != store.StateFailed {
								t.Fatalf("create rolled back but s1 is %s", st)
							}
						} else {
							if after.versions["s1"] != before.versions["s1"] || after.services["s1"] != store.StateActive {
								t.Fatalf("rolled back but s1 is %s v%d (was v%d)", after.services["s1"], after.versions["s1"], before.versions["s1"])
							}
							if after.leaves != before.leaves {
								t.Fatalf("rolled back but devices differ:\nbefore %s\nafter  %s", before.leaves, after.leaves)
							}
						}
					default:
						t.Fatalf("run ended %s", got.State)
					}
				})
			}
		})
	}
}

type snap struct {
	services map[string]string
	versions map[string]int64
	leaves   string
}

func snapshot(t *testing.T, b *bundle) snap {
	t.Helper()
	s := snap{services: map[string]string{}, versions: map[string]int64{}}
	page, _, err := b.st.ListServices(t.Context(), store.ServiceFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, sv := range page {
		s.services[sv.ID], s.versions[sv.ID] = sv.State, sv.Version
	}
	s.leaves = fmt.Sprint(b.pe1.Leaves(), b.sam1.Leaves())
	return s
}

// waitDead waits until the killed run's goroutine has stopped (Shutdown waits for it).
func waitDead(t *testing.T, b *bundle, runID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := b.e.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
}
