package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/diff"
	"github.com/xprov/xprov/engine/store"
)

// batch carries what the services of one bulk request have claimed so far, so that later
// services see earlier ones as owners and pools hand out distinct values.
type batch struct {
	owners map[string]map[string][]diff.Owner // target -> path -> owners in this batch
	cursor map[string]int64                   // pool\x00scope -> last value peeked
	values map[string]string                  // pool\x00scope\x00value -> service\x00key
}

func newBatch() *batch {
	return &batch{owners: map[string]map[string][]diff.Owner{}, cursor: map[string]int64{}, values: map[string]string{}}
}

// ownersOn returns the batch's owners on one target (nil outside a batch).
func (b *batch) ownersOn(t string) map[string][]diff.Owner {
	if b == nil {
		return nil
	}
	return b.owners[t]
}

// taken reports whether another service or key of the batch already peeked v.
func (b *batch) taken(pool, scope, service, key string, v int64) bool {
	if b == nil {
		return false
	}
	who, ok := b.values[fmt.Sprintf("%s\x00%s\x00%d", pool, scope, v)]
	return ok && who != service+"\x00"+key
}

// add records one computed service in the batch.
func (b *batch) add(c *computed) {
	for t, ls := range c.want {
		m := b.owners[t]
		if m == nil {
			m = map[string][]diff.Owner{}
			b.owners[t] = m
		}
		for _, l := range ls {
			k := l.Path.String()
			m[k] = append(m[k], diff.Owner{Service: c.req.ServiceID, Value: l.Value})
		}
	}
	for _, a := range c.pools.touched {
		ps := a.Pool + "\x00" + a.Scope
		if a.Value > b.cursor[ps] {
			b.cursor[ps] = a.Value
		}
		b.values[fmt.Sprintf("%s\x00%d", ps, a.Value)] = c.req.ServiceID + "\x00" + a.Key
	}
}

// BulkItem is the outcome of one request of a bulk.
type BulkItem struct {
	Service string `json:"service"`
	RunID   string `json:"run_id,omitempty"`
	Changes int    `json:"changes"`
	Error   string `json:"error,omitempty"`
}

// BulkResult is the outcome of a bulk: requests that could not be planned are reported and
// left out; the others were applied together, or not at all.
type BulkResult struct {
	RunID   string               `json:"run_id"`
	State   string               `json:"state"`
	Error   string               `json:"error,omitempty"`
	Items   []BulkItem           `json:"items"`
	Targets []store.TargetResult `json:"targets,omitempty"`
}

type bulkJournal struct {
	Plans []journalPlan `json:"plans"`
	Runs  []string      `json:"runs"`
}

