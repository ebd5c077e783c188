package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/xprov/xprov/engine/queue"
	"github.com/xprov/xprov/engine/store"
)

// recovery is the work of finishing or reverting a batch a previous process left in flight.
type recovery struct {
	journal *bulkJournal
	decided bool
	members []store.Run // the unfinished runs of the batch, the lead first
}

// readJournal reads a batch's plans from its lead run's journal and whether it passed its
// commit point. The last "compute-bulk" entry counts (a batch retried one request at a time
// journals again); a single-run journal of an older version ("compute" done with one plan) is
// read as a batch of one.
func (e *Engine) readJournal(ctx context.Context, runID string) (*bulkJournal, bool, error) {
	entries, err := e.st.Journal(ctx, runID)
	if err != nil {
		return nil, false, fmt.Errorf("engine: journal of %s: %w", runID, err)
	}
	var bj *bulkJournal
	decided := false
	for _, en := range entries {
		switch {
		case en.Step == "compute-bulk" && en.Phase == "done":
			bj = &bulkJournal{}
			if err := json.Unmarshal(en.Data, bj); err != nil {
				return nil, false, fmt.Errorf("engine: journal of %s: decode plans: %w", runID, err)
			}
			decided = false
		case en.Step == "compute" && en.Phase == "done" && len(en.Data) > 0:
			var jp journalPlan
			if err := json.Unmarshal(en.Data, &jp); err != nil {
				return nil, false, fmt.Errorf("engine: journal of %s: decode plan: %w", runID, err)
			}
			bj = &bulkJournal{Plans: []journalPlan{jp}, Runs: []string{runID}}
			decided = false
		case en.Step == "decide" && en.Phase == "done":
			decided = true
		}
	}
	return bj, decided, nil
}

// Recover puts every run a previous process left unfinished back in the per-target order,
// ahead of anything submitted after it, and returns without waiting: a batch that had planned
// is finished (past its commit point) or reverted by converging its targets, retried with
// backoff while a device does not answer; a run that had not been planned yet is admitted
// again and runs as if just submitted. Requests on other targets are served meanwhile. Idle
// waits until the order is empty.
func (e *Engine) Recover(ctx context.Context) error {
	runs, err := e.st.UnfinishedRuns(ctx)
	if err != nil {
		return fmt.Errorf("engine: recover: %w", err)
	}
	return e.recoverRuns(ctx, runs)
}

// recoverRuns puts the given unfinished runs back in the order (see Recover).
func (e *Engine) recoverRuns(ctx context.Context, runs []store.Run) error {
	var err error
	byID := map[string]store.Run{}
	for _, r := range runs {
		byID[r.ID] = r
	}
	covered := map[string]bool{}
	var jobs []*job
	var errs []error
	for _, r := range runs {
		if covered[r.ID] {
			continue
		}
		bj, decided, err := e.readJournal(ctx, r.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("run %s: %w", r.ID, err))
			continue
		}
		if bj == nil {
			continue
		}
		rec := &recovery{journal: bj, decided: decided, members: []store.Run{r}}
		covered[r.ID] = true
		keys := map[string]bool{}
		var services []string
		for i, jp := range bj.Plans {
			for t := range jp.Old {
				keys[t] = true
			}
			for t := range jp.Want {
				keys[t] = true
			}
			services = append(services, jp.Service.ID)
			if i < len(bj.Runs) && bj.Runs[i] != r.ID {
				if m, ok := byID[bj.Runs[i]]; ok {
					covered[m.ID] = true
					rec.members = append(rec.members, m)
				}
			}
		}
		j := &job{run: r, recover: rec}
		j.ticket = &queue.Ticket{Keys: sortedKeys(keys), Exclusive: services, Alone: true}
		jobs = append(jobs, j)
	}
	// Runs that never planned: admitted again, in the order they were created.
	sort.Slice(runs, func(a, b int) bool { return runs[a].Created.Before(runs[b].Created) })
	for _, r := range runs {
		if covered[r.ID] {
			continue
		}
		if r.Kind == "bulk" {
			// A bulk run of an older version that never planned: nothing was taken.
			_ = e.st.ReleaseRun(ctx, r.ID)
			e.finish(ctx, &r, store.RunRolledBack, errors.New("interrupted before planning; nothing was changed"), nil)
			continue
		}
		e.restoreAfterCrash(ctx, r.Service)
		var req Request
		if err := json.Unmarshal(r.Request, &req); err != nil {
			e.finish(ctx, &r, store.RunFailed, fmt.Errorf("engine: recover: request of run %s: %w", r.ID, err), nil)
			continue
		}
		var p *Plan
		if r.PlanID != "" {
			if p, err = e.GetPlan(ctx, r.PlanID); err != nil {
				e.finish(ctx, &r, store.RunFailed, fmt.Errorf("engine: recover: %w", err), nil)
				continue
			}
		}
		c, err := e.compute(ctx, req, computeOpts{offline: true})
		if err == nil && p != nil && c.plan.Hash != p.Hash {
			err = fmt.Errorf("engine: plan %s: %w", p.ID, ErrPlanChanged)
		}
		if err != nil {
			e.finish(ctx, &r, store.RunFailed, fmt.Errorf("interrupted before planning and no longer valid: %w", err), nil)
			continue
		}
		j := &job{run: r, req: c.req}
		if p != nil {
			j.wantHash, j.planID = p.Hash, p.ID
			j.expect = map[string][]Expectation{}
			for _, tp := range p.Targets {
				if len(tp.Expect) > 0 {
					j.expect[tp.Target] = tp.Expect
				}
			}
		}
		j.run.State = store.RunPending
		j.declare(c)
		jobs = append(jobs, j)
	}
	if len(jobs) > 0 {
		e.log.Info("recovering runs left in flight", "runs", len(jobs))
		e.enqueue(jobs)
	}
	return errors.Join(errs...)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// runRecovery finishes or reverts one batch left in flight, holding its targets in the order.
