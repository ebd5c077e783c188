package sam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/sam/samo"
	"github.com/xprov/xprov/adapters/xmltree"
)

// Begin starts a transaction. Transactions on one target are serialized: SAM has no
// candidate, so two interleaved undo lists could not be trusted.
func (t *Target) Begin(ctx context.Context) (adapters.Tx, error) {
	select {
	case t.sem <- struct{}{}:
		return &tx{t: t}, nil
	case <-ctx.Done():
		return nil, &adapters.Error{Target: t.opts.Name, Op: "begin", Msg: "waiting for the transaction in progress", Err: ctx.Err()}
	}
}

// undoStep reverses one applied operation.
type undoStep struct {
	what string // what the forward step did, for reports
	left string // what stays on the network if the undo fails
	// uncertain marks a step whose forward request timed out: its undo tolerates finding
	// nothing to undo.
	uncertain bool
	run       func(ctx context.Context) error
}

type tx struct {
	t    *Target
	mu   sync.Mutex
	undo []undoStep
	done bool
}

// Prepare applies the change set object by object, recording how to undo each step. When a
// step fails, the steps of this Prepare are undone at once (so a rejected change leaves
// nothing) and the error names the object and carries SAM's message.
func (x *tx) Prepare(ctx context.Context, cs config.ChangeSet, _ adapters.PrepareOptions) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.t
	if x.done {
		return &adapters.Error{Target: t.opts.Name, Op: "prepare", Msg: "transaction already ended", Err: errors.New("sam: transaction ended")}
	}
	ops, err := plan(cs)
	if err != nil {
		path, msg := errorAt(err)
		return &adapters.Error{Target: t.opts.Name, Op: "prepare", Path: path, Msg: msg + "; nothing of this change set was applied", Err: adapters.ErrRejected}
	}
	mark := len(x.undo)
	for _, o := range ops {
		if err := x.apply(ctx, o); err != nil {
			steps := len(x.undo) - mark
			var ae *adapters.Error
			if uerr := x.undoFrom(ctx, mark); uerr != nil {
				if errors.As(err, &ae) {
					ae.Err = fmt.Errorf("%w; %w", ae.Err, uerr)
				}
				return err
			}
			if errors.As(err, &ae) {
				switch {
				case steps == 0:
					ae.Msg += "; nothing of this change set was applied"
				case errors.Is(err, adapters.ErrPossiblyApplied):
					ae.Msg += fmt.Sprintf("; xprov undid the %d change(s) of this prepare, that one included, so nothing of it is left", steps)
				default:
					ae.Msg += fmt.Sprintf("; xprov undid the %d change(s) this prepare had made, so nothing of it is left", steps)
				}
			}
			return err
		}
	}
	return nil
}

