package engine

import (
	"context"
	"errors"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// The reconciler converges services a failed undo left for cleanup (StateCleanup,
// StateFailedCleanup) once their targets answer: a service that existed before is re-deployed
// from its recorded intent (which removes what the failed change left), a create that never
// succeeded is deleted and then kept as failed. Each attempt is an ordinary request in the
// per-target order; failures back off per service, doubling up to ReconcileMaxBackoff.

// wakeReconciler makes the reconciler look now rather than at its next tick.
func (e *Engine) wakeReconciler() {
	select {
	case e.reconcileNow <- struct{}{}:
	default:
	}
}

type retry struct {
	next time.Time
	wait time.Duration
	busy bool // an attempt is queued or running
}

func (e *Engine) reconcile() {
	t := time.NewTicker(e.o.ReconcileInterval)
	defer t.Stop()
	retries := map[string]*retry{}
	results := make(chan reconcileResult, 16)
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		case <-e.reconcileNow:
		case r := <-results:
			rt := retries[r.service]
			if rt == nil {
				continue
			}
			rt.busy = false
			if r.err == nil {
				delete(retries, r.service)
				continue
			}
			rt.next = time.Now().Add(rt.wait)
			rt.wait *= 2
			if rt.wait > e.o.ReconcileMaxBackoff {
				rt.wait = e.o.ReconcileMaxBackoff
			}
			e.log.Warn("cleanup attempt failed; retrying later", "service", r.service, "err", r.err, "retry_at", rt.next)
			continue
		}
		if e.checkOpen() != nil {
			continue
		}
		for _, state := range []string{store.StateCleanup, store.StateFailedCleanup} {
			after := ""
			for {
				page, next, err := e.st.ListServices(context.Background(), store.ServiceFilter{State: state, After: after, Limit: 500})
				if err != nil {
					e.log.Error("reconciler: list services", "err", err)
					break
				}
				for _, s := range page {
					rt := retries[s.ID]
					if rt == nil {
						rt = &retry{wait: e.o.ReconcileInterval}
						retries[s.ID] = rt
					}
					if rt.busy || time.Now().Before(rt.next) {
						continue
					}
					rt.busy = true
					go e.cleanup(s, results)
				}
				if next == "" {
					break
				}
				after = next
			}
		}
	}
}

type reconcileResult struct {
	service string
	err     error
}

// cleanup makes one attempt at converging a service left for cleanup.
func (e *Engine) cleanup(s store.Service, out chan<- reconcileResult) {
	ctx := context.Background()
	req := Request{Op: OpRedeploy, ServiceID: s.ID, BaseVersion: s.Version, User: "reconciler"}
	if s.State == store.StateFailedCleanup {
		req.Op = OpDelete
	}
	err := func() error {
		j, err := e.admit(ctx, req, nil)
		if err != nil {
			return err
		}
		runID := j.run.ID
		e.enqueue([]*job{j})
		r, err := e.Wait(ctx, runID)
		if err != nil {
			return err
		}
		if r.State != store.RunSucceeded {
			return errors.New(r.Error)
		}
		if req.Op == OpDelete {
			// Keep the failed create visible, owning nothing, as any failed create is.
			now := time.Now().UTC()
			failed := store.Service{ID: s.ID, Type: s.Type, Customer: s.Customer, Intent: s.Intent, PackVersion: s.PackVersion,
				State: store.StateFailed, LastRun: j.run.ID, Created: s.Created, Updated: now}
			if err := e.st.PutServiceState(ctx, failed); err != nil {
				e.log.Error("reconciler: keep failed create", "service", s.ID, "err", err)
			}
		}
		e.emit(ctx, "service.cleaned", s.ID, j.run.ID, nil)
		return nil
	}()
	select {
	case out <- reconcileResult{service: s.ID, err: err}:
	case <-e.stop:
	}
}
