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
	// Workers bounds runs executing at once (default 8).
	Workers int
	// RunTimeout bounds one run (default 10 minutes).
	RunTimeout time.Duration
}

// Engine executes requests. It is safe for concurrent use.
type Engine struct {
	o   Options
	st  store.Store
	log *slog.Logger

	mu       sync.Mutex
	targets  map[string]adapters.Target
	locks    map[string]*svcLock
	cancels  map[string]context.CancelFunc
	changed  chan struct{} // closed and replaced whenever a run or event changes
	devCache map[string]adapters.Device
	closing  bool

	sem chan struct{}
	wg  sync.WaitGroup
}

type svcLock struct {
	ch   chan struct{}
	refs int
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
	if o.RunTimeout == 0 {
		o.RunTimeout = 10 * time.Minute
	}
	e := &Engine{
		o: o, st: o.Store, log: o.Logger,
		targets:  map[string]adapters.Target{},
		locks:    map[string]*svcLock{},
		cancels:  map[string]context.CancelFunc{},
		changed:  make(chan struct{}),
		devCache: map[string]adapters.Device{},
		sem:      make(chan struct{}, o.Workers),
	}
	for _, t := range o.Targets {
		e.targets[t.Name()] = t
	}
	return e, nil
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

func (e *Engine) changedCh() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.changed
}

// lockService serializes runs on one service.
func (e *Engine) lockService(ctx context.Context, id string) (func(), error) {
	e.mu.Lock()
	l, ok := e.locks[id]
	if !ok {
		l = &svcLock{ch: make(chan struct{}, 1)}
		l.ch <- struct{}{}
		e.locks[id] = l
	}
	l.refs++
	e.mu.Unlock()
	release := func() {
		e.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(e.locks, id)
		}
		e.mu.Unlock()
	}
	select {
	case <-l.ch:
		return func() { l.ch <- struct{}{}; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
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
		ch := e.changedCh()
		r, err := e.st.GetRun(ctx, runID)
		if err != nil {
			return r, err
		}
		if Finished(r.State) {
			return r, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(2 * time.Second):
		}
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
	e.mu.Unlock()
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

// Shutdown stops taking runs and waits for runs in flight (until ctx ends; runs still going
// then are cancelled, which rolls back those before their commit point).
func (e *Engine) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.closing = true
	e.mu.Unlock()
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
