// Package memory is an in-memory adapters.Target: a device whose configuration is a set of
// leaves, with a candidate/running split (like Junos) or direct application (like SAM), a
// lock, failure injection, and a way to lose every session (what a process crash does). The
// engine's tests run against it; it passes the same conformance suite as the real adapters.
package memory

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
)

// Options configure a device.
type Options struct {
	Name string
	// Direct applies changes at Prepare (SAM-like, survives a lost session); otherwise changes
	// sit in a candidate until Commit and vanish when sessions are lost (Junos-like).
	Direct  bool
	Devices []adapters.Device
	// Validate, when set, checks the whole resulting configuration at Prepare; an error
	// rejects the change.
	Validate func(leaves []config.Leaf) error
}

// Device is an in-memory target.
type Device struct {
	opts Options
	lock chan struct{} // one token: the configuration lock

	mu       sync.Mutex
	running  map[string]config.Leaf
	failNext map[string]error // op -> error for the next call of that op
	commits  int
	prepared int
	open     *tx
}

var _ adapters.Target = (*Device)(nil)

// New returns an empty device.
func New(o Options) *Device {
	d := &Device{opts: o, lock: make(chan struct{}, 1), running: map[string]config.Leaf{}, failNext: map[string]error{}}
	d.lock <- struct{}{}
	return d
}

// Name implements adapters.Target.
func (d *Device) Name() string { return d.opts.Name }

// FailNext makes the next call of op ("prepare", "commit", "rollback", "fetch", "begin") fail
// with a device error carrying msg.
func (d *Device) FailNext(op, msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failNext[op] = errors.New(msg)
}

func (d *Device) injected(op string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err, ok := d.failNext[op]; ok {
		delete(d.failNext, op)
		sentinel := adapters.ErrRejected
		if op == "begin" || op == "fetch" {
			sentinel = adapters.ErrUnreachable
		}
		return &adapters.Error{Target: d.opts.Name, Op: op, Msg: err.Error(), Err: sentinel}
	}
	return nil
}

// Seed puts leaves on the device behind everyone's back (pre-existing config, drift).
func (d *Device) Seed(leaves ...config.Leaf) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range leaves {
		d.running[l.Path.String()] = l
	}
}

// Remove deletes a node and its subtree behind everyone's back (drift).
func (d *Device) Remove(p config.Path) {
	d.mu.Lock()
	defer d.mu.Unlock()
	removeSubtree(d.running, p.String())
}

// Leaves returns the running configuration, sorted.
func (d *Device) Leaves() []config.Leaf {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]config.Leaf, 0, len(d.running))
	for _, l := range d.running {
		out = append(out, l)
	}
	config.SortLeaves(out)
	return out
}

// Commits returns how many commits the device has taken.
func (d *Device) Commits() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.commits
}

// LoseSessions ends every open transaction the way a dropped connection does: a candidate
// is discarded (Junos also reverts an unconfirmed confirmed-commit), a Direct device keeps
// what was applied. The lock is released.
func (d *Device) LoseSessions() {
	d.mu.Lock()
	tx := d.open
	d.open = nil
	d.mu.Unlock()
	if tx != nil {
		tx.lost()
	}
}

// Begin implements adapters.Target.
func (d *Device) Begin(ctx context.Context) (adapters.Tx, error) {
	if err := d.injected("begin"); err != nil {
		return nil, err
	}
	select {
	case <-d.lock:
	case <-ctx.Done():
		return nil, &adapters.Error{Target: d.opts.Name, Op: "begin", Msg: "waiting for the configuration lock", Err: ctx.Err()}
	}
	tx := &tx{d: d}
	d.mu.Lock()
	d.open = tx
	d.mu.Unlock()
	return tx, nil
}

type tx struct {
	d        *Device
	mu       sync.Mutex
	done     bool
	prepared bool
	before   map[string]config.Leaf // running before a Direct/confirmed apply
	cand     map[string]config.Leaf
}

func (t *tx) finish() {
	t.done = true
	t.d.mu.Lock()
	if t.d.open == t {
		t.d.open = nil
	}
	t.d.mu.Unlock()
	t.d.lock <- struct{}{}
}

// lost is called when sessions are lost: a Direct device keeps the applied change, a candidate
// device reverts (as Junos reverts an unconfirmed commit when the session closes).
func (t *tx) lost() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return
	}
	if t.prepared && !t.d.opts.Direct && t.before != nil {
		t.d.mu.Lock()
		t.d.running = t.before
		t.d.mu.Unlock()
	}
	t.finish()
}

