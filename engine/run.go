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
	"github.com/xprov/xprov/engine/queue"
	"github.com/xprov/xprov/engine/store"
)

// Submit validates req and queues a run for it in the per-target order; the run executes in
// the background (use Wait). Errors found at admission (bad intent, unknown type or service,
// stale version, conflicts with what is recorded) are returned directly and leave nothing
// behind.
func (e *Engine) Submit(ctx context.Context, req Request) (store.Run, error) {
	j, err := e.admit(ctx, req, nil)
	if err != nil {
		return store.Run{}, err
	}
	run := j.run // the batch owns j once it is in the order
	e.enqueue([]*job{j})
	return run, nil
}

// ApplyPlan applies a saved plan exactly as previewed. It is refused with ErrPlanChanged when
// a recomputation in order gives another plan, or when a device no longer holds the values the
// plan saw at the paths it changes (a *PlanChangedError names the device and path).
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
	j, err := e.admit(ctx, req, p)
	if err != nil {
		return store.Run{}, err
	}
	run := j.run // the batch owns j once it is in the order
	e.enqueue([]*job{j})
	return run, nil
}

// admit checks a request before it takes its place in the order: it is computed against what
// is recorded now (no device is read), so bad input and conflicts come back synchronously. The
// targets it computes are the keys it declares in the per-target order.
func (e *Engine) admit(ctx context.Context, req Request, p *Plan) (j *job, err error) {
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	if err := e.claim(req); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			e.unclaim(req.ServiceID)
		}
	}()
	view, release, err := e.st.Snapshot(ctx)
	if err != nil {
		return nil, e.storeFailed(fmt.Errorf("engine: admit: %w", err))
	}
	c, err := e.compute(ctx, req, computeOpts{offline: true, st: view})
	release()
	if err != nil {
		return nil, err
	}
	j = &job{req: c.req, claimed: req.ServiceID != ""} // carries the generated service id; BaseVersion 0 stays "no check"
	if p != nil {
		if c.plan.Hash != p.Hash {
			return nil, fmt.Errorf("engine: plan %s: %w", p.ID, ErrPlanChanged)
		}
		j.wantHash, j.planID = p.Hash, p.ID
		j.expect = map[string][]Expectation{}
		for _, tp := range p.Targets {
			if len(tp.Expect) > 0 {
				j.expect[tp.Target] = tp.Expect
			}
		}
		// Refuse at once when a device already moved; the check is made again in order.
		read, readErr := e.readTargets(ctx, []*job{j}, []*computed{nil})
		if err := checkRead(c, j, read, readErr); err != nil {
			return nil, err
		}
	}
	rawReq, _ := json.Marshal(j.req)
	now := time.Now().UTC()
	j.run = store.Run{ID: newID("run-"), Service: j.req.ServiceID, Kind: string(j.req.Op), State: store.RunPending, User: j.req.User,
		PlanID: j.planID, Request: rawReq, Created: now, Updated: now}
	if err := e.st.CreateRun(ctx, j.run); err != nil {
		return nil, e.storeFailed(fmt.Errorf("engine: create run: %w", err))
	}
	e.emit(ctx, "run.pending", j.run.Service, j.run.ID, map[string]any{"kind": j.run.Kind})
	j.declare(c)
	return j, nil
}

// declare sets the keys a job holds in the order: every target its service owned or wants
// config on, every pool it allocates from (two batches peeking one pool in parallel would hand
// out one value twice; the pool, not the scope, because a scope may name a value allocated
// in order, such as a VPN's number), and (exclusively) the service itself.
func (j *job) declare(c *computed) {
	keys := make([]string, 0, len(c.plan.Targets)+len(c.pools.touched))
	for _, tp := range c.plan.Targets {
		keys = append(keys, tp.Target)
	}
	for _, a := range c.pools.touched {
		keys = append(keys, poolKey(a.Pool))
	}
	// A re-deploy diffs against what the devices hold, which the requests ahead of it in a
	// batch have not changed yet: it is planned in a batch of its own. Deletes and modifies
	// share batches (see batch).
	alone := j.req.Op == OpRedeploy
	j.ticket = &queue.Ticket{Keys: keys, Exclusive: []string{j.req.ServiceID}, Alone: alone}
}

// claim refuses at once a request based on a version of a service that another request,
// admitted or being admitted, is about to change (the version it saw will not be the one it
// finds), and marks the service as being admitted until enqueue puts the request in the order.
// Of many requests sent with one If-Match, one goes through and the others are stale at once,
// leaving no failed run behind.
func (e *Engine) claim(req Request) error {
	if req.ServiceID == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if req.BaseVersion != 0 || req.MatchVersion {
		if e.claims[req.ServiceID] > 0 || e.q.Holds(req.ServiceID) {
			return fmt.Errorf("engine: service %s has another request queued or running; version %d will not be current when this one runs: %w",
				req.ServiceID, req.BaseVersion, ErrStale)
		}
	}
	e.claims[req.ServiceID]++
	return nil
}

