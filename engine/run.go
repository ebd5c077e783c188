package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/diff"
	"github.com/xprov/xprov/engine/store"
)

// Submit validates req and starts a run for it; the run executes in the background (use Wait).
// Errors found before the run starts (bad intent, unknown type or service, stale version,
// conflicts) are returned directly and leave nothing behind.
func (e *Engine) Submit(ctx context.Context, req Request) (store.Run, error) {
	return e.submit(ctx, req, "", "")
}

// ApplyPlan applies a saved plan exactly as previewed: the plan is recomputed and refused with
// ErrPlanChanged when the network or the service moved since.
func (e *Engine) ApplyPlan(ctx context.Context, planID, user string) (store.Run, error) {
	p, err := e.GetPlan(ctx, planID)
	if err != nil {
		return store.Run{}, fmt.Errorf("engine: plan %s: %w", planID, err)
	}
	req := p.Request
	if req.BaseVersion == 0 {
		req.BaseVersion = p.BaseVersion
	}
	if user != "" {
		req.User = user
	}
	return e.submit(ctx, req, p.Hash, planID)
}

func (e *Engine) submit(ctx context.Context, req Request, wantHash, planID string) (store.Run, error) {
	e.mu.Lock()
	closing := e.closing
	e.mu.Unlock()
	if closing {
		return store.Run{}, ErrShutdown
	}
	// Check up front, so the caller gets validation errors and conflicts synchronously.
	c, err := e.compute(ctx, req, "", true, nil)
	if err != nil {
		return store.Run{}, err
	}
	if wantHash != "" && c.plan.Hash != wantHash {
		return store.Run{}, fmt.Errorf("engine: plan %s: %w", planID, ErrPlanChanged)
	}
	req = c.req // carries the generated service id; BaseVersion 0 stays "no check"
	rawReq, _ := json.Marshal(req)
	now := time.Now().UTC()
	kind := string(req.Op)
	run := store.Run{ID: newID("run-"), Service: req.ServiceID, Kind: kind, State: store.RunPending, User: req.User,
		PlanID: planID, Request: rawReq, Created: now, Updated: now}
	if err := e.st.CreateRun(ctx, run); err != nil {
		return store.Run{}, fmt.Errorf("engine: create run: %w", err)
	}
	e.emit(ctx, "run.pending", run.Service, run.ID, map[string]any{"kind": kind})
	runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.o.RunTimeout)
	e.mu.Lock()
	e.cancels[run.ID] = cancel
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer func() {
			cancel()
			e.mu.Lock()
			delete(e.cancels, run.ID)
			e.mu.Unlock()
		}()
		e.sem <- struct{}{}
		defer func() { <-e.sem }()
		e.execute(runCtx, run, req, wantHash)
	}()
	return run, nil
}

// step journals one step phase and gives the fault hook its chance to kill the run.
func (e *Engine) step(ctx context.Context, runID, name, phase string, data any) error {
	var raw json.RawMessage
	if data != nil {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			return fmt.Errorf("engine: journal %s: %w", name, err)
		}
	}
	if e.o.Fault != nil {
		if err := e.o.Fault(name + ":" + phase); err != nil {
			return errCrash
		}
	}
	// The step is also an event for people following the run (its data stays in the journal).
	now := time.Now().UTC()
	evData, _ := json.Marshal(map[string]string{"step": name, "phase": phase})
	ev := &store.Event{Type: "run.step", RunID: runID, Data: evData, At: now}
	if err := e.st.AppendJournal(context.WithoutCancel(ctx), store.JournalEntry{RunID: runID, Step: name, Phase: phase, Data: raw, At: now, Event: ev}); err != nil {
		return fmt.Errorf("engine: journal %s: %w", name, err)
	}
	e.notify()
	return nil
}

