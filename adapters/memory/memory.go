// Package memory is an in-memory adapters.Target: a device whose configuration is a set of
// leaves, with a candidate/running split (like Junos) or direct application (like SAM), a
// lock, failure injection, and a way to lose every session (what a process crash does). The
// engine's tests run against it; it passes the same conformance suite as the real adapters.
package memory

import (
	"context"
	"errors"
	"fmt"
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
	running  tree
	failNext map[string]error // op -> error for the next call of that op
	commits  int
	prepared int
	open     *tx
}

var _ adapters.Target = (*Device)(nil)

// New returns an empty device.
func New(o Options) *Device {
	d := &Device{opts: o, lock: make(chan struct{}, 1), failNext: map[string]error{}}
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
		d.running.set(l)
	}
}

// Remove deletes a node and its subtree behind everyone's back (drift).
func (d *Device) Remove(p config.Path) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.running.removeSubtree(p)
}

// Leaves returns the running configuration, sorted.
func (d *Device) Leaves() []config.Leaf {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]config.Leaf, 0, d.running.n)
	d.running.root.collect(&out)
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
	undo     []undo // what Prepare changed, to put back in reverse order
}

// undo is one change Prepare made to the running configuration: the leaf set at path (with
// the one it replaced, if any) or the leaves a delete removed.
type undo struct {
	path    config.Path
	prev    *config.Leaf
	removed []config.Leaf
}

// revert puts back what Prepare changed (the caller holds t.d.mu).
func (t *tx) revert() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		u := t.undo[i]
		switch {
		case u.removed != nil:
			for _, l := range u.removed {
				t.d.running.set(l)
			}
		case u.prev != nil:
			t.d.running.set(*u.prev)
		default:
			t.d.running.unset(u.path)
		}
	}
	t.undo = nil
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
	if t.prepared && !t.d.opts.Direct {
		t.d.mu.Lock()
		t.revert()
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
	// Both modes make the change visible now: Direct for good, candidate mode as a confirmed
	// commit that reverts unless confirmed. What it changes is logged to be put back.
	t.d.mu.Lock()
	defer t.d.mu.Unlock()
	for _, c := range cs.Changes {
		switch c.Op {
		case config.Create, config.Update:
			// Ancestors exist implicitly (a node with descendants), as on a device that
			// creates containers with their contents and removes them when empty.
			prev := t.d.running.set(config.Leaf{Path: c.Path, Value: c.Value})
			t.undo = append(t.undo, undo{path: c.Path, prev: prev})
		case config.Delete:
			t.undo = append(t.undo, undo{path: c.Path, removed: t.d.running.removeSubtree(c.Path)})
		default:
			t.revert()
			return &adapters.Error{Target: t.d.opts.Name, Op: "prepare", Path: c.Path.String(), Msg: "unknown operation " + string(c.Op), Err: adapters.ErrRejected}
		}
	}
	if t.d.opts.Validate != nil {
		ls := make([]config.Leaf, 0, t.d.running.n)
		t.d.running.root.collect(&ls)
		config.SortLeaves(ls)
		if err := t.d.opts.Validate(ls); err != nil {
			t.revert()
			return &adapters.Error{Target: t.d.opts.Name, Op: "prepare", Msg: err.Error(), Err: adapters.ErrRejected}
		}
	}
	t.d.prepared++
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
	if t.prepared {
		t.d.mu.Lock()
		t.revert()
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
	var out []config.Leaf
	for i, p := range paths {
		if len(p) == 0 {
			out = out[:0]
			d.running.root.collect(&out)
			break
		}
		covered := false
		for j, q := range paths {
			if j != i && len(q) < len(p) && p.HasPrefix(q) || j < i && len(q) == len(p) && p.HasPrefix(q) {
				covered = true // read with q
				break
			}
		}
		if !covered {
			d.running.below(p, &out)
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