// Bulk applies many requests on distinct services as one transaction: every target gets one
// change set holding all services' changes (one commit per device), and the store records all
// services in one SQLite transaction. It is the path for migrations and mass provisioning;
// it returns when done.
func (e *Engine) Bulk(ctx context.Context, reqs []Request, user string) (*BulkResult, error) {
	e.mu.Lock()
	closing := e.closing
	e.mu.Unlock()
	if closing {
		return nil, ErrShutdown
	}
	e.wg.Add(1)
	defer e.wg.Done()
	bg := context.WithoutCancel(ctx)
	now := time.Now().UTC()
	run := store.Run{ID: newID("run-"), Kind: "bulk", State: store.RunRunning, User: user, Created: now, Updated: now}
	res := &BulkResult{RunID: run.ID, Items: make([]BulkItem, len(reqs))}

	ids := map[string]bool{}
	for i := range reqs {
		if reqs[i].Op == OpCreate && reqs[i].ServiceID == "" {
			reqs[i].ServiceID = newID(reqs[i].Type + "-")
		}
		if ids[reqs[i].ServiceID] {
			return nil, fmt.Errorf("engine: bulk names service %s twice: %w", reqs[i].ServiceID, ErrBadRequest)
		}
		ids[reqs[i].ServiceID] = true
		if reqs[i].User == "" {
			reqs[i].User = user
		}
		res.Items[i].Service = reqs[i].ServiceID
	}
	// Lock every service, in id order so two bulks cannot deadlock.
	order := make([]string, 0, len(ids))
	for id := range ids {
		order = append(order, id)
	}
	sort.Strings(order)
	for _, id := range order {
		unlock, err := e.lockService(ctx, id)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	raw, _ := json.Marshal(map[string]int{"requests": len(reqs)})
	run.Request = raw
	if err := e.st.CreateRun(bg, run); err != nil {
		return nil, fmt.Errorf("engine: create bulk run: %w", err)
	}

	// Plan every request against the store and the batch so far.
	b := newBatch()
	var cs []*computed
	var idx []int
	if err := e.step(ctx, run.ID, "compute", "begin", nil); err != nil {
		return res, err
	}
	for i, req := range reqs {
		c, err := e.compute(ctx, req, run.ID, true, b)
		if err != nil {
			res.Items[i].Error = err.Error()
			continue
		}
		b.add(c)
		c.pools.run = run.ID
		cs = append(cs, c)
		idx = append(idx, i)
	}
	if len(cs) == 0 {
		res.State = store.RunFailed
		res.Error = "no request could be planned"
		e.finish(bg, &run, store.RunFailed, errors.New(res.Error), nil)
		return res, nil
	}

	// One write: every service marked busy, every allocation taken.
	var reserve store.ReserveParams
	bj := bulkJournal{}
	for k, c := range cs {
		i := idx[k]
		res.Items[i].RunID = newID("run-")
		bj.Runs = append(bj.Runs, res.Items[i].RunID)
		busy := c.base
		if !c.exists {
			busy = c.next
		}
		busy.State = map[Op]string{OpCreate: store.StateCreating, OpModify: store.StateModifying, OpDelete: store.StateDeleting, OpRedeploy: store.StateModifying}[c.req.Op]
		busy.LastRun = run.ID
		reserve.Services = append(reserve.Services, busy)
		for _, a := range c.pools.touched {
			a.RunID = run.ID
			reserve.Allocations = append(reserve.Allocations, a)
		}
		bj.Plans = append(bj.Plans, journalPlan{Service: c.next, Exists: c.exists, BaseVer: c.base.Version, Old: c.old, Want: c.want,
			External: c.extern, Release: c.release, Hash: c.plan.Hash, Delete: c.req.Op == OpDelete, Prior: c.base.State})
	}
	sort.Slice(reserve.Allocations, func(i, j int) bool {
		a, b := reserve.Allocations[i], reserve.Allocations[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Pool+a.Scope+a.Key < b.Pool+b.Scope+b.Key
	})
	// Journal first: recovery must know which services a crash during Reserve may have marked.
	if err := e.step(ctx, run.ID, "compute-bulk", "done", bj); err != nil {
		return res, err
	}
	if err := e.st.Reserve(bg, reserve); err != nil {
		e.finish(bg, &run, store.RunFailed, err, nil)
		res.State, res.Error = store.RunFailed, err.Error()
		return res, nil
	}

	// One change set per target with every service's changes.
	merged := map[string]*TargetPlan{}
	for _, c := range cs {
		for _, tp := range c.plan.Targets {
			m := merged[tp.Target]
			if m == nil {
				m = &TargetPlan{Target: tp.Target, ChangeSet: config.ChangeSet{Target: tp.Target}}
				merged[tp.Target] = m
			}
			m.ChangeSet.Changes = append(m.ChangeSet.Changes, tp.ChangeSet.Changes...)
		}
	}
	var tps []TargetPlan
	for _, m := range merged {
		config.SortChanges(m.ChangeSet.Changes)
		tps = append(tps, *m)
	}
	sort.Slice(tps, func(i, j int) bool { return tps[i].Target < tps[j].Target })
	for k, c := range cs {
		for _, tp := range c.plan.Targets {
			res.Items[idx[k]].Changes += len(tp.ChangeSet.Changes)
		}
	}

	results, err := e.transact(ctx, run, tps, Request{Op: "bulk", ServiceID: fmt.Sprintf("%d services", len(cs)), User: user})
	if errors.Is(err, errCrash) {
		return res, err
	}
	res.Targets = results
	if err != nil {
		_ = e.st.ReleaseRun(bg, run.ID)
		for _, jp := range bj.Plans {
			e.restoreState(bg, jp.Service.ID, store.Service{}, jp.Exists, jp.Prior, run.ID)
			if jp.Exists {
				e.restorePrior(bg, jp)
			}
		}
		e.finish(bg, &run, store.RunFailed, err, results)
		res.State, res.Error = store.RunFailed, err.Error()
		return res, nil
	}
	if err := e.step(ctx, run.ID, "record", "begin", nil); err != nil {
		return res, err
	}
	if err := e.recordBulk(bg, run, bj, results); err != nil {
		e.finish(bg, &run, store.RunFailed, err, results)
		res.State, res.Error = store.RunFailed, err.Error()
		return res, nil
	}
	_ = e.step(ctx, run.ID, "record", "done", nil)
	res.State = store.RunSucceeded
	return res, nil
}

// recordBulk records every service of a bulk and the bulk run in one store transaction.
func (e *Engine) recordBulk(ctx context.Context, run store.Run, bj bulkJournal, results []store.TargetResult) error {
	now := time.Now().UTC()
	ps := make([]store.RecordParams, 0, len(bj.Plans)+1)
	for i, jp := range bj.Plans {
		r := store.Run{ID: bj.Runs[i], Service: jp.Service.ID, Kind: map[bool]string{true: store.RunDelete, false: store.RunModify}[jp.Delete],
			State: store.RunSucceeded, User: run.User, Created: run.Created, Updated: now, Finished: &now, PlanID: run.ID}
		if !jp.Exists {
			r.Kind = store.RunCreate
		}
		ps = append(ps, e.recordParams(&r, jp))
	}
	if err := e.st.RecordBatch(ctx, ps); err != nil {
		return fmt.Errorf("engine: record bulk %s: %w", run.ID, err)
	}
	run.Targets = results
	e.finish(ctx, &run, store.RunSucceeded, nil, results)
	return nil
}

// restorePrior puts an existing service of a failed bulk back to its prior state.
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