// Converging reads each target first, so it is right however far the batch got. While a
// target does not answer it waits and tries again (the requests behind it wait too; everything
// else is served).
func (e *Engine) runRecovery(ctx context.Context, j *job) {
	rec := j.recover
	bj := rec.journal
	lead := j.run
	backoff := time.Second
	for {
		var errs []error
		for i := range bj.Plans {
			goal := oldOf
			if rec.decided {
				goal = wantOf
			}
			if err := e.converge(ctx, lead.ID, bj.Plans, i, goal); err != nil {
				errs = append(errs, fmt.Errorf("service %s: %w", bj.Plans[i].Service.ID, err))
			}
		}
		if len(errs) == 0 {
			break
		}
		err := errors.Join(errs...)
		e.log.Warn("recovery waits for its targets", "run", lead.ID, "err", err, "retry_in", backoff)
		e.emit(context.WithoutCancel(ctx), "run.recovery-waiting", lead.Service, lead.ID, map[string]any{"error": err.Error()})
		if !e.sleep(ctx, &backoff) {
			return // shutting down: the next start recovers it
		}
	}
	bg := context.WithoutCancel(ctx)
	j.done = true
	if rec.decided {
		_ = e.step(bg, nil, lead.ID, "recover", "done", map[string]string{"outcome": "rolled forward"})
		if err := e.recordBulk(bg, lead.ID, *bj, nil, nil); err != nil {
			e.log.Error("recover: record", "run", lead.ID, "err", err)
		}
		return
	}
	_ = e.st.ReleaseRun(bg, lead.ID)
	for i, jp := range bj.Plans {
		runID := lead.ID
		if i < len(bj.Runs) {
			runID = bj.Runs[i]
		}
		e.rollBackState(bg, runID, jp)
	}
	_ = e.step(bg, nil, lead.ID, "recover", "done", map[string]string{"outcome": "rolled back"})
	for _, m := range rec.members {
		e.finish(bg, &m, store.RunRolledBack, errors.New("interrupted before its commit point; rolled back"), nil)
	}
}

// sleep waits for the backoff (doubling it, up to 30 s) unless the engine stops or ctx ends.
func (e *Engine) sleep(ctx context.Context, d *time.Duration) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-e.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return waitBackoff(ctx, d, 30*time.Second)
}

// rollBackState restores a service's row after its run was rolled back.
func (e *Engine) rollBackState(ctx context.Context, runID string, jp journalPlan) {
	e.restoreState(ctx, jp.Service.ID, store.Service{ID: jp.Service.ID}, jp.Exists, jp.Prior, runID)
	if jp.Exists {
		e.restorePrior(ctx, jp)
	}
}

// restorePrior puts an existing service back to its prior state.
func (e *Engine) restorePrior(ctx context.Context, jp journalPlan) {
	s, err := e.st.GetService(ctx, jp.Service.ID)
	if err != nil {
		return
	}
	s.State = jp.Prior
	if s.State == "" || s.State == store.StateCreating || s.State == store.StateModifying || s.State == store.StateDeleting {
		s.State = store.StateActive
	}
	_ = e.st.PutServiceState(ctx, s)
}

// restoreAfterCrash fixes the service row of a run that crashed before planning (a row an
// older version marked busy before planning).
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