// apply runs one op and records its undo. A write that may have been applied records an
// uncertain undo before returning its error.
func (x *tx) apply(ctx context.Context, o planOp) error {
	t := x.t
	switch o.kind {
	case opDelete:
		snap, err := t.snapshot(ctx, o.ref)
		if err != nil {
			return err
		}
		if snap == nil {
			return nil // already gone: deleting is idempotent for the engine's purpose
		}
		err = t.write(ctx, o)
		if err != nil && !errors.Is(err, adapters.ErrPossiblyApplied) {
			return err
		}
		x.undo = append(x.undo, undoStep{
			what:      "deleted " + o.display(),
			left:      fmt.Sprintf("%s (%s) is deleted; it should exist with %s", o.display(), o.ref.fdn, propsText(snap.props)),
			uncertain: err != nil,
			run: func(ctx context.Context) error {
				return t.recreate(ctx, o.ref, snap)
			},
		})
		return err
	case opCreate:
		if !o.parentCreated {
			cur, err := t.current(ctx, o.ref)
			if err != nil {
				return err
			}
			if cur != nil {
				// A shared object (a service with sites of other services): adopt it and set
				// what differs, never delete it on undo.
				diff := map[string]string{}
				for k, v := range o.props {
					if cur[k] != v {
						diff[k] = v
					}
				}
				if len(diff) == 0 {
					return nil
				}
				return x.apply(ctx, planOp{kind: opModify, ref: o.ref, props: diff})
			}
		}
		err := t.write(ctx, o)
		if err != nil && !errors.Is(err, adapters.ErrPossiblyApplied) {
			return err
		}
		x.undo = append(x.undo, undoStep{
			what:      "created " + o.display(),
			left:      fmt.Sprintf("%s (%s) was created and is still there", o.display(), o.ref.fdn),
			uncertain: err != nil,
			run: func(ctx context.Context) error {
				return t.write(ctx, planOp{kind: opDelete, ref: o.ref})
			},
		})
		return err
	default:
		cur, err := t.current(ctx, o.ref)
		if err != nil {
			return err
		}
		if cur == nil {
			return &adapters.Error{Target: t.opts.Name, Op: "prepare", Path: o.display(),
				Msg: fmt.Sprintf("object %s does not exist", o.ref.fdn), Err: adapters.ErrRejected}
		}
		old := map[string]string{}
		for k := range o.props {
			old[k] = cur[k]
		}
		err = t.write(ctx, o)
		if err != nil && !errors.Is(err, adapters.ErrPossiblyApplied) {
			return err
		}
		x.undo = append(x.undo, undoStep{
			what:      "modified " + o.display() + " " + propsText(o.props),
			left:      fmt.Sprintf("%s (%s) keeps %s; it should have %s", o.display(), o.ref.fdn, propsText(o.props), propsText(old)),
			uncertain: err != nil,
			run: func(ctx context.Context) error {
				return t.write(ctx, planOp{kind: opModify, ref: o.ref, props: old})
			},
		})
		return err
	}
}

// undoFrom undoes the steps from index mark on, last first. Every step is attempted; those
// that fail stay in the list and are reported.
func (x *tx) undoFrom(ctx context.Context, mark int) error {
	var failed []undoStep
	var msgs []string
	for i := len(x.undo) - 1; i >= mark; i-- {
		s := x.undo[i]
		err := s.run(ctx)
		if err != nil && s.uncertain && isNotFoundOrExists(err) {
			err = nil
		}
		if err != nil {
			failed = append(failed, s)
			msgs = append(msgs, fmt.Sprintf("%s (undo failed: %v)", s.left, err))
		}
	}
	x.undo = x.undo[:mark]
	if len(failed) == 0 {
		return nil
	}
	// Keep the failed steps, in their original order, for a later Rollback.
	for i := len(failed) - 1; i >= 0; i-- {
		x.undo = append(x.undo, failed[i])
	}
	return fmt.Errorf("%w: left on %s: %s", adapters.ErrRollbackFailed, x.t.opts.Name, strings.Join(msgs, "; "))
}

func isNotFoundOrExists(err error) bool {
	var ae *adapters.Error
	if !errors.As(err, &ae) || !errors.Is(err, adapters.ErrRejected) {
		return false
	}
	m := strings.ToLower(ae.Msg)
	return strings.Contains(m, "does not exist") || strings.Contains(m, "already exists")
}

// Commit forgets the undo list and ends the transaction.
func (x *tx) Commit(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done {
		return nil
	}
	x.undo = nil
	x.end()
	return nil
}

// Rollback undoes every step of the transaction in reverse order and ends it. A step that
// cannot be undone is reported in an error wrapping adapters.ErrRollbackFailed that lists
// what is left on the network.
func (x *tx) Rollback(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done {
		return nil
	}
	defer x.end()
	if err := x.undoFrom(ctx, 0); err != nil {
		return &adapters.Error{Target: x.t.opts.Name, Op: "rollback", Msg: err.Error(), Err: err}
	}
	return nil
}

func (x *tx) end() {
	x.done = true
	<-x.t.sem
}