// unclaim drops a claim taken by claim (the caller holds no e.mu).
func (e *Engine) unclaim(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.unclaimLocked(id)
}

func (e *Engine) unclaimLocked(id string) {
	if id == "" {
		return
	}
	if e.claims[id]--; e.claims[id] <= 0 {
		delete(e.claims, id)
	}
}

// poolKey is a pool's key in the order (targets are named by inventory names, which cannot
// contain a NUL).
func poolKey(pool string) string { return "pool\x00" + pool }

// enqueue gives jobs their places in the per-target order in one step and wakes the
// dispatcher.
func (e *Engine) enqueue(jobs []*job) {
	items := make([]queue.Item, len(jobs))
	for i, j := range jobs {
		items[i] = queue.Item{Keys: j.ticket.Keys, Exclusive: j.ticket.Exclusive, Alone: j.ticket.Alone, Value: j}
	}
	e.mu.Lock()
	ts := e.q.EnqueueAll(items)
	for i, j := range jobs {
		j.ticket = ts[i]
		e.waiting[j.run.ID] = j
		if j.claimed {
			// The order holds the service now.
			e.unclaimLocked(j.req.ServiceID)
			j.claimed = false
		}
	}
	e.mu.Unlock()
}

// dispatch hands batches of ready jobs to workers until the engine stops: at most Workers
// batches run at once, each holding its targets in the order until it is recorded.
func (e *Engine) dispatch() {
	defer close(e.dispatched)
	for {
		ch := e.q.Changed()
		e.mu.Lock()
		closing := e.closing
		e.mu.Unlock()
		if closing {
			return
		}
		if free := e.o.Workers - e.q.Running(); free > 0 {
			for _, b := range e.q.Next(free) {
				jobs := make([]*job, len(b))
				for i, t := range b {
					jobs[i] = t.Value.(*job)
				}
				e.wg.Add(1)
				go e.runBatch(b, jobs)
			}
		}
		select {
		case <-ch:
		case <-e.stop:
			return
		}
	}
}

// runBatch executes one batch and lets the requests behind it go. A batch whose transaction
// failed as a whole is retried one request at a time (still holding its place in the order),
// so one request the device refuses fails alone.
func (e *Engine) runBatch(ts []*queue.Ticket, jobs []*job) {
	defer e.wg.Done()
	defer e.q.BatchDone()
	defer e.q.Done(ts...)
	ctx, cancel := context.WithTimeout(context.Background(), e.o.RunTimeout)
	defer cancel()
	e.mu.Lock()
	for _, j := range jobs {
		delete(e.waiting, j.run.ID)
		e.cancels[j.run.ID] = cancel
		if j.ticket != nil {
			e.tickets[j.run.ID] = j.ticket
		}
	}
	fails := e.storeFails
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		for _, j := range jobs {
			delete(e.cancels, j.run.ID)
			delete(e.tickets, j.run.ID)
			if e.storeFails != fails {
				// The store refused a write meanwhile: whatever it could not record is
				// recovered from the journal once it writes again.
				e.orphans[j.run.ID] = true
			}
		}
		e.mu.Unlock()
	}()
	if jobs[0].recover != nil {
		e.runRecovery(ctx, jobs[0])
		return
	}
	// Requests deferred by their batch (they meet a node an earlier one deletes) run in the
	// next round, still holding their places: each round finishes at least its first request.
	for pending := jobs; len(pending) > 0 && ctx.Err() == nil; {
		err := e.applyBatch(ctx, pending)
		if errors.Is(err, errCrash) {
			e.crash()
			return
		}
		if errors.Is(err, errTxFailed) {
			e.log.Info("batch failed; retrying its requests one by one", "requests", len(pending), "err", err)
			for _, j := range pending {
				if j.done || ctx.Err() != nil {
					continue
				}
				j.deferred = false
				if err := e.applyBatch(ctx, []*job{j}); errors.Is(err, errCrash) {
					e.crash()
					return
				}
			}
		}
		var next []*job
		for _, j := range pending {
			if !j.done && j.deferred {
				j.deferred = false
				next = append(next, j)
			}
		}
		pending = next
	}
	bg := context.WithoutCancel(ctx)
	for _, j := range jobs {
		if !j.done {
			// Only a cancelled or timed-out batch gets here with unfinished jobs.
			e.finishJob(bg, j, store.RunCancelled, fmt.Errorf("engine: run stopped: %w", context.Cause(ctx)), nil)
		}
	}
}