// execute runs one request end to end. A simulated crash returns at once, leaving everything
// as a dead process would.
func (e *Engine) execute(ctx context.Context, run store.Run, req Request, wantHash string) {
	bg := context.WithoutCancel(ctx)
	unlock, err := e.lockService(ctx, req.ServiceID)
	if err != nil {
		e.finish(bg, &run, store.RunCancelled, fmt.Errorf("waiting for another run on %s: %w", req.ServiceID, err), nil)
		return
	}
	defer unlock()
	run.State = store.RunRunning
	if err := e.st.UpdateRun(bg, run); err != nil {
		e.log.Error("update run", "run", run.ID, "err", err)
	}
	e.emit(bg, "run.running", run.Service, run.ID, nil)

	// Mark the service busy before anything else (a placeholder row for a new one, which
	// allocations hang off), keeping its version.
	base, err := e.st.GetService(bg, req.ServiceID)
	existed := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.finish(bg, &run, store.RunFailed, fmt.Errorf("engine: load service %s: %w", req.ServiceID, err), nil)
		return
	}
	prior := base.State
	busy := base
	if !existed {
		now := time.Now().UTC()
		busy = store.Service{ID: req.ServiceID, Type: req.Type, Intent: req.Intent, Created: now, Updated: now}
	}
	busy.State = map[Op]string{OpCreate: store.StateCreating, OpModify: store.StateModifying, OpDelete: store.StateDeleting, OpRedeploy: store.StateModifying}[req.Op]
	busy.LastRun = run.ID
	if err := e.st.PutServiceState(bg, busy); err != nil {
		e.finish(bg, &run, store.RunFailed, fmt.Errorf("engine: mark service %s: %w", req.ServiceID, err), nil)
		return
	}

	if err := e.step(ctx, run.ID, "compute", "begin", nil); err != nil {
		return
	}
	c, err := e.compute(ctx, req, run.ID, false, nil)
	if err == nil && wantHash != "" && c.plan.Hash != wantHash {
		err = fmt.Errorf("engine: %w", ErrPlanChanged)
	}
	if err != nil {
		_ = e.st.ReleaseRun(bg, run.ID)
		_ = e.step(bg, run.ID, "compute", "failed", map[string]string{"error": err.Error()})
		e.restoreState(bg, req.ServiceID, base, existed, prior, run.ID)
		e.finish(bg, &run, store.RunFailed, err, nil)
		return
	}
	// The placeholder row is not the service the run started from.
	c.exists, c.base = existed, base
	c.next.Created = busy.Created
	jp := journalPlan{Service: c.next, Exists: existed, BaseVer: base.Version, Old: c.old, Want: c.want, External: c.extern,
		Release: c.release, Hash: c.plan.Hash, Delete: req.Op == OpDelete, Prior: prior}
	if err := e.step(ctx, run.ID, "compute", "done", jp); err != nil {
		return
	}

	results, err := e.transact(ctx, run, c.plan.Targets, req)
	if errors.Is(err, errCrash) {
		return
	}
	run.Targets = results
	if err != nil {
		_ = e.st.ReleaseRun(bg, run.ID)
		e.restoreState(bg, req.ServiceID, c.base, c.exists, prior, run.ID)
		e.finish(bg, &run, store.RunFailed, err, nil)
		return
	}
	if err := e.step(ctx, run.ID, "record", "begin", nil); err != nil {
		return
	}
	if err := e.record(bg, &run, jp); err != nil {
		e.log.Error("record", "run", run.ID, "err", err)
		e.finish(bg, &run, store.RunFailed, err, nil)
		return
	}
	_ = e.step(ctx, run.ID, "record", "done", nil)
}