// write sends one op (never retried).
func (t *Target) write(ctx context.Context, o planOp) error {
	req, err := o.request()
	if err != nil {
		return &adapters.Error{Target: t.opts.Name, Op: "prepare", Path: o.display(), Msg: err.Error(), Err: adapters.ErrRejected}
	}
	return t.call(ctx, "prepare", o.display(), methodName(req), true, func(ctx context.Context, api samo.XmlApi) error {
		var err error
		switch r := req.(type) {
		case *samo.Generic_GenericObject_deleteInstance:
			_, err = api.Generic_GenericObject_deleteInstanceContext(ctx, r)
		case *samo.Generic_GenericObject_configureChildInstance:
			_, err = api.Generic_GenericObject_configureChildInstanceContext(ctx, r)
		case *samo.Generic_GenericObject_configureInstance:
			_, err = api.Generic_GenericObject_configureInstanceContext(ctx, r)
		}
		return err
	})
}

// methodName names the SAM-O method of a write request, for messages.
func methodName(req any) string {
	switch req.(type) {
	case *samo.Generic_GenericObject_deleteInstance:
		return "deleteInstance"
	case *samo.Generic_GenericObject_configureChildInstance:
		return "configureChildInstance"
	case *samo.Generic_GenericObject_configureInstance:
		return "configureInstance"
	}
	return fmt.Sprintf("%T", req)
}

// current returns the configurable properties of the object, nil if it does not exist.
func (t *Target) current(ctx context.Context, ref objectRef) (map[string]string, error) {
	objs, err := t.find(ctx, "prepare", ref.path.String(), ref.class, &equal{Name: "objectFullName", Value: ref.fdn},
		&resultFilter{Children: &children{}})
	if err != nil || len(objs) == 0 {
		return nil, err
	}
	return configProps(objs[0]), nil
}

// snapshot captures an object and its whole subtree, for recreating it.
func (t *Target) snapshot(ctx context.Context, ref objectRef) (*objSpec, error) {
	objs, err := t.find(ctx, "prepare", ref.path.String(), ref.class, &equal{Name: "objectFullName", Value: ref.fdn}, nil)
	if err != nil || len(objs) == 0 {
		return nil, err
	}
	return specOf(objs[0], "create"), nil
}

func specOf(n *xmltree.Node, action string) *objSpec {
	s := &objSpec{class: n.Name.Local, action: action, props: configProps(n)}
	if cs := n.Child("children-Set"); cs != nil {
		for _, c := range cs.Children {
			if classes.Class(c.Name.Local) != nil {
				s.children = append(s.children, specOf(c, action))
			}
		}
	}
	return s
}

// configProps returns the configuration attributes of a find result object.
func configProps(n *xmltree.Node) map[string]string {
	p := map[string]string{}
	for _, c := range n.Children {
		if c.Name.Local == "children-Set" || readOnly[c.Name.Local] || len(c.Children) > 0 {
			continue
		}
		p[c.Name.Local] = strings.TrimSpace(c.Text)
	}
	return p
}

// recreate recreates a deleted subtree below its parent in one request.
func (t *Target) recreate(ctx context.Context, ref objectRef, snap *objSpec) error {
	x, err := snap.xml()
	if err != nil {
		return &adapters.Error{Target: t.opts.Name, Op: "rollback", Path: ref.path.String(), Msg: err.Error(), Err: err}
	}
	r := &samo.Generic_GenericObject_configureChildInstance{Deployer: "immediate", SynchronousDeploy: "true", DistinguishedName: ref.parentFDN}
	r.ChildConfigInfo.InnerXML = x
	return t.call(ctx, "rollback", ref.path.String(), "configureChildInstance (re-creating the deleted object)", true, func(ctx context.Context, api samo.XmlApi) error {
		_, err := api.Generic_GenericObject_configureChildInstanceContext(ctx, r)
		return err
	})
}
