package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// Scope selects the services an audit covers; its fields combine (a device's services of one
// type). The zero Scope is every service.
type Scope struct {
	Service  string `json:"service,omitempty"`
	Device   string `json:"device,omitempty"`
	Type     string `json:"type,omitempty"`
	Customer string `json:"customer,omitempty"`
	State    string `json:"state,omitempty"`
}

// All reports whether the scope is every service.
func (s Scope) All() bool { return s == Scope{} }

// String describes the scope for logs and the console ("all", "device pe1, type eline").
func (s Scope) String() string {
	if s.All() {
		return "all"
	}
	var parts []string
	for _, kv := range [][2]string{{"service", s.Service}, {"device", s.Device}, {"type", s.Type}, {"customer", s.Customer}, {"state", s.State}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	return strings.Join(parts, ", ")
}

// ErrBadScope means a scope or schedule cannot be used as given.
var ErrBadScope = errors.New("bad audit scope")

// Store is what the auditor needs of the store.
type Store interface {
	Reader
	store.AuditJobs
	ListServices(ctx context.Context, f store.ServiceFilter) ([]store.Service, string, error)
	AppendEvent(ctx context.Context, e store.Event) (int64, error)
}

// Options configure an Auditor.
type Options struct {
	Store  Store
	Target TargetFunc
	// Workers bounds the targets one job reads at once (default 8).
	Workers int
	// Jobs bounds the jobs running at once; more wait (default 2).
	Jobs int
	// Keep is how many finished jobs are kept with their results (default 100).
	Keep int
	// ScheduleTick is how often schedules are looked at (default 30s); negative turns the
	// scheduler off (tests call RunDue).
	ScheduleTick time.Duration
	// ChangeEvery is how often the targets' commit histories are looked at for changes made
	// behind xprov's back (CheckChanges); 0 never.
	ChangeEvery time.Duration
	Logger      *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// resultsPerWrite bounds the results one store transaction writes: a job's results are many,
// and requests write to the same store meanwhile.
const resultsPerWrite = 5000

// Auditor runs audit jobs in the background and starts scheduled ones. It is safe for
// concurrent use.
type Auditor struct {
	o    Options
	slot chan struct{} // one token per job allowed to run

	mu      sync.Mutex
	running map[string]chan struct{} // job id -> closed when it ends
	closed  bool

	ctx    context.Context // ends with Close: running jobs stop
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns an auditor. Jobs a previous process left unfinished are marked failed.
func New(ctx context.Context, o Options) (*Auditor, error) {
	if o.Store == nil || o.Target == nil {
		return nil, errors.New("audit: Store and Target are required")
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Jobs <= 0 {
		o.Jobs = 2
	}
	if o.Keep <= 0 {
		o.Keep = 100
	}
	if o.ScheduleTick == 0 {
		o.ScheduleTick = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &Auditor{o: o, slot: make(chan struct{}, o.Jobs), running: map[string]chan struct{}{}}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	if err := a.failInterrupted(ctx); err != nil {
		return nil, err
	}
	if o.ScheduleTick > 0 {
		a.wg.Add(1)
		go a.schedules()
	}
	if o.ChangeEvery > 0 {
		a.wg.Add(1)
		go a.changes()
	}
	return a, nil
}

// failInterrupted marks jobs left pending or running by a previous process as failed.
func (a *Auditor) failInterrupted(ctx context.Context) error {
	after := ""
	for {
		page, next, err := a.o.Store.ListAuditJobs(ctx, after, store.MaxPageSize)
		if err != nil {
			return fmt.Errorf("audit: jobs left by a previous process: %w", err)
		}
		for _, j := range page {
			if j.State == store.AuditJobPending || j.State == store.AuditJobRunning {
				now := a.o.Now().UTC()
				j.State, j.Error, j.Finished = store.AuditJobFailed, "interrupted: the server stopped before the audit ended", &now
				if err := a.o.Store.UpdateAuditJob(ctx, j); err != nil {
					return fmt.Errorf("audit: fail interrupted job %s: %w", j.ID, err)
				}
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// changes runs CheckChanges every ChangeEvery until Close.
func (a *Auditor) changes() {
	defer a.wg.Done()
	t := time.NewTicker(a.o.ChangeEvery)
	defer t.Stop()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-t.C:
		}
		if ch, err := a.CheckChanges(a.ctx); err != nil && a.ctx.Err() == nil {
			a.o.Logger.Error("check for changes behind xprov's back", "err", err)
		} else {
			for _, ts := range ch {
				a.o.Logger.Warn("target changed behind xprov's back", "target", ts.Target, "detail", ts.Detail)
			}
		}
	}
}

// Jobs is the store the auditor keeps its jobs, results and schedules in.
func (a *Auditor) Jobs() store.AuditJobs { return a.o.Store }

// Close stops the scheduler and the running jobs (they end failed) and waits for them.
func (a *Auditor) Close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.cancel()
	a.wg.Wait()
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Start records a job auditing scope and runs it in the background; the job is returned
// pending. Follow it with Wait or the store.
func (a *Auditor) Start(ctx context.Context, scope Scope, user string) (store.AuditJob, error) {
	return a.start(ctx, scope, user, "")
}

func (a *Auditor) start(ctx context.Context, scope Scope, user, schedule string) (store.AuditJob, error) {
	raw, err := json.Marshal(scope)
	if err != nil {
		return store.AuditJob{}, fmt.Errorf("audit: scope: %w", err)
	}
	j := store.AuditJob{ID: newID("audit-"), Scope: raw, Schedule: schedule, State: store.AuditJobPending, User: user, Created: a.o.Now().UTC()}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return store.AuditJob{}, errors.New("audit: the auditor is closed")
	}
	done := make(chan struct{})
	a.running[j.ID] = done
	a.wg.Add(1)
	a.mu.Unlock()
	if err := a.o.Store.CreateAuditJob(ctx, j); err != nil {
		a.mu.Lock()
		delete(a.running, j.ID)
		a.mu.Unlock()
		a.wg.Done()
		return store.AuditJob{}, fmt.Errorf("audit: start %s: %w", scope, err)
	}
	go func() {
		defer a.wg.Done()
		defer func() {
			a.mu.Lock()
			delete(a.running, j.ID)
			a.mu.Unlock()
			close(done)
		}()
		select {
		case a.slot <- struct{}{}:
		case <-a.ctx.Done():
			a.finish(j, a.ctx.Err())
			return
		}
		defer func() { <-a.slot }()
		res, err := a.execute(a.ctx, j, scope)
		a.finish(res, err)
	}()
	return j, nil
}

// Wait blocks until job id ends (or ctx does) and returns it.
func (a *Auditor) Wait(ctx context.Context, id string) (store.AuditJob, error) {
	a.mu.Lock()
	done := a.running[id]
	a.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return store.AuditJob{}, ctx.Err()
		}
	}
	j, err := a.o.Store.GetAuditJob(ctx, id)
	if err != nil {
		return store.AuditJob{}, fmt.Errorf("audit: %w", err)
	}
	return j, nil
}

// Run audits scope now and returns the finished job.
func (a *Auditor) Run(ctx context.Context, scope Scope, user string) (store.AuditJob, error) {
	j, err := a.Start(ctx, scope, user)
	if err != nil {
		return j, err
	}
	return a.Wait(ctx, j.ID)
}

// finish records a job's end: done with its counters, or failed with err.
func (a *Auditor) finish(j store.AuditJob, err error) {
	ctx := context.WithoutCancel(a.ctx)
	now := a.o.Now().UTC()
	j.Finished = &now
	j.State = store.AuditJobDone
	if err != nil {
		j.State, j.Error = store.AuditJobFailed, err.Error()
		a.o.Logger.Error("audit job failed", "job", j.ID, "err", err)
	}
	if err := a.o.Store.UpdateAuditJob(ctx, j); err != nil {
		a.o.Logger.Error("record audit job end", "job", j.ID, "err", err)
	}
	data, _ := json.Marshal(map[string]any{"job": j.ID, "state": j.State, "services": j.Services, "in_sync": j.InSync,
		"drifted": j.Drifted, "unknown": j.Unknown})
	if _, err := a.o.Store.AppendEvent(ctx, store.Event{Type: "audit.job." + j.State, Data: data, At: now}); err != nil {
		a.o.Logger.Error("audit job event", "job", j.ID, "err", err)
	}
	if _, err := a.o.Store.PruneAuditJobs(ctx, a.o.Keep); err != nil {
		a.o.Logger.Error("prune audit jobs", "err", err)
	}
}

// result is one service's audit as the job builds it, target by target, with the version and
// state of the service when what it owns was read (version -1 when its sets on different
// targets were read at different versions).
type result struct {
	parts   []TargetDrift
	version int64
	state   string
}

// execute runs a job: resolve the sets, read every target once (Workers at once), compare,
// look again at the services found drifted, record the results.
func (a *Auditor) execute(ctx context.Context, j store.AuditJob, scope Scope) (store.AuditJob, error) {
	st := a.o.Store
	started := a.o.Now().UTC()
	j.State, j.Started = store.AuditJobRunning, &started
	if err := st.UpdateAuditJob(ctx, j); err != nil {
		return j, fmt.Errorf("audit: job %s: %w", j.ID, err)
	}
	// The sets per target: loaded target by target for every service (memory stays that of
	// one target per worker), up front for a smaller scope.
	var targets []string
	var given map[string][]store.OwnedSet
	if scope.All() {
		var err error
		if targets, err = st.OwnedTargets(ctx); err != nil {
			return j, fmt.Errorf("audit: job %s: %w", j.ID, err)
		}
	} else {
		ids, err := a.services(ctx, scope)
		if err != nil {
			return j, err
		}
		sets, err := st.OwnedSetsOf(ctx, ids)
		if err != nil {
			return j, fmt.Errorf("audit: job %s: %w", j.ID, err)
		}
		given = map[string][]store.OwnedSet{}
		for _, s := range sets {
			given[s.Target] = append(given[s.Target], s)
		}
		for t := range given {
			targets = append(targets, t)
		}
		sort.Strings(targets)
	}

	var mu sync.Mutex
	results := map[string]*result{}
	failed := map[string]bool{}
	servicesOn := map[string]int64{}
	readErr := map[string]string{}
	var firstErr error
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < min(a.o.Workers, max(len(targets), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				sets := given[t]
				if given == nil {
					err := st.OwnedSetsOn(ctx, t, func(s store.OwnedSet) error { sets = append(sets, s); return nil })
					if err != nil {
						mu.Lock()
						firstErr = cmpOr(firstErr, fmt.Errorf("audit: job %s: %w", j.ID, err))
						mu.Unlock()
						continue
					}
				}
				drift, err := checkTarget(ctx, st, a.o.Target, t, sets)
				mu.Lock()
				if err != nil {
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
					continue
				}
				servicesOn[t] = int64(len(sets))
				for _, s := range sets {
					r := results[s.Service]
					if r == nil {
						r = &result{version: s.Version, state: s.State}
						results[s.Service] = r
					} else if r.version != s.Version || busy(s.State) {
						// Its sets on two targets were read at two versions: the service
						// changed during the pass, and recheck audits it again.
						r.version = -1
					}
					if d := drift[s.Service]; d != nil {
						r.parts = append(r.parts, *d)
						if d.Error != "" {
							failed[t], readErr[t] = true, d.Error
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, t := range targets {
		select {
		case work <- t:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return j, firstErr
	}

	reports := make(map[string]*Report, len(results))
	var again []string
	for id, r := range results {
		rep := report(id, r.parts)
		reports[id] = rep
		if rep.Status == store.AuditDrifted {
			again = append(again, id)
		}
	}
	if err := a.recheck(ctx, again, results, reports); err != nil {
		return j, fmt.Errorf("audit: job %s: %w", j.ID, err)
	}

	ids := make([]string, 0, len(reports))
	for id := range reports {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	j.Services, j.InSync, j.Drifted, j.Unknown = 0, 0, 0, 0
	j.Targets = int64(len(targets))
	for _, f := range failed {
		if f {
			j.Unreachable++
		}
	}
	batch := make([]store.AuditServiceResult, 0, min(len(ids), resultsPerWrite))
	at := a.o.Now().UTC()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := st.PutAuditResults(ctx, j.ID, j.User, at, batch); err != nil {
			return fmt.Errorf("audit: job %s: %w", j.ID, err)
		}
		batch = batch[:0]
		return nil
	}
	for _, id := range ids {
		rep := reports[id]
		res := store.AuditServiceResult{Service: id, Status: rep.Status}
		if len(rep.Drift) > 0 {
			raw, err := json.Marshal(rep.Drift)
			if err != nil {
				return j, fmt.Errorf("audit: job %s: drift of %s: %w", j.ID, id, err)
			}
			res.Drift = raw
		}
		j.Services++
		switch rep.Status {
		case store.AuditInSync:
			j.InSync++
		case store.AuditDrifted:
			j.Drifted++
		default:
			j.Unknown++
		}
		if batch = append(batch, res); len(batch) == resultsPerWrite {
			if err := flush(); err != nil {
				return j, err
			}
		}
	}
	if err := flush(); err != nil {
		return j, err
	}
	// Each target's state, from the services' final reports.
	drifted := map[string]int64{}
	for _, rep := range reports {
		for _, d := range rep.Drift {
			if d.drifted() {
				drifted[d.Target]++
			}
		}
	}
	// A target is found in sync only by an audit of every service on it (everything, or the
	// device itself); a narrower one can only find it out of sync or unreadable.
	deviceOnly := scope.Device != "" && (scope == Scope{Device: scope.Device})
	syncs := make([]store.TargetSync, 0, len(targets))
	for _, t := range targets {
		ts := store.TargetSync{Target: t, State: store.SyncInSync, Services: servicesOn[t], Drifted: drifted[t], Job: j.ID, At: at}
		switch {
		case failed[t]:
			ts.State, ts.Error = store.SyncUnknown, readErr[t]
		case drifted[t] > 0:
			ts.State = store.SyncOutOfSync
		case !scope.All() && !(deviceOnly && t == scope.Device):
			continue
		}
		syncs = append(syncs, ts)
	}
	if err := st.PutTargetSync(ctx, syncs); err != nil {
		return j, fmt.Errorf("audit: job %s: %w", j.ID, err)
	}
	return j, nil
}

// recheck looks again at the services found drifted (Workers at once, see confirm): a request
// recorded between the read of what they own and the read of their targets must not show as
// drift. A service deleted meanwhile is dropped.
func (a *Auditor) recheck(ctx context.Context, ids []string, snap map[string]*result, reports map[string]*Report) error {
	sort.Strings(ids)
	var mu sync.Mutex
	var firstErr error
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < min(a.o.Workers, len(ids)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				mu.Lock()
				first, was := reports[id], snap[id]
				mu.Unlock()
				rep, err := a.confirm(ctx, id, was, first)
				mu.Lock()
				switch {
				case errors.Is(err, store.ErrNotFound):
					delete(reports, id)
				case err != nil:
					firstErr = cmpOr(firstErr, err)
				default:
					reports[id] = rep
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		select {
		case work <- id:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// confirm is recheck's look at one service: a service at the version and out of flight as
// when its set was read, whose drift holds no extra node, keeps its report (what it owns did
// not change, and a request of another service neither removes nor changes a node it owns);
// any other is audited again on its own (Check, which confirms extra nodes by a second look).
func (a *Auditor) confirm(ctx context.Context, id string, was *result, first *Report) (*Report, error) {
	cur, err := a.o.Store.GetService(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("audit: service %s: %w", id, err)
	}
	if cur.Version != was.version || busy(cur.State) || busy(was.state) || hasExtra(first) {
		return Check(ctx, a.o.Store, a.o.Target, id)
	}
	return first, nil
}

// services lists the ids a (not all) scope selects.
func (a *Auditor) services(ctx context.Context, scope Scope) ([]string, error) {
	if scope.Service != "" {
		s, err := a.o.Store.GetService(ctx, scope.Service)
		if err != nil {
			return nil, fmt.Errorf("audit: service %s: %w", scope.Service, err)
		}
		for _, f := range [][2]string{{scope.Type, s.Type}, {scope.Customer, s.Customer}, {scope.State, s.State}} {
			if f[0] != "" && f[0] != f[1] {
				return nil, nil
			}
		}
		return []string{s.ID}, nil
	}
	seen := map[string]bool{}
	var ids []string
	f := store.ServiceFilter{Type: scope.Type, Customer: scope.Customer, State: scope.State, Device: scope.Device, Limit: store.MaxPageSize}
	for {
		page, next, err := a.o.Store.ListServices(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("audit: services of %s: %w", scope, err)
		}
		for _, s := range page {
			if !seen[s.ID] {
				seen[s.ID] = true
				ids = append(ids, s.ID)
			}
		}
		if next == "" {
			break
		}
		f.After = next
	}
	// A device reached directly is a target: services with configuration on it but no
	// endpoint there (a route reflector) are its services too.
	if scope.Device != "" && scope.Type == "" && scope.Customer == "" && scope.State == "" {
		err := a.o.Store.OwnedSetsOn(ctx, scope.Device, func(s store.OwnedSet) error {
			if !seen[s.Service] {
				seen[s.Service] = true
				ids = append(ids, s.Service)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("audit: services on %s: %w", scope.Device, err)
		}
	}
	return ids, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
