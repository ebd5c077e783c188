package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/queue"
	"github.com/xprov/xprov/engine/store"
)

// Errors the engine returns; the REST layer maps them to HTTP statuses.
var (
	ErrUnknownType = errors.New("unknown service type")
	ErrNotFound    = store.ErrNotFound
	ErrStale       = store.ErrStale
	ErrExists      = store.ErrExists
	// ErrPlanChanged means a plan no longer matches what the engine would do now.
	ErrPlanChanged = errors.New("plan changed since it was computed")
	// ErrBadRequest means the request itself is malformed (bad JSON, missing type or id).
	ErrBadRequest = errors.New("bad request")
	// ErrUnknownTarget means a device or its NMS has no adapter configured.
	ErrUnknownTarget = errors.New("unknown target")
	// ErrShutdown means the engine is shutting down and takes no new runs.
	ErrShutdown = errors.New("engine shutting down")
	// ErrStoreUnavailable means the state store refused a write (a full disk, an I/O error);
	// the engine takes no change until a probe write succeeds again.
	ErrStoreUnavailable = errors.New("state store unavailable")
)

// errCrash is what a fault hook turns into: the run stops dead, as if the process died.
var errCrash = errors.New("engine: simulated crash")

// PackInfo describes a pack for listings and forms.
type PackInfo struct {
	Name        string          `json:"name"`
	Version     string          `json:"version"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Vendors     []string        `json:"vendors"`
	Ops         []pack.OpSpec   `json:"ops,omitempty"`
	Schema      json.RawMessage `json:"schema"`
	Form        json.RawMessage `json:"form"`
	// CustomerField is the JSON pointer of the customer id in an intent ("/customer").
	CustomerField string `json:"customer_field,omitempty"`
}

// Pack is what the engine needs of one loaded pack.
type Pack interface {
	Info() PackInfo
	// Validate returns a *pack.ValidationError listing every failing field.
	Validate(intent any) error
	Render(ctx context.Context, in pack.RenderInput) (*pack.Rendered, error)
	// Op returns the command op name asks for on one endpoint of the service in describes
	// (pack.Pack.Op); an op the pack does not offer wraps pack.ErrUnknownOp.
	Op(ctx context.Context, name string, in pack.RenderInput, endpoint int) (pack.OpCommand, error)
	// Endpoints returns the endpoints of the service in describes (pack.Pack.Endpoints).
	Endpoints(ctx context.Context, in pack.RenderInput) ([]pack.Endpoint, error)
}

// Packs is the set of loaded packs.
type Packs interface {
	Pack(name string) (Pack, bool)
	List() []Pack
}

// Options configure an Engine.
type Options struct {
	Store store.Store
	Packs Packs
	// Targets are the southbound targets (devices and NMSs) by name; more can be added with
	// AddTarget.
	Targets []adapters.Target
	Logger  *slog.Logger
	// Fault, when set, is called at every journaled step ("render:begin", "prepare:pe1:done",
	// ...). A non-nil error stops the run dead, as a process crash would (tests only).
	Fault func(step string) error
	// ConfirmTimeoutSeconds bounds confirmed commits (default 120).
	ConfirmTimeoutSeconds int
	// SkipPreexistingCheck turns off fetching the target before creating nodes. With the
	// check on, configuration that was on a device before any service is recorded as external
	// and never removed.
	SkipPreexistingCheck bool
	// Workers bounds batches executing at once (default 8). Batches run in parallel only on
	// disjoint targets.
	Workers int
	// MaxBatch bounds the requests grouped into one batch: one commit per device and one
	// store transaction for all of them (default 500).
	MaxBatch int
	// RunTimeout bounds one batch (default 10 minutes).
	RunTimeout time.Duration
	// StoreProbeInterval is how often a store that refused a write is probed (default 2s).
	StoreProbeInterval time.Duration
	// ReconcileInterval is how often services left for cleanup are looked at (default 15s),
	// and the first wait after a failed attempt; ReconcileMaxBackoff caps the wait (5 min).
	ReconcileInterval   time.Duration
	ReconcileMaxBackoff time.Duration
	// Retention, when set, is applied to the store every RetentionInterval (default 5 min).
	Retention         *store.PruneParams
	RetentionInterval time.Duration
}

// Engine executes requests. It is safe for concurrent use.
type Engine struct {
	o   Options
	st  store.Store
	log *slog.Logger

	mu       sync.Mutex
	targets  map[string]adapters.Target
	cancels  map[string]context.CancelFunc // runs in a batch -> the batch's cancel
	tickets  map[string]*queue.Ticket      // runs in a batch -> their place in the order
	waiting  map[string]*job               // runs waiting for their place in the order
	ended    map[string]*endWait           // runs someone waits for -> closed when they end
	claims   map[string]int                // services with requests being admitted
	changed  chan struct{}                 // closed and replaced whenever a run or event changes
	devCache map[string]adapters.Device
	closing  bool
	storeErr error // set while the store refuses writes
	probing  bool
	// storeFails counts store write failures; a batch that saw one may have left runs the
	// store could not finish (orphans), recovered once the store writes again.
	storeFails int
	orphans    map[string]bool

	// q is the per-target order every change goes through.
	q            *queue.Queue
	stop         chan struct{} // closed by Shutdown
	dispatched   chan struct{} // closed when the dispatcher has returned
	reconcileNow chan struct{}
	wg           sync.WaitGroup
}

// New returns an engine. Call Recover before serving to finish or revert runs a previous
// process left in flight.
func New(o Options) (*Engine, error) {
	if o.Store == nil || o.Packs == nil {
		return nil, fmt.Errorf("engine: Store and Packs are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ConfirmTimeoutSeconds == 0 {
		o.ConfirmTimeoutSeconds = 120
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 500
	}
	if o.RunTimeout == 0 {
		o.RunTimeout = 10 * time.Minute
	}
	if o.StoreProbeInterval <= 0 {
		o.StoreProbeInterval = 2 * time.Second
	}
	if o.ReconcileInterval <= 0 {
		o.ReconcileInterval = 15 * time.Second
	}
	if o.RetentionInterval <= 0 {
		o.RetentionInterval = 5 * time.Minute
	}
	if o.ReconcileMaxBackoff <= 0 {
		o.ReconcileMaxBackoff = 5 * time.Minute
	}
	e := &Engine{
		o: o, st: o.Store, log: o.Logger,
		targets:    map[string]adapters.Target{},
		cancels:    map[string]context.CancelFunc{},
		tickets:    map[string]*queue.Ticket{},
		waiting:    map[string]*job{},
		ended:      map[string]*endWait{},
		claims:     map[string]int{},
		orphans:    map[string]bool{},
		changed:    make(chan struct{}),
		devCache:   map[string]adapters.Device{},
		q:          queue.New(o.MaxBatch),
		stop:       make(chan struct{}),
		dispatched: make(chan struct{}),

		reconcileNow: make(chan struct{}, 1),
	}
	for _, t := range o.Targets {
		e.targets[t.Name()] = t
	}
	go e.dispatch()
	go e.reconcile()
	go e.prune()
	return e, nil
}

// checkOpen refuses new work while shutting down or while the store refuses writes.
func (e *Engine) checkOpen() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing {
		return ErrShutdown
	}
	if e.storeErr != nil {
		return fmt.Errorf("engine: %w: %v", ErrStoreUnavailable, e.storeErr)
	}
	return nil
}

// checkWritable refuses work that writes to the store while it refuses writes.
func (e *Engine) checkWritable() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.storeErr != nil {
		return fmt.Errorf("engine: %w: %v", ErrStoreUnavailable, e.storeErr)
	}
	return nil
}

// Ready reports why the engine cannot take changes now (nil when it can).
func (e *Engine) Ready() error {
	return e.checkOpen()
}

// storeFailed classifies a failed store write. Answers about the data (stale, not found,
// exists, pool exhausted) pass through; anything else means the store cannot write: the
// engine turns unready, refuses changes with ErrStoreUnavailable and probes the store until a
// write succeeds again.
func (e *Engine) storeFailed(err error) error {
	if err == nil {
		return nil
	}
	for _, x := range []error{store.ErrStale, store.ErrNotFound, store.ErrExists, store.ErrPoolExhausted, ErrStoreUnavailable, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, x) {
			return err
		}
	}
	e.mu.Lock()
	e.storeErr = err
	e.storeFails++
	start := !e.probing
	e.probing = true
	e.mu.Unlock()
	e.log.Error("state store refused a write; refusing changes until it writes again", "err", err)
	if start {
		go e.probeStore()
	}
	return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
}

// probeStore writes an event every StoreProbeInterval until one succeeds.
func (e *Engine) probeStore() {
	t := time.NewTicker(e.o.StoreProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			e.mu.Lock()
			e.probing = false
			e.mu.Unlock()
			return
		case <-t.C:
		}
		_, err := e.st.AppendEvent(context.Background(), store.Event{Type: "store.writable", At: time.Now().UTC()})
		if err == nil {
			// Runs the store could not finish go back in the order before anything new is
			// admitted.
			e.mu.Lock()
			ids := make([]string, 0, len(e.orphans))
			for id := range e.orphans {
				ids = append(ids, id)
			}
			e.orphans = map[string]bool{}
			e.mu.Unlock()
			var runs []store.Run
			for _, id := range ids {
				if r, err := e.st.GetRun(context.Background(), id); err == nil && !Finished(r.State) {
					runs = append(runs, r)
				}
			}
			if err := e.recoverRuns(context.Background(), runs); err != nil {
				e.log.Error("recover runs the store could not finish", "err", err)
			}
			e.mu.Lock()
			e.storeErr, e.probing = nil, false
			e.mu.Unlock()
			e.log.Info("state store writes again")
			e.notify()
			return
		}
	}
}

// Idle waits until no request is waiting or running in the order (tests, shutdown, bench).
func (e *Engine) Idle(ctx context.Context) error {
	for {
		ch := e.q.Changed()
		if e.q.Waiting() == 0 && e.q.Running() == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Store returns the engine's store (for reads by the REST layer).
func (e *Engine) Store() store.Store { return e.st }

// AddTarget registers a southbound target under its name.
func (e *Engine) AddTarget(t adapters.Target) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.targets[t.Name()] = t
}

// Target returns a registered target.
func (e *Engine) Target(name string) (adapters.Target, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.targets[name]
	return t, ok
}

// TargetNames lists registered targets, sorted.
func (e *Engine) TargetNames() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.targets))
	for n := range e.targets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Types lists the loaded packs, sorted by name.
func (e *Engine) Types() []PackInfo {
	var out []PackInfo
	for _, p := range e.o.Packs.List() {
		out = append(out, p.Info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Type returns one pack's description.
func (e *Engine) Type(name string) (PackInfo, bool) {
	p, ok := e.o.Packs.Pack(name)
	if !ok {
		return PackInfo{}, false
	}
	return p.Info(), true
}

// notify wakes everyone waiting for a run or event change.
func (e *Engine) notify() {
	e.mu.Lock()
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}

// Changed is closed at the next change of a run or event (then take it again).
func (e *Engine) Changed() <-chan struct{} { return e.changedCh() }

func (e *Engine) changedCh() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.changed
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// emit appends an event to the store and wakes subscribers.
func (e *Engine) emit(ctx context.Context, typ, service, run string, data any) {
	raw, _ := json.Marshal(data)
	if _, err := e.st.AppendEvent(ctx, store.Event{Type: typ, Service: service, RunID: run, Data: raw, At: time.Now().UTC()}); err != nil {
		e.log.Error("append event", "type", typ, "service", service, "err", err)
	}
	e.notify()
}

// Subscribe streams events after seq until ctx ends.
func (e *Engine) Subscribe(ctx context.Context, after int64) <-chan store.Event {
	out := make(chan store.Event, 64)
	go func() {
		defer close(out)
		for {
			ch := e.changedCh()
			evs, err := e.st.EventsAfter(ctx, after, 500)
			if err != nil {
				return
			}
			for _, ev := range evs {
				select {
				case out <- ev:
					after = ev.Seq
				case <-ctx.Done():
					return
				}
			}
			if len(evs) == 500 {
				continue
			}
			select {
			case <-ch:
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
	}()
	return out
}

// Wait blocks until the run is finished (or ctx ends) and returns it.
func (e *Engine) Wait(ctx context.Context, runID string) (store.Run, error) {
	for {
		ch := e.awaitEnd(runID)
		r, err := e.st.GetRun(ctx, runID)
		if err != nil || Finished(r.State) {
			e.forgetEnd(runID, ch)
			return r, err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			e.forgetEnd(runID, ch)
			return r, ctx.Err()
		case <-e.stop:
			e.forgetEnd(runID, ch)
			if r, err := e.st.GetRun(ctx, runID); err == nil && Finished(r.State) {
				return r, nil
			}
			return r, fmt.Errorf("engine: run %s is unfinished: %w", runID, ErrShutdown)
		case <-time.After(2 * time.Second):
			// A run ended by a path that could not say so (its store write failed) is
			// still found.
			e.forgetEnd(runID, ch)
		}
	}
}

// endWait is closed when its run ends; n counts the waiters holding it.
type endWait struct {
	ch chan struct{}
	n  int
}

// awaitEnd returns a channel closed when runID ends (the caller then reads the run once,
// instead of every waiter re-reading its run at every change of any run).
func (e *Engine) awaitEnd(runID string) <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	w := e.ended[runID]
	if w == nil {
		w = &endWait{ch: make(chan struct{})}
		e.ended[runID] = w
	}
	w.n++
	return w.ch
}

// forgetEnd drops one waiter's hold taken by awaitEnd.
func (e *Engine) forgetEnd(runID string, ch <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if w := e.ended[runID]; w != nil && w.ch == ch {
		if w.n--; w.n <= 0 {
			delete(e.ended, runID)
		}
	}
}

// runsEnded lets the order go of runs whose end was just written to the store, then wakes
// their waiters. A run's place in the order is given up at its end, not at its batch's end, so
// a client told its run ended can base its next request on that version at once (the claim
// check would otherwise find the service still held).
func (e *Engine) runsEnded(ids ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ts []*queue.Ticket
	for _, id := range ids {
		if t := e.tickets[id]; t != nil {
			ts = append(ts, t)
		}
	}
	if len(ts) > 0 {
		e.q.Done(ts...)
	}
	for _, id := range ids {
		if w := e.ended[id]; w != nil {
			close(w.ch)
			delete(e.ended, id)
		}
	}
}

// crash stops the engine dead, as a killed process would (a fault hook fired): nothing more
// runs, and waiters are told it shut down.
func (e *Engine) crash() {
	e.mu.Lock()
	already := e.closing
	e.closing = true
	e.mu.Unlock()
	if !already {
		close(e.stop)
	}
}

// Finished reports whether a run state is terminal.
func Finished(state string) bool {
	switch state {
	case store.RunSucceeded, store.RunFailed, store.RunRolledBack, store.RunCancelled:
		return true
	}
	return false
}

// Cancel asks a run to stop. A run that has not reached its commit point rolls back; one past
// it finishes.
func (e *Engine) Cancel(ctx context.Context, runID string) error {
	e.mu.Lock()
	c, ok := e.cancels[runID]
	w, waiting := e.waiting[runID]
	if waiting {
		delete(e.waiting, runID)
	}
	e.mu.Unlock()
	if waiting && e.q.Remove(w.ticket) {
		e.finishJob(context.WithoutCancel(ctx), w, store.RunCancelled, errors.New("cancelled before it started"), nil)
		return nil
	}
	if !ok {
		r, err := e.st.GetRun(ctx, runID)
		if err != nil {
			return err
		}
		if Finished(r.State) {
			return fmt.Errorf("engine: run %s already %s: %w", runID, r.State, ErrBadRequest)
		}
		return fmt.Errorf("engine: run %s is not executing here: %w", runID, ErrNotRunning)
	}
	c()
	return nil
}

// Shutdown stops taking runs and waits for the batches in flight (until ctx ends; batches
// still going then are cancelled, which rolls back those before their commit point). Runs
// still waiting for their place stay pending in the store; the next start recovers them.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	already := e.closing
	e.closing = true
	e.mu.Unlock()
	if !already {
		close(e.stop)
	}
	<-e.dispatched
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		e.mu.Lock()
		for _, c := range e.cancels {
			c()
		}
		e.mu.Unlock()
		<-done
		return ctx.Err()
	}
}