// transact applies the plan's change sets as one transaction: prepare everywhere, then commit
// everywhere; any failure rolls every target back.
func (e *Engine) transact(ctx context.Context, run store.Run, tps []TargetPlan, req Request) ([]store.TargetResult, error) {
	bg := context.WithoutCancel(ctx)
	results := make([]store.TargetResult, len(tps))
	type open struct {
		tx adapters.Tx
		i  int
	}
	var active []TargetPlan
	for i, tp := range tps {
		results[i] = store.TargetResult{Target: tp.Target, State: "unchanged", Changes: len(tp.ChangeSet.Changes)}
		if !tp.ChangeSet.Empty() {
			results[i].State = "pending"
			active = append(active, tp)
		}
	}
	if len(active) == 0 {
		return results, nil
	}
	index := map[string]int{}
	for i, tp := range tps {
		index[tp.Target] = i
	}
	opts := adapters.PrepareOptions{Comment: fmt.Sprintf("xprov run %s (%s %s by %s)", run.ID, req.Op, req.ServiceID, userOr(req.User)),
		ConfirmTimeoutSeconds: e.o.ConfirmTimeoutSeconds}

	var mu sync.Mutex
	var opened []open
	var firstErr error
	var crashed bool
	var wg sync.WaitGroup
	for _, tp := range active {
		wg.Add(1)
		go func(tp TargetPlan) {
			defer wg.Done()
			i := index[tp.Target]
			fail := func(err error) {
				mu.Lock()
				results[i].State, results[i].Error = "failed", err.Error()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
			if err := e.step(ctx, run.ID, "prepare:"+tp.Target, "begin", nil); err != nil {
				mu.Lock()
				crashed = crashed || errors.Is(err, errCrash)
				mu.Unlock()
				fail(err)
				return
			}
			tg, ok := e.Target(tp.Target)
			if !ok {
				fail(&adapters.Error{Target: tp.Target, Op: "prepare", Msg: "no adapter configured for this target", Err: ErrUnknownTarget})
				return
			}
			tx, err := tg.Begin(ctx)
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			opened = append(opened, open{tx, i})
			mu.Unlock()
			if err := tx.Prepare(ctx, tp.ChangeSet, opts); err != nil {
				fail(err)
				return
			}
			mu.Lock()
			results[i].State = "prepared"
			mu.Unlock()
			if err := e.step(ctx, run.ID, "prepare:"+tp.Target, "done", nil); err != nil {
				mu.Lock()
				crashed = crashed || errors.Is(err, errCrash)
				mu.Unlock()
				fail(err)
			}
		}(tp)
	}
	wg.Wait()
	if crashed {
		return results, errCrash
	}
	if firstErr == nil && ctx.Err() != nil {
		firstErr = fmt.Errorf("engine: run stopped before commit: %w", ctx.Err())
	}
	if firstErr != nil {
		for _, o := range opened {
			if err := o.tx.Rollback(bg); err != nil {
				results[o.i].State, results[o.i].Error = "rollback-failed", err.Error()
				e.log.Error("rollback", "run", run.ID, "target", tps[o.i].Target, "err", err)
			} else if results[o.i].State == "prepared" {
				results[o.i].State = "rolled-back"
			}
		}
		return results, firstErr
	}
	// The commit point: from here on the run finishes, also after a crash.
	if err := e.step(ctx, run.ID, "decide", "done", nil); err != nil {
		return results, err
	}
	var commitErr error
	for _, o := range opened {
		if err := e.step(bg, run.ID, "commit:"+tps[o.i].Target, "begin", nil); err != nil {
			return results, err
		}
		if err := o.tx.Commit(bg); err != nil {
			results[o.i].State, results[o.i].Error = "failed", err.Error()
			if commitErr == nil {
				commitErr = err
			}
			continue
		}
		results[o.i].State = "committed"
		if err := e.step(bg, run.ID, "commit:"+tps[o.i].Target, "done", nil); err != nil {
			return results, err
		}
	}
	if commitErr != nil {
		// A confirming commit failed after others succeeded. Unconfirmed targets revert by
		// themselves; converge every target back to what the service owned before.
		e.log.Error("commit failed after the commit point; compensating", "run", run.ID, "err", commitErr)
		for _, o := range opened {
			_ = o.tx.Rollback(bg)
		}
		if err := e.revert(bg, run.ID); err != nil {
			return results, fmt.Errorf("%w; compensation also failed: %v", commitErr, err)
		}
		for i := range results {
			if results[i].State == "committed" {
				results[i].State = "rolled-back"
			}
		}
		return results, commitErr
	}
	return results, nil
}

func userOr(u string) string {
	if u == "" {
		return "system"
	}
	return u
}

// recordParams turns a journaled plan into the store write that ends its run.
func (e *Engine) recordParams(run *store.Run, jp journalPlan) store.RecordParams {
	owned := map[string][]store.OwnedLeaf{}
	for t := range jp.Old {
		owned[t] = nil
	}
	for t, ls := range jp.Want {
		rows := make([]store.OwnedLeaf, len(ls))
		for i, l := range ls {
			rows[i] = store.OwnedLeaf{Target: t, Path: l.Path.String(), Value: l.Value}
		}
		owned[t] = rows
	}
	ext := map[string][]store.OwnedLeaf{}
	for t, ls := range jp.External {
		for _, l := range ls {
			ext[t] = append(ext[t], store.OwnedLeaf{Target: t, Path: l.Path.String(), Value: l.Value})
		}
	}
	svc := jp.Service
	svc.LastRun = run.ID
	svc.State = store.StateActive
	now := time.Now().UTC()
	run.State, run.Updated, run.Finished = store.RunSucceeded, now, &now
	ev := &store.Event{Type: "run.succeeded", Service: svc.ID, RunID: run.ID, At: now}
	return store.RecordParams{Service: svc, BaseVersion: jp.BaseVer, Delete: jp.Delete, Owned: owned,
		External: ext, Release: jp.Release, Run: *run, Event: ev}
}

// record writes the outcome of a successful run in one store transaction.
func (e *Engine) record(ctx context.Context, run *store.Run, jp journalPlan) error {
	if err := e.st.Record(ctx, e.recordParams(run, jp)); err != nil {
		return fmt.Errorf("engine: record %s: %w", jp.Service.ID, err)
	}
	e.notify()
	return nil
}

// restoreState puts a service back to how it was before a failed run.
func (e *Engine) restoreState(ctx context.Context, id string, base store.Service, existed bool, prior, runID string) {
	s := base
	if !existed {
		// A create that never reached its commit point leaves a failed service (kept so the
		// operator sees the error and can retry or delete it).
		got, err := e.st.GetService(ctx, id)
		if err != nil {
			return
		}
		s = got
		s.State = store.StateFailed
	} else {
		s.State = prior
		if s.State == "" || s.State == store.StateCreating || s.State == store.StateModifying || s.State == store.StateDeleting {
			s.State = store.StateActive
		}
	}
	s.LastRun = runID
	if err := e.st.PutServiceState(ctx, s); err != nil {
		e.log.Error("restore service state", "service", s.ID, "err", err)
	}
}

func (e *Engine) finish(ctx context.Context, run *store.Run, state string, err error, results []store.TargetResult) {
	now := time.Now().UTC()
	run.State, run.Updated, run.Finished = state, now, &now
	if err != nil {
		run.Error = err.Error()
	}
	if results != nil {
		run.Targets = results
	}
	if uerr := e.st.UpdateRun(ctx, *run); uerr != nil {
		e.log.Error("update run", "run", run.ID, "err", uerr)
	}
	e.emit(ctx, "run."+state, run.Service, run.ID, map[string]any{"error": run.Error})
}

// revert converges every target a run touched back to what the service owned before it.
func (e *Engine) revert(ctx context.Context, runID string) error {
	jp, _, err := e.journalPlan(ctx, runID)
	if err != nil || jp == nil {
		return err
	}
	return e.converge(ctx, runID, jp, jp.Old)
}

// converge makes each target hold goal for the paths the service owned or wanted in jp,
// reading the target first (recovery does not know how far a run got).
func (e *Engine) converge(ctx context.Context, runID string, jp *journalPlan, goal map[string][]config.Leaf) error {
	targets := map[string]bool{}
	for t := range jp.Old {
		targets[t] = true
	}
	for t := range jp.Want {
		targets[t] = true
	}
	names := make([]string, 0, len(targets))
	for t := range targets {
		names = append(names, t)
	}
	sort.Strings(names)
	var errs []error
	for _, t := range names {
		actual, err := e.fetchActual(ctx, t, jp.Old[t], jp.Want[t])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		extra := map[string][]diff.Owner{}
		for _, l := range jp.External[t] {
			extra[l.Path.String()] = append(extra[l.Path.String()], diff.Owner{Service: diff.External, Value: l.Value})
		}
		cs, _, err := e.diffTargetNoFetch(ctx, t, jp.Service.ID, actual, goal[t], extra)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if cs.Empty() {
			continue
		}
		if err := e.applyOne(ctx, t, cs, fmt.Sprintf("xprov recovery of run %s", runID)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) diffTargetNoFetch(ctx context.Context, t, service string, old, want []config.Leaf, extra map[string][]diff.Owner) (config.ChangeSet, []config.Leaf, error) {
	return e.diffTargetOpts(ctx, t, service, old, want, extra, false)
}

// applyOne applies one change set to one target as its own transaction.
func (e *Engine) applyOne(ctx context.Context, t string, cs config.ChangeSet, comment string) error {
	tg, ok := e.Target(t)
	if !ok {
		return fmt.Errorf("engine: %s: %w", t, ErrUnknownTarget)
	}
	tx, err := tg.Begin(ctx)
	if err != nil {
		return err
	}
	if err := tx.Prepare(ctx, cs, adapters.PrepareOptions{Comment: comment, ConfirmTimeoutSeconds: e.o.ConfirmTimeoutSeconds}); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

// journalPlan reads a run's computed plan from its journal and whether it passed its commit
// point.
func (e *Engine) journalPlan(ctx context.Context, runID string) (*journalPlan, bool, error) {
	entries, err := e.st.Journal(ctx, runID)
	if err != nil {
		return nil, false, fmt.Errorf("engine: journal of %s: %w", runID, err)
	}
	var jp *journalPlan
	decided := false
	for _, en := range entries {
		switch {
		case en.Step == "compute" && en.Phase == "done":
			jp = &journalPlan{}
			if err := json.Unmarshal(en.Data, jp); err != nil {
				return nil, false, fmt.Errorf("engine: journal of %s: decode plan: %w", runID, err)
			}
		case en.Step == "decide" && en.Phase == "done":
			decided = true
		}
	}
	return jp, decided, nil
}

// Recover finishes or reverts every run a previous process left in flight: runs past their
// commit point are rolled forward (every target converged to the new state, then recorded),
// the others rolled back (every target converged to the old state, allocations released).
func (e *Engine) Recover(ctx context.Context) error {
	runs, err := e.st.UnfinishedRuns(ctx)
	if err != nil {
		return fmt.Errorf("engine: recover: %w", err)
	}
	var errs []error
	for _, r := range runs {
		if err := e.recoverRun(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("run %s: %w", r.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) recoverRun(ctx context.Context, run store.Run) error {
	if run.Kind == "bulk" {
		return e.recoverBulk(ctx, run)
	}
	jp, decided, err := e.journalPlan(ctx, run.ID)
	if err != nil {
		return err
	}
	if jp == nil {
		// Nothing reached a device.
		_ = e.st.ReleaseRun(ctx, run.ID)
		e.restoreAfterCrash(ctx, run.Service)
		e.finish(ctx, &run, store.RunRolledBack, errors.New("interrupted before planning; nothing was changed"), nil)
		return nil
	}
	if decided {
		if err := e.converge(ctx, run.ID, jp, jp.Want); err != nil {
			return fmt.Errorf("roll forward: %w", err)
		}
		_ = e.step(ctx, run.ID, "recover", "done", map[string]string{"outcome": "rolled forward"})
		return e.record(ctx, &run, *jp)
	}
	if err := e.converge(ctx, run.ID, jp, jp.Old); err != nil {
		return fmt.Errorf("roll back: %w", err)
	}
	_ = e.st.ReleaseRun(ctx, run.ID)
	e.rollBackState(ctx, run.ID, *jp)
	_ = e.step(ctx, run.ID, "recover", "done", map[string]string{"outcome": "rolled back"})
	e.finish(ctx, &run, store.RunRolledBack, errors.New("interrupted before its commit point; rolled back"), nil)
	return nil
}

// rollBackState restores a service's row after its run was rolled back.
func (e *Engine) rollBackState(ctx context.Context, runID string, jp journalPlan) {
	e.restoreState(ctx, jp.Service.ID, store.Service{ID: jp.Service.ID}, jp.Exists, jp.Prior, runID)
	if jp.Exists {
		e.restorePrior(ctx, jp)
	}
}

// recoverBulk finishes or reverts a bulk run: every service of it the same way.
func (e *Engine) recoverBulk(ctx context.Context, run store.Run) error {
	entries, err := e.st.Journal(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("engine: journal of %s: %w", run.ID, err)
	}
	var bj *bulkJournal
	decided := false
	for _, en := range entries {
		switch {
		case en.Step == "compute-bulk" && en.Phase == "done":
			bj = &bulkJournal{}
			if err := json.Unmarshal(en.Data, bj); err != nil {
				return fmt.Errorf("engine: journal of %s: %w", run.ID, err)
			}
		case en.Step == "decide" && en.Phase == "done":
			decided = true
		}
	}
	if bj == nil {
		// Reserve may or may not have happened: give back what the run took, and put the
		// services it may have marked back.
		_ = e.st.ReleaseRun(ctx, run.ID)
		e.finish(ctx, &run, store.RunRolledBack, errors.New("interrupted before planning; nothing was changed"), nil)
		return nil
	}
	var errs []error
	for i := range bj.Plans {
		goal := bj.Plans[i].Old
		if decided {
			goal = bj.Plans[i].Want
		}
		if err := e.converge(ctx, run.ID, &bj.Plans[i], goal); err != nil {
			errs = append(errs, fmt.Errorf("service %s: %w", bj.Plans[i].Service.ID, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if decided {
		_ = e.step(ctx, run.ID, "recover", "done", map[string]string{"outcome": "rolled forward"})
		return e.recordBulk(ctx, run, *bj, run.Targets)
	}
	_ = e.st.ReleaseRun(ctx, run.ID)
	for _, jp := range bj.Plans {
		e.rollBackState(ctx, run.ID, jp)
	}
	_ = e.step(ctx, run.ID, "recover", "done", map[string]string{"outcome": "rolled back"})
	e.finish(ctx, &run, store.RunRolledBack, errors.New("interrupted before its commit point; rolled back"), nil)
	return nil
}

// restoreAfterCrash fixes the service row of a run that crashed before planning.
func (e *Engine) restoreAfterCrash(ctx context.Context, id string) {
	s, err := e.st.GetService(ctx, id)
	if err != nil {
		return
	}
	switch s.State {
	case store.StateCreating:
		if s.Version == 0 {
			s.State = store.StateFailed
		} else {
			s.State = store.StateActive
		}
	case store.StateModifying, store.StateDeleting:
		s.State = store.StateActive
	default:
		return
	}
	_ = e.st.PutServiceState(ctx, s)
}