// step journals one step phase, with the progress marks collected in m before it (nil: none),
// and gives the fault hook its chance to kill the run.
func (e *Engine) step(ctx context.Context, m *marks, runID, name, phase string, data any) error {
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
	es := append(m.take(), journalEntry(runID, name, phase, raw))
	if err := e.st.AppendJournal(context.WithoutCancel(ctx), es...); err != nil {
		return e.storeFailed(fmt.Errorf("engine: journal %s: %w", name, err))
	}
	e.notify()
	return nil
}

// marks collects a batch's progress marks (which target is being prepared or committed).
// Recovery needs only the plans and the commit decision from the journal, so a mark costs no
// store write of its own: it is journaled with the next step.
type marks struct {
	mu sync.Mutex
	es []store.JournalEntry
}

// mark records a progress point: the fault hook sees it at once, the journal with the next step.
func (e *Engine) mark(m *marks, runID, name, phase string) error {
	if e.o.Fault != nil {
		if err := e.o.Fault(name + ":" + phase); err != nil {
			return errCrash
		}
	}
	m.mu.Lock()
	m.es = append(m.es, journalEntry(runID, name, phase, nil))
	m.mu.Unlock()
	return nil
}

// take empties m and returns what it held (nil for a nil m).
func (m *marks) take() []store.JournalEntry {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	es := m.es
	m.es = nil
	return es
}

// journalEntry is one journal step; it is also an event for people following the run (its
// data stays in the journal).
func journalEntry(runID, name, phase string, raw json.RawMessage) store.JournalEntry {
	now := time.Now().UTC()
	evData, _ := json.Marshal(map[string]string{"step": name, "phase": phase})
	ev := &store.Event{Type: "run.step", RunID: runID, Data: evData, At: now}
	return store.JournalEntry{RunID: runID, Step: name, Phase: phase, Data: raw, At: now, Event: ev}
}

// finishJob ends one job's run.
func (e *Engine) finishJob(ctx context.Context, j *job, state string, err error, results []store.TargetResult) {
	j.done = true
	e.finish(ctx, &j.run, state, err, results)
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
	e.runsEnded(run.ID)
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
	e.runsEnded(run.ID)
}

// revert converges every target a batch touched back to what its services owned before it.
func (e *Engine) revert(ctx context.Context, runID string) error {
	bj, _, err := e.readJournal(ctx, runID)
	if err != nil || bj == nil {
		return err
	}
	var errs []error
	for i := range bj.Plans {
		if err := e.converge(ctx, runID, bj.Plans, i, oldOf); err != nil {
			errs = append(errs, fmt.Errorf("service %s: %w", bj.Plans[i].Service.ID, err))
		}
	}
	return errors.Join(errs...)
}

func oldOf(jp *journalPlan) map[string][]config.Leaf  { return jp.Old }
func wantOf(jp *journalPlan) map[string][]config.Leaf { return jp.Want }

// priorView is what the plans before plans[i] of one journaled batch hold on target t, as the
// batch saw them when it planned: what they own is goal's, not what the store records for
// them; the batch's pre-existing nodes are the device's.
func priorView(plans []journalPlan, i int, t string, goal func(*journalPlan) map[string][]config.Leaf) ownView {
	v := ownView{owners: map[string][]diff.Owner{}, replaced: map[string]bool{}, replacedBelow: map[string]int{}}
	for k := range plans {
		for _, l := range plans[k].External[t] {
			p := l.Path.String()
			v.owners[p] = append(v.owners[p], diff.Owner{Service: diff.External, Value: l.Value})
		}
	}
	for k := 0; k < i; k++ {
		jp := &plans[k]
		if ls, ok := jp.Old[t]; ok {
			v.replaced[jp.Service.ID] = true
			seen := map[string]bool{}
			for _, l := range ls {
				ancestors(l.Path, func(a string) {
					if !seen[a] {
						seen[a] = true
						v.replacedBelow[a]++
					}
				})
			}
		}
		for _, l := range goal(jp)[t] {
			p := l.Path.String()
			v.owners[p] = append(v.owners[p], diff.Owner{Service: jp.Service.ID, Value: l.Value})
		}
	}
	return v
}

// converge makes each target hold goal for the paths the service of plans[i] owned or
// wanted, reading the target first (recovery does not know how far a run got). The plans
// before it in its batch count as owners of their goal, as when the batch was planned.
func (e *Engine) converge(ctx context.Context, runID string, plans []journalPlan, i int, goalOf func(*journalPlan) map[string][]config.Leaf) error {
	jp := &plans[i]
	goal := goalOf(jp)
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
		cs, err := e.diffTarget(ctx, e.st, t, jp.Service.ID, actual, goal[t], priorView(plans, i, t, goalOf))
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
