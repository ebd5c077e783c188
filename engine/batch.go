package engine

import (
	"context"
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

// job is one request in the per-target order: its run, what it asks, and (for an applied plan)
// the hash and device values the plan was computed against.
type job struct {
	run      store.Run
	req      Request
	wantHash string
	planID   string
	expect   map[string][]Expectation // target -> values the plan saw on the device
	ticket   *queue.Ticket
	recover  *recovery // set for a recovery of a run a previous process left in flight
	done     bool      // finished (succeeded, failed or cancelled)
	deferred bool      // left out of its batch (it touches what an earlier request there deletes); runs next
	claimed  bool      // holds a claim on its service until enqueued (see claim)
}

// batch carries what the requests of one batch have claimed so far, so that later requests see
// earlier ones as owners and pools hand out distinct values, plus the pre-existing nodes found
// on the batch's targets (owned by diff.External).
//
// A request that gives up configuration (a delete, a modify) shares a batch with others too.
// The store still names the requests planned earlier in the batch as owners of what they held
// before; their stored ownership is replaced by what they want now (replaced, replacedBelow),
// so a shared node the batch's requests all give up is removed by the last of them. A request
// whose changes meet a node an earlier request of the batch deletes (the same node, above or
// below it) is deferred to the next batch, where it is planned against the recorded outcome:
// one change set per target never deletes and re-creates a node.
type batch struct {
	owners   map[string]map[string][]diff.Owner // target -> path -> owners in this batch
	cursor   map[string]int64                   // pool\x00scope -> last value peeked
	values   map[string]string                  // pool\x00scope\x00value -> service\x00key
	external map[string]map[string]string       // target -> path -> value found before any service

	replaced      map[string]map[string]bool // target -> services planned earlier whose stored ownership there is replaced
	replacedBelow map[string]map[string]int  // target -> path -> replaced services owning a node strictly below it
	changed       map[string]map[string]bool // target -> path -> changed by an earlier request (true: deleted)
	changedBelow  map[string]map[string]int  // target -> path -> changes strictly below it (any op)
	deletedBelow  map[string]map[string]int  // target -> path -> deletes strictly below it
}

// ownView is what a computation sees of the requests planned before it in its batch on one
// target (zero outside a batch).
type ownView struct {
	owners        map[string][]diff.Owner
	replaced      map[string]bool
	replacedBelow map[string]int
}

func newBatch(external map[string]map[string]string) *batch {
	b := &batch{owners: map[string]map[string][]diff.Owner{}, cursor: map[string]int64{}, values: map[string]string{}, external: external,
		replaced: map[string]map[string]bool{}, replacedBelow: map[string]map[string]int{},
		changed: map[string]map[string]bool{}, changedBelow: map[string]map[string]int{}, deletedBelow: map[string]map[string]int{}}
	for t, m := range external {
		om := map[string][]diff.Owner{}
		for p, v := range m {
			om[p] = []diff.Owner{{Service: diff.External, Value: v}}
		}
		b.owners[t] = om
	}
	return b
}

// on returns what the batch holds on one target.
func (b *batch) on(t string) ownView {
	if b == nil {
		return ownView{}
	}
	return ownView{owners: b.owners[t], replaced: b.replaced[t], replacedBelow: b.replacedBelow[t]}
}

// ancestors calls f with the string form of every proper ancestor of p, nearest last.
func ancestors(p config.Path, f func(string)) {
	for i := 1; i < len(p); i++ {
		f(p[:i].String())
	}
}

// meetsDelete reports whether c's changes meet what an earlier request of the batch deletes,
// or delete what an earlier request changes: the same node, one above or one below the other.
func (b *batch) meetsDelete(c *computed) bool {
	if b == nil {
		return false
	}
	for _, tp := range c.plan.Targets {
		changed, cb, db := b.changed[tp.Target], b.changedBelow[tp.Target], b.deletedBelow[tp.Target]
		if len(changed) == 0 {
			continue
		}
		for _, ch := range tp.ChangeSet.Changes {
			k := ch.Path.String()
			del := ch.Op == config.Delete
			if d, ok := changed[k]; ok && (d || del) {
				return true
			}
			if (del && cb[k] > 0) || db[k] > 0 {
				return true
			}
			hit := false
			ancestors(ch.Path, func(a string) {
				if d, ok := changed[a]; ok && (d || del) {
					hit = true
				}
			})
			if hit {
				return true
			}
		}
	}
	return false
}

// externalIn returns the pre-existing nodes among want on target t.
func (b *batch) externalIn(t string, want []config.Leaf) []config.Leaf {
	if b == nil || len(b.external[t]) == 0 {
		return nil
	}
	var out []config.Leaf
	for _, l := range want {
		if v, ok := b.external[t][l.Path.String()]; ok {
			out = append(out, config.Leaf{Path: l.Path, Value: v})
		}
	}
	return out
}

// taken reports whether another service or key of the batch already peeked v.
func (b *batch) taken(pool, scope, service, key string, v int64) bool {
	if b == nil {
		return false
	}
	who, ok := b.values[fmt.Sprintf("%s\x00%s\x00%d", pool, scope, v)]
	return ok && who != service+"\x00"+key
}

// add records one computed request in the batch.
func (b *batch) add(c *computed) {
	for t, ls := range c.old {
		if b.replaced[t] == nil {
			b.replaced[t], b.replacedBelow[t] = map[string]bool{}, map[string]int{}
		}
		b.replaced[t][c.req.ServiceID] = true
		seen := map[string]bool{}
		for _, l := range ls {
			ancestors(l.Path, func(a string) {
				if !seen[a] {
					seen[a] = true
					b.replacedBelow[t][a]++
				}
			})
		}
	}
	for _, tp := range c.plan.Targets {
		t := tp.Target
		if b.changed[t] == nil {
			b.changed[t], b.changedBelow[t], b.deletedBelow[t] = map[string]bool{}, map[string]int{}, map[string]int{}
		}
		for _, ch := range tp.ChangeSet.Changes {
			del := ch.Op == config.Delete
			b.changed[t][ch.Path.String()] = b.changed[t][ch.Path.String()] || del
			ancestors(ch.Path, func(a string) {
				b.changedBelow[t][a]++
				if del {
					b.deletedBelow[t][a]++
				}
			})
		}
	}
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

// Expectation is a value a plan saw on a device at a path it changes; applying the plan
// re-reads the path and refuses when the device holds something else.
type Expectation struct {
	Path    string `json:"path"`
	Value   string `json:"value,omitempty"`
	Present bool   `json:"present"`
}

// PlanChangedError says which device value moved since a plan was computed.
type PlanChangedError struct {
	Target string
	Path   string
	Want   Expectation
	Actual Expectation
}

func (e *PlanChangedError) Error() string {
	show := func(x Expectation) string {
		if !x.Present {
			return "absent"
		}
		return fmt.Sprintf("%q", x.Value)
	}
	return fmt.Sprintf("%s %s: the plan saw %s, the device now holds %s", e.Target, e.Path, show(e.Want), show(e.Actual))
}

func (e *PlanChangedError) Unwrap() error { return ErrPlanChanged }

// planned is the outcome of planning a batch: per job (same index) its computation or error,
// and what was read from the targets.
type planned struct {
	computed []*computed
	failed   []error
	read     map[string]map[string]string // target -> path -> value read before planning
	deferred []bool                       // left for the next batch (see batch)
}

// planBatch plans the jobs of one batch in order, each against the store and the jobs before
// it, reads every target once (the subtrees the batch changes), marks nodes found there that
// nobody owns as pre-existing, and checks applied plans against the values they saw. A job that
// fails is left out and the rest re-planned without it.
func (e *Engine) planBatch(ctx context.Context, jobs []*job, lead string, dry bool) (*planned, error) {
	pb := &planned{computed: make([]*computed, len(jobs)), failed: make([]error, len(jobs)), deferred: make([]bool, len(jobs))}
	external := map[string]map[string]string{}
	var readErr map[string]error
	for round := 0; ; round++ {
		b := newBatch(external)
		// One read transaction for the round: the batch holds its targets, pools and
		// services in the order, so what it reads cannot change under it.
		view, release, err := e.st.Snapshot(ctx)
		if err != nil {
			return nil, e.storeFailed(fmt.Errorf("engine: plan: %w", err))
		}
		for i, j := range jobs {
			pb.computed[i], pb.deferred[i] = nil, false
			if pb.failed[i] != nil {
				continue
			}
			c, err := e.compute(ctx, j.req, computeOpts{run: lead, batch: b, st: view})
			if err == nil && j.wantHash != "" && c.plan.Hash != j.wantHash {
				err = fmt.Errorf("engine: plan %s: %w", j.planID, ErrPlanChanged)
			}
			if err == nil && j.ticket != nil {
				err = undeclared(c, j.ticket.Keys)
			}
			if err != nil {
				pb.failed[i] = err
				continue
			}
			if b.meetsDelete(c) {
				pb.deferred[i] = true
				continue
			}
			b.add(c)
			pb.computed[i] = c
		}
		release()
		if pb.read == nil {
			pb.read, readErr = e.readTargets(ctx, jobs, pb.computed)
		}
		again := false
		for i, c := range pb.computed {
			if c == nil {
				continue
			}
			if err := checkRead(c, jobs[i], pb.read, readErr); err != nil {
				pb.failed[i], again = err, true
				continue
			}
			if e.o.SkipPreexistingCheck {
				continue
			}
			for _, tp := range c.plan.Targets {
				for _, ch := range tp.ChangeSet.Changes {
					if ch.Op != config.Create {
						continue
					}
					k := ch.Path.String()
					v, found := pb.read[tp.Target][k]
					if _, known := external[tp.Target][k]; found && !known {
						if external[tp.Target] == nil {
							external[tp.Target] = map[string]string{}
						}
						external[tp.Target][k] = v
						again = true
					}
				}
			}
		}
		if !again || round > 2 {
			return pb, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// undeclared refuses a computation that touches a target its request did not declare when it
// was admitted (its render changed between admission and planning).
func undeclared(c *computed, keys []string) error {
	have := map[string]bool{}
	for _, k := range keys {
		have[k] = true
	}
	for _, tp := range c.plan.Targets {
		if !have[tp.Target] {
			return fmt.Errorf("engine: service %s now renders configuration for %s, which it did not when the request was admitted; submit it again: %w", c.req.ServiceID, tp.Target, ErrPlanChanged)
		}
	}
	for _, a := range c.pools.touched {
		if !have[poolKey(a.Pool)] {
			return fmt.Errorf("engine: service %s now allocates from pool %s, which it did not when the request was admitted; submit it again: %w", c.req.ServiceID, a.Pool, ErrPlanChanged)
		}
	}
	return nil
}

// checkRead fails a job whose targets could not be read, or whose plan saw other device
// values than the device holds now.
func checkRead(c *computed, j *job, read map[string]map[string]string, readErr map[string]error) error {
	for _, tp := range c.plan.Targets {
		if err := readErr[tp.Target]; err != nil && !tp.ChangeSet.Empty() {
			return err
		}
	}
	targets := make([]string, 0, len(j.expect))
	for t := range j.expect {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		if err := readErr[t]; err != nil {
			return err
		}
		for _, x := range j.expect[t] {
			v, ok := read[t][x.Path]
			got := Expectation{Path: x.Path, Value: v, Present: ok}
			if got.Present != x.Present || got.Value != x.Value {
				return fmt.Errorf("engine: plan %s: %w", j.planID, &PlanChangedError{Target: t, Path: x.Path, Want: x, Actual: got})
			}
		}
	}
	return nil
}

// readTargets reads, once per target and in parallel, the subtrees the batch changes and the
// paths applied plans expect values at. Nothing else of the device is read.
func (e *Engine) readTargets(ctx context.Context, jobs []*job, cs []*computed) (map[string]map[string]string, map[string]error) {
	paths := map[string][]config.Path{}
	for i, c := range cs {
		if c != nil && !e.o.SkipPreexistingCheck {
			for _, tp := range c.plan.Targets {
				for _, ch := range tp.ChangeSet.Changes {
					paths[tp.Target] = append(paths[tp.Target], ch.Path)
				}
			}
		}
		for t, xs := range jobs[i].expect {
			for _, x := range xs {
				p, err := config.ParsePath(x.Path)
				if err == nil {
					paths[t] = append(paths[t], p)
				}
			}
		}
	}
	read := map[string]map[string]string{}
	errs := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for t, ps := range paths {
		tg, ok := e.Target(t)
		if !ok {
			continue // rendering only (no adapter): nothing to read
		}
		wg.Add(1)
		go func(t string, tg adapters.Target, ps []config.Path) {
			defer wg.Done()
			leaves, err := tg.Fetch(ctx, roots(ps))
			m := make(map[string]string, len(leaves))
			for _, l := range leaves {
				m[l.Path.String()] = l.Value
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[t] = fmt.Errorf("engine: read %s before planning: %w", t, err)
				return
			}
			read[t] = m
		}(t, tg, ps)
	}
	wg.Wait()
	return read, errs
}

// expectations are the device values at every path a plan changes, as read before planning.
func expectations(c *computed, read map[string]map[string]string) {
	for i := range c.plan.Targets {
		tp := &c.plan.Targets[i]
		m, ok := read[tp.Target]
		if !ok {
			continue
		}
		for _, ch := range tp.ChangeSet.Changes {
			k := ch.Path.String()
			v, present := m[k]
			tp.Expect = append(tp.Expect, Expectation{Path: k, Value: v, Present: present})
		}
	}
}

// bulkJournal is what a batch journals at its "compute-bulk" step: every request's plan (old
// and wanted state per target) and run, so that recovery can finish or revert all of them.
type bulkJournal struct {
	Plans []journalPlan `json:"plans"`
	Runs  []string      `json:"runs"`
}

// errTxFailed marks a batch whose transaction failed on a target (rather than one request's
// planning): its requests are retried one by one so that one bad request cannot fail others.
var errTxFailed = errors.New("transaction failed")

// applyBatch runs one batch through the one transactional path: plan every job in order, journal
// the plans, reserve services and allocations in one store transaction, apply one change set
// per target (one commit per device), and record every service in one store transaction.
// It returns errTxFailed (wrapped) when the transaction failed as a whole.
func (e *Engine) applyBatch(ctx context.Context, jobs []*job) error {
	bg := context.WithoutCancel(ctx)
	lead := jobs[0].run
	runs := make([]store.Run, len(jobs))
	evs := make([]store.Event, len(jobs))
	now := time.Now().UTC()
	for i, j := range jobs {
		j.run.State, j.run.Updated = store.RunRunning, now
		runs[i] = j.run
		evs[i] = store.Event{Type: "run.running", Service: j.run.Service, RunID: j.run.ID, At: now}
	}
	// One store transaction for the batch's start (not one per request).
	if err := e.st.UpdateRuns(bg, runs, evs); err != nil {
		e.log.Error("mark runs running", "runs", len(runs), "lead", lead.ID, "err", err)
	}
	e.notify()
	m := &marks{}
	if err := e.mark(m, lead.ID, "compute", "begin"); err != nil {
		return err
	}
	pb, err := e.planBatch(ctx, jobs, lead.ID, false)
	if err != nil {
		for _, j := range jobs {
			e.finishJob(bg, j, store.RunFailed, err, nil)
		}
		return nil
	}
	var cs []*computed
	var live []*job
	for i, j := range jobs {
		if err := pb.failed[i]; err != nil {
			_ = e.step(bg, m, lead.ID, "compute", "failed", map[string]string{"service": j.req.ServiceID, "error": err.Error()})
			e.finishJob(bg, j, store.RunFailed, err, nil)
			continue
		}
		if pb.deferred[i] {
			j.deferred = true
			continue
		}
		cs = append(cs, pb.computed[i])
		live = append(live, j)
	}
	if len(cs) == 0 {
		return nil
	}

	var reserve store.ReserveParams
	bj := bulkJournal{}
	for k, c := range cs {
		j := live[k]
		bj.Runs = append(bj.Runs, j.run.ID)
		busy := c.base
		if !c.exists {
			busy = c.next
		}
		busy.State = busyState[c.req.Op]
		busy.LastRun = j.run.ID
		reserve.Services = append(reserve.Services, busy)
		for _, a := range c.pools.touched {
			a.RunID = lead.ID
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
	if err := e.step(ctx, m, lead.ID, "compute-bulk", "done", bj); err != nil {
		return err
	}
	if err := e.st.Reserve(bg, reserve); err != nil {
		err = e.storeFailed(fmt.Errorf("engine: reserve: %w", err))
		_ = e.st.ReleaseRun(bg, lead.ID)
		for _, j := range live {
			e.finishJob(bg, j, store.RunFailed, err, nil)
		}
		return nil
	}

	// One change set per target with every request's changes.
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
	tps := make([]TargetPlan, 0, len(merged))
	for _, m := range merged {
		config.SortChanges(m.ChangeSet.Changes)
		tps = append(tps, *m)
	}
	sort.Slice(tps, func(i, j int) bool { return tps[i].Target < tps[j].Target })

	what := live[0].req
	if len(live) > 1 {
		what = Request{Op: "batch", ServiceID: fmt.Sprintf("%d services", len(live)), User: lead.User}
	}
	results, err := e.transact(ctx, m, lead, tps, what)
	if errors.Is(err, errCrash) {
		return err
	}
	if err != nil {
		// The marks say how far each target got; journal them with the failure.
		_ = e.step(bg, m, lead.ID, "transaction", "failed", map[string]string{"error": err.Error()})
	}
	var undo *UndoError
	if errors.As(err, &undo) {
		e.leaveForCleanup(bg, live, cs, bj, results, err)
		return nil
	}
	if err != nil {
		_ = e.st.ReleaseRun(bg, lead.ID)
		for k, jp := range bj.Plans {
			e.rollBackState(bg, live[k].run.ID, jp)
		}
		if len(live) > 1 {
			return fmt.Errorf("%w: %w", errTxFailed, err)
		}
		e.finishJob(bg, live[0], store.RunFailed, err, jobResults(cs[0], results))
		return nil
	}
	if err := e.mark(m, lead.ID, "record", "begin"); err != nil {
		return err
	}
	per := make([][]store.TargetResult, len(cs))
	for k, c := range cs {
		per[k] = jobResults(c, results)
	}
	held := make([]store.Run, len(live))
	for k, j := range live {
		held[k] = j.run
	}
	if err := e.recordBulk(bg, lead.ID, bj, per, held); err != nil {
		err = e.storeFailed(err)
		for k, j := range live {
			e.finishJob(bg, j, store.RunFailed, err, per[k])
		}
		return nil
	}
	for _, j := range live {
		j.done = true
	}
	_ = e.step(ctx, m, lead.ID, "record", "done", nil)
	return nil
}

// jobResults is one request's share of a batch's per-target outcome: the batch's state on each
// of its targets, with its own number of changes.
func jobResults(c *computed, results []store.TargetResult) []store.TargetResult {
	state := map[string]store.TargetResult{}
	for _, r := range results {
		state[r.Target] = r
	}
	out := make([]store.TargetResult, 0, len(c.plan.Targets))
	for _, tp := range c.plan.Targets {
		r := state[tp.Target]
		r.Target, r.Changes = tp.Target, len(tp.ChangeSet.Changes)
		if r.Changes == 0 {
			r.State, r.Error = "unchanged", ""
		}
		out = append(out, r)
	}
	return out
}

// leaveForCleanup ends the runs of a batch whose undo did not finish: what a target may still
// hold stays owned by the services that put it there (the union of what each owned before and
// wanted), their allocations are kept, and they are marked for the reconciler, which converges
// the targets once they answer. Nothing is left owned by nobody.
func (e *Engine) leaveForCleanup(ctx context.Context, live []*job, cs []*computed, bj bulkJournal, results []store.TargetResult, cause error) {
	clean := map[string]bool{}
	for _, r := range results {
		clean[r.Target] = r.State == "rolled-back" || r.State == "unchanged"
	}
	for k, c := range cs {
		j, jp := live[k], bj.Plans[k]
		owned := map[string][]store.OwnedLeaf{}
		for _, t := range sortedTargets(jp.Old, jp.Want) {
			seen := map[string]bool{}
			add := func(ls []config.Leaf) {
				for _, l := range ls {
					if p := l.Path.String(); !seen[p] {
						seen[p] = true
						owned[t] = append(owned[t], store.OwnedLeaf{Target: t, Path: p, Value: l.Value})
					}
				}
			}
			add(jp.Old[t])
			if !clean[t] {
				add(jp.Want[t])
			}
		}
		svc := c.base
		state := store.StateCleanup
		if !c.exists || c.base.State == store.StateFailedCleanup || c.base.State == store.StateFailed {
			svc, state = c.next, store.StateFailedCleanup
		}
		svc.State, svc.LastRun = state, j.run.ID
		now := time.Now().UTC()
		run := j.run
		run.State, run.Error, run.Updated, run.Finished = store.RunFailed, cause.Error(), now, &now
		run.Targets = jobResults(c, results)
		ext := map[string][]store.OwnedLeaf{}
		for t, ls := range jp.External {
			for _, l := range ls {
				ext[t] = append(ext[t], store.OwnedLeaf{Target: t, Path: l.Path.String(), Value: l.Value})
			}
		}
		err := e.st.Record(ctx, store.RecordParams{Service: svc, BaseVersion: c.base.Version, Owned: owned, External: ext, Run: run,
			Event: &store.Event{Type: "run.failed", Service: svc.ID, RunID: run.ID, At: now}})
		if err != nil {
			e.log.Error("record a service left for cleanup", "service", svc.ID, "err", err)
			e.finishJob(ctx, j, store.RunFailed, cause, run.Targets)
			continue
		}
		j.done = true
		e.runsEnded(j.run.ID)
		e.log.Warn("undo incomplete; service left for cleanup", "service", svc.ID, "run", run.ID, "err", cause)
	}
	e.notify()
	e.wakeReconciler()
}

func sortedTargets(ms ...map[string][]config.Leaf) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for t := range m {
			set[t] = true
		}
	}
	return sortedKeys(set)
}

var busyState = map[Op]string{OpCreate: store.StateCreating, OpModify: store.StateModifying, OpDelete: store.StateDeleting, OpRedeploy: store.StateModifying}

// recordBulk records every service of a batch and its run in one store transaction. results
// holds each run's outcome per target (same index as bj.Plans; nil when unknown); runs the
// runs as the engine holds them (same index; nil after a restart: they are read).
func (e *Engine) recordBulk(ctx context.Context, lead string, bj bulkJournal, results [][]store.TargetResult, runs []store.Run) error {
	ps := make([]store.RecordParams, 0, len(bj.Plans))
	for i, jp := range bj.Plans {
		var r store.Run
		var err error
		if i < len(runs) {
			r = runs[i]
		} else {
			r, err = e.st.GetRun(ctx, bj.Runs[i])
		}
		if err != nil {
			// A run journaled by an older version under a bulk run may not exist as a row.
			r = store.Run{ID: bj.Runs[i], Service: jp.Service.ID, Kind: map[bool]string{true: store.RunDelete, false: store.RunModify}[jp.Delete]}
			if !jp.Exists {
				r.Kind = store.RunCreate
			}
		}
		if i < len(results) {
			r.Targets = results[i]
		}
		ps = append(ps, e.recordParams(&r, jp))
	}
	if err := e.st.RecordBatch(ctx, ps); err != nil {
		return fmt.Errorf("engine: record batch of %s: %w", lead, err)
	}
	e.runsEnded(bj.Runs...)
	e.notify()
	return nil
}

// transact applies the change sets as one transaction: prepare everywhere, then commit
// everywhere; any failure rolls every target back.
func (e *Engine) transact(ctx context.Context, m *marks, run store.Run, tps []TargetPlan, req Request) ([]store.TargetResult, error) {
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
	// Every target of the batch is held by it in the per-target order, so preparing them in
	// parallel cannot deadlock with another request.
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
			if err := e.mark(m, run.ID, "prepare:"+tp.Target, "begin"); err != nil {
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
			if err := e.mark(m, run.ID, "prepare:"+tp.Target, "done"); err != nil {
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
	if firstErr == nil {
		// The commit point: from here on the run finishes, also after a crash. A store that
		// cannot take the journal entry is a failure before the commit point: roll back.
		if err := e.step(ctx, m, run.ID, "decide", "done", nil); err != nil {
			if errors.Is(err, errCrash) {
				return results, err
			}
			firstErr = e.storeFailed(err)
		}
	}
	if firstErr != nil {
		var undo []error
		for _, o := range opened {
			if err := o.tx.Rollback(bg); err != nil {
				results[o.i].State, results[o.i].Error = "rollback-failed", err.Error()
				e.log.Error("rollback", "run", run.ID, "target", tps[o.i].Target, "err", err)
				undo = append(undo, err)
			} else if results[o.i].State == "prepared" {
				results[o.i].State = "rolled-back"
			}
		}
		if len(undo) > 0 {
			return results, &UndoError{Err: firstErr, Undo: errors.Join(undo...)}
		}
		return results, firstErr
	}
	var commitErr error
	for _, o := range opened {
		if err := e.mark(m, run.ID, "commit:"+tps[o.i].Target, "begin"); err != nil {
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
		if err := e.mark(m, run.ID, "commit:"+tps[o.i].Target, "done"); err != nil {
			return results, err
		}
	}
	if commitErr != nil {
		// A confirming commit failed after others succeeded. Unconfirmed targets revert by
		// themselves; converge every target back to what the services owned before.
		e.log.Error("commit failed after the commit point; compensating", "run", run.ID, "err", commitErr)
		for _, o := range opened {
			_ = o.tx.Rollback(bg)
		}
		if err := e.revert(bg, run.ID); err != nil {
			return results, &UndoError{Err: commitErr, Undo: err}
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

// UndoError is a failed transaction whose undo did not complete: a target may still hold part
// of the change. The services involved keep owning what they may have left there (with their
// allocations) and are marked for cleanup until the reconciler converges the target.
type UndoError struct {
	Err  error // why the transaction failed
	Undo error // why the undo failed
}

func (e *UndoError) Error() string {
	return fmt.Sprintf("%v; undo incomplete, left for cleanup: %v", e.Err, e.Undo)
}

func (e *UndoError) Unwrap() []error { return []error{e.Err, e.Undo} }

func userOr(u string) string {
	if u == "" {
		return "system"
	}
	return u
}

// waitBackoff waits d (doubling up to max) unless ctx ends first.
func waitBackoff(ctx context.Context, d *time.Duration, max time.Duration) bool {
	t := time.NewTimer(*d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	*d *= 2
	if *d > max {
		*d = max
	}
	return true
}