func (t *tx) Prepare(ctx context.Context, cs config.ChangeSet, opts adapters.PrepareOptions) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return fmt.Errorf("memory: %s: prepare on a finished transaction", t.d.opts.Name)
	}
	if err := t.d.injected("prepare"); err != nil {
		return err
	}
	t.d.mu.Lock()
	next := make(map[string]config.Leaf, len(t.d.running))
	for k, v := range t.d.running {
		next[k] = v
	}
	t.d.mu.Unlock()
	for _, c := range cs.Changes {
		k := c.Path.String()
		switch c.Op {
		case config.Create, config.Update:
			// Ancestors exist implicitly (a node with descendants), as on a device that
			// creates containers with their contents and removes them when empty.
			next[k] = config.Leaf{Path: c.Path, Value: c.Value}
		case config.Delete:
			removeSubtree(next, k)
		default:
			return &adapters.Error{Target: t.d.opts.Name, Op: "prepare", Path: k, Msg: "unknown operation " + string(c.Op), Err: adapters.ErrRejected}
		}
	}
	if t.d.opts.Validate != nil {
		ls := make([]config.Leaf, 0, len(next))
		for _, l := range next {
			ls = append(ls, l)
		}
		config.SortLeaves(ls)
		if err := t.d.opts.Validate(ls); err != nil {
			return &adapters.Error{Target: t.d.opts.Name, Op: "prepare", Msg: err.Error(), Err: adapters.ErrRejected}
		}
	}
	// Both modes make the change visible now: Direct for good, candidate mode as a confirmed
	// commit that reverts unless confirmed.
	t.d.mu.Lock()
	t.before = t.d.running
	t.d.running = next
	t.d.prepared++
	t.d.mu.Unlock()
	t.prepared = true
	return nil
}

func (t *tx) Commit(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return fmt.Errorf("memory: %s: commit on a finished transaction", t.d.opts.Name)
	}
	if err := t.d.injected("commit"); err != nil {
		return err
	}
	t.d.mu.Lock()
	t.d.commits++
	t.d.mu.Unlock()
	t.finish()
	return nil
}

func (t *tx) Rollback(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil
	}
	if err := t.d.injected("rollback"); err != nil {
		t.finish()
		return &adapters.Error{Target: t.d.opts.Name, Op: "rollback", Msg: err.Error(), Err: adapters.ErrRollbackFailed}
	}
	if t.prepared && t.before != nil {
		t.d.mu.Lock()
		t.d.running = t.before
		t.d.mu.Unlock()
	}
	t.finish()
	return nil
}

// Fetch implements adapters.Target.
func (d *Device) Fetch(ctx context.Context, paths []config.Path) ([]config.Leaf, error) {
	if err := d.injected("fetch"); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := map[string]bool{}
	var out []config.Leaf
	for _, p := range paths {
		ps := p.String()
		for k, l := range d.running {
			if seen[k] {
				continue
			}
			if len(p) == 0 || k == ps || strings.HasPrefix(k, ps+"/") {
				seen[k] = true
				out = append(out, l)
			}
		}
	}
	config.SortLeaves(out)
	return out, nil
}

// Discover implements adapters.Target.
func (d *Device) Discover(ctx context.Context) ([]adapters.Device, error) {
	return append([]adapters.Device(nil), d.opts.Devices...), nil
}

// Op implements adapters.Target: "show configuration" lists the running leaves.
func (d *Device) Op(ctx context.Context, device, command string) (adapters.OpResult, error) {
	found := false
	for _, dv := range d.opts.Devices {
		found = found || dv.Name == device
	}
	if !found {
		return adapters.OpResult{}, &adapters.Error{Target: d.opts.Name, Op: "op", Msg: "unknown device " + device, Err: adapters.ErrRejected}
	}
	if command != "show configuration" {
		return adapters.OpResult{}, &adapters.Error{Target: d.opts.Name, Op: "op", Msg: "unknown command " + command, Err: adapters.ErrRejected}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# running configuration of %s\n", device)
	for _, l := range d.Leaves() {
		fmt.Fprintf(&b, "%s %s\n", l.Path, l.Value)
	}
	return adapters.OpResult{Text: b.String()}, nil
}

// Render implements adapters.Target with one line per change.
func (d *Device) Render(cs config.ChangeSet) (adapters.Rendering, error) {
	return adapters.Rendering{Format: "text", Text: RenderText(cs)}, nil
}

// RenderText renders a change set as "create PATH = VALUE" / "update PATH = NEW (was OLD)" /
// "delete PATH" lines.
func RenderText(cs config.ChangeSet) string {
	var b strings.Builder
	for _, c := range cs.Changes {
		switch c.Op {
		case config.Create:
			fmt.Fprintf(&b, "create %s", c.Path)
			if c.Value != "" {
				fmt.Fprintf(&b, " = %s", c.Value)
			}
		case config.Update:
			fmt.Fprintf(&b, "update %s = %s (was %s)", c.Path, c.Value, c.Old)
		case config.Delete:
			fmt.Fprintf(&b, "delete %s", c.Path)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Close implements adapters.Target.
func (d *Device) Close() error { return nil }

func removeSubtree(m map[string]config.Leaf, k string) {
	delete(m, k)
	prefix := k + "/"
	keys := make([]string, 0)
	for kk := range m {
		if strings.HasPrefix(kk, prefix) {
			keys = append(keys, kk)
		}
	}
	sort.Strings(keys)
	for _, kk := range keys {
		delete(m, kk)
	}
}
