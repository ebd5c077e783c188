package sim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xprov/xprov/adapters/xmltree"
)

type action int

const (
	actReply action = iota
	actClose        // reply, then end the session
	actDrop         // end the session without a reply
)

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

// reply is an rpc-reply under construction.
type reply struct {
	e *xmltree.Node
}

func newReply(rpc *xmltree.Node) *reply {
	r := &xmltree.Node{Name: xmlName(nsBase, "rpc-reply")}
	if rpc != nil {
		for _, a := range rpc.Attr {
			r.Attr = append(r.Attr, a)
		}
	}
	return &reply{e: r}
}

func (r *reply) bytes() []byte { return marshal(r.e) }

// errElem renders one rpc-error.
func errElem(e editError, typ string) *xmltree.Node {
	if typ == "" {
		typ = "application"
	}
	sev := e.severity
	if sev == "" {
		sev = "error"
	}
	tag := e.tag
	if tag == "" {
		tag = "operation-failed"
	}
	x := el("rpc-error", tx("error-type", typ), tx("error-tag", tag), tx("error-severity", sev))
	if e.path != "" {
		x.Add(tx("error-path", e.path))
	}
	x.Add(tx("error-message", e.message))
	info := el("error-info")
	if e.bad != "" {
		info.Add(tx("bad-element", e.bad))
	}
	if e.sessionID != "" {
		info.Add(tx("session-id", e.sessionID))
	}
	if len(info.Children) > 0 {
		x.Add(info)
	}
	return x
}

func errorReply(rpc *xmltree.Node, e editError, typ string) []byte {
	r := newReply(rpc)
	r.e.Add(errElem(e, typ))
	return r.bytes()
}

func hasErrors(errs []editError) bool {
	for _, e := range errs {
		if e.severity != "warning" {
			return true
		}
	}
	return false
}

// handle serves one rpc message.
func (s *session) handle(msg []byte) ([]byte, action) {
	rpc, err := parseElem(msg)
	if err != nil {
		return errorReply(nil, editError{tag: "malformed-message", message: err.Error()}, "rpc"), actReply
	}
	if rpc.Name.Local != "rpc" {
		return errorReply(nil, editError{tag: "malformed-message", message: "expected <rpc>, got <" + rpc.Name.Local + ">", bad: rpc.Name.Local}, "rpc"), actReply
	}
	if len(rpc.Children) == 0 {
		return errorReply(rpc, editError{tag: "missing-element", message: "rpc has no operation", bad: "rpc"}, "rpc"), actReply
	}
	op := rpc.Children[0]
	r := newReply(rpc)
	d := s.dev
	act := actReply
	switch op.Name.Local {
	case "get-config", "get":
		s.getConfig(r, op)
	case "get-configuration":
		s.getConfiguration(r, op)
	case "edit-config":
		s.editConfig(r, op)
	case "load-configuration":
		s.loadConfiguration(r, op)
	case "validate":
		s.validate(r, op)
	case "commit":
		act = s.commit(r, op)
	case "commit-configuration":
		act = s.commitConfiguration(r, op)
	case "cancel-commit":
		s.cancelCommit(r, op)
	case "discard-changes":
		d.mu.Lock()
		if d.lockHolder != 0 && d.lockHolder != s.id {
			r.e.Add(errElem(lockedBy(d.lockHolder), "protocol"))
		} else {
			d.candidate = d.running
			r.e.Add(el("ok"))
		}
		d.mu.Unlock()
	case "lock", "lock-configuration":
		s.lock(r, op)
	case "unlock", "unlock-configuration":
		s.unlock(r, op)
	case "open-configuration":
		d.mu.Lock()
		if op.Child("private") != nil {
			s.private = d.running
		}
		d.mu.Unlock()
		r.e.Add(el("ok"))
	case "close-configuration":
		s.private = nil
		r.e.Add(el("ok"))
	case "close-session":
		r.e.Add(el("ok"))
		act = actClose
	case "kill-session":
		s.killSession(r, op)
	case "get-system-information":
		r.e.Add(d.systemInformation())
	case "get-software-information":
		r.e.Add(d.softwareInformation())
	case "get-chassis-inventory":
		r.e.Add(d.chassisInventory())
	case "get-interface-information":
		r.e.Add(d.interfaceInformation(op.Child("terse") != nil, op.ChildText("interface-name")))
	case "get-rollback-information":
		s.rollbackInformation(r, op)
	case "get-commit-information":
		r.e.Add(d.commitInformation())
	case "command":
		s.command(r, op)
	default:
		r.e.Add(errElem(editError{tag: "operation-not-supported", message: "syntax error, expecting <rpc> method", bad: op.Name.Local}, "protocol"))
	}
	return r.bytes(), act
}

func lockedBy(sid int) editError {
	return editError{tag: "lock-denied", message: fmt.Sprintf("configuration database locked by: root terminal p0 (pid %d) on since %s", sid, time.Now().Format("2006-01-02 15:04:05 MST")), sessionID: strconv.Itoa(sid)}
}

// datastore returns the datastore named by a <source> or <target> child.
func datastore(op *xmltree.Node, which string) string {
	c := op.Child(which)
	if c == nil || len(c.Children) == 0 {
		return ""
	}
	return c.Children[0].Name.Local
}

func (d *Device) junosNS() string { return fmt.Sprintf(nsJunosFmt, d.opts.Version) }

// configElem renders a tree as the <configuration> element Junos returns.
func (d *Device) configElem(t *cnode, committed bool) *xmltree.Node {
	e := t.toElem()
	e.Name = xmlName(nsXNM, "configuration")
	if committed {
		d.mu.Lock()
		h := d.history[0]
		d.mu.Unlock()
		ns := d.junosNS()
		e.Attr = append(e.Attr,
			xml.Attr{Name: xmlName(ns, "commit-seconds"), Value: strconv.FormatInt(h.at.Unix(), 10)},
			xml.Attr{Name: xmlName(ns, "commit-localtime"), Value: h.at.Format("2006-01-02 15:04:05 MST")},
			xml.Attr{Name: xmlName(ns, "commit-user"), Value: h.user})
	}
	return e
}

// sourceTree returns the requested datastore; stored trees never change, so the caller may
// read it after the lock is released.
func (s *session) sourceTree(name string) (*cnode, bool) {
	d := s.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	switch name {
	case "running", "committed", "":
		return d.running, true
	case "candidate":
		if s.private != nil {
			return s.private, true
		}
		return d.candidate, true
	}
	return nil, false
}

func (s *session) getConfig(r *reply, op *xmltree.Node) {
	src := datastore(op, "source")
	if op.Name.Local == "get" {
		src = "running"
	}
	t, ok := s.sourceTree(src)
	if !ok {
		r.e.Add(errElem(editError{tag: "invalid-value", message: "unknown datastore " + src, bad: src}, "protocol"))
		return
	}
	if f := op.Child("filter"); f != nil {
		if typ, ok := f.AttrValue("type"); ok && typ != "subtree" {
			r.e.Add(errElem(editError{tag: "operation-not-supported", message: "only subtree filters are supported", bad: typ}, "protocol"))
			return
		}
		t = applyFilter(t, f)
	}
	data := el("data")
	if t != nil {
		data.Add(s.dev.configElem(t, src != "candidate"))
	}
	r.e.Add(data)
}

// applyFilter applies an RFC 6241 subtree filter to the configuration tree. The filter may
// name <configuration> at its top or start below it.
func applyFilter(t *cnode, f *xmltree.Node) *cnode {
	if len(f.Children) == 0 {
		return &cnode{name: "configuration"}
	}
	sel := &xmltree.Node{Name: xmlName("", "configuration")}
	for _, k := range f.Children {
		if k.Name.Local == "configuration" {
			sel.Children = append(sel.Children, k.Children...)
			if len(k.Children) == 0 {
				return t
			}
		} else {
			sel.Children = append(sel.Children, k)
		}
	}
	out, _ := filterNode(t, sel)
	if out == nil {
		return &cnode{name: "configuration"}
	}
	return out
}

// filterNode returns the part of n the filter element f selects. A selection that names a
// list entry by its key looks that entry up, so a filter costs what it selects, not what
// the configuration holds; a selected subtree is shared with the stored tree, not copied.
func filterNode(n *cnode, f *xmltree.Node) (*cnode, bool) {
	var sels []*xmltree.Node
	for _, k := range f.Children {
		if len(k.Children) == 0 && strings.TrimSpace(k.Text) != "" {
			v := strings.TrimSpace(k.Text)
			// Content match: the key (<name>) or a leaf value must be equal.
			if k.Name.Local == "name" && n.kind == kEntry {
				if n.key != v {
					return nil, false
				}
				continue
			}
			name := k.Name.Local
			if l := n.findName(name); (l == nil || l.kind != kLeaf || l.value != v) && n.child(idOf(name, kLLEntry, v)) == nil {
				return nil, false
			}
			continue
		}
		sels = append(sels, k)
	}
	if len(sels) == 0 {
		return n, true
	}
	out := n.shallow()
	for _, fs := range sels {
		var cands []*cnode
		if key, ok := filterKey(fs); ok {
			if c := n.entry(fs.Name.Local, key); c != nil {
				cands = []*cnode{c}
			}
		} else {
			cands = n.named(fs.Name.Local)
		}
		for _, c := range cands {
			if len(fs.Children) == 0 {
				out = out.with(union(out.child(c.id()), c))
				continue
			}
			if sub, ok := filterNode(c, fs); ok {
				out = out.with(union(out.child(c.id()), sub))
			}
		}
	}
	return out, true
}

// union merges two selections a and b of the same stored node (a may be nil), for filters
// that select one node twice.
func union(a, b *cnode) *cnode {
	if a == nil || a == b {
		return b
	}
	out := a
	teach(b.kids, func(k *cnode) { out = out.with(union(out.child(k.id()), k)) })
	return out
}

// filterKey returns the key a selection node matches with a <name> content match.
func filterKey(fs *xmltree.Node) (string, bool) {
	for _, k := range fs.Children {
		if k.Name.Local == "name" && len(k.Children) == 0 {
			if v := strings.TrimSpace(k.Text); v != "" {
				return v, true
			}
		}
	}
	return "", false
}

func (s *session) getConfiguration(r *reply, op *xmltree.Node) {
	db, _ := op.AttrValue("database")
	src := "candidate"
	if db == "committed" {
		src = "running"
	}
	if rb, ok := op.AttrValue("rollback"); ok {
		n, err := strconv.Atoi(rb)
		d := s.dev
		d.mu.Lock()
		if err != nil || n < 0 || n >= len(d.history) {
			d.mu.Unlock()
			r.e.Add(errElem(editError{tag: "invalid-value", message: "rollback " + rb + " does not exist", bad: rb}, "application"))
			return
		}
		t := d.history[n].tree
		d.mu.Unlock()
		s.renderConfig(r, op, t, true)
		return
	}
	t, _ := s.sourceTree(src)
	if f := op.Child("configuration"); f != nil && len(f.Children) > 0 {
		t, _ = filterNode(t, f)
		if t == nil {
			t = &cnode{name: "configuration"}
		}
	}
	s.renderConfig(r, op, t, src == "running")
}

func (s *session) renderConfig(r *reply, op *xmltree.Node, t *cnode, committed bool) {
	format, _ := op.AttrValue("format")
	switch format {
	case "", "xml":
		r.e.Add(s.dev.configElem(t, committed))
	case "set":
		r.e.Add(tx("configuration-set", strings.Join(setLines(t), "\n")+"\n"))
	case "text":
		r.e.Add(tx("configuration-text", curly(t)))
	default:
		r.e.Add(errElem(editError{tag: "invalid-value", message: "unsupported format " + format, bad: format}, "protocol"))
	}
}

// writable returns the tree edits go to, or an error when another session holds the lock.
func (s *session) writableLocked() (*cnode, *editError) {
	d := s.dev
	if s.private != nil {
		return s.private, nil
	}
	if d.lockHolder != 0 && d.lockHolder != s.id {
		e := lockedBy(d.lockHolder)
		e.tag = "in-use"
		return nil, &e
	}
	return d.candidate, nil
}

// applyEdit applies an edit tree to the session's candidate; the candidate only changes when
// the whole edit succeeds.
func (s *session) applyEdit(ed *node, defOp string, testOnly bool) []editError {
	if errs := modelEdit(ed); hasErrors(errs) {
		return errs
	}
	d := s.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	target, lerr := s.writableLocked()
	if lerr != nil {
		return []editError{*lerr}
	}
	var errs []editError
	c := edit(target, ed, defOp, nil, &errs)
	if hasErrors(errs) {
		return errs
	}
	if testOnly {
		return append(errs, d.checkLocked(c, false)...)
	}
	if s.private != nil {
		s.private = c
	} else {
		d.candidate = c
	}
	return errs
}

func (s *session) editConfig(r *reply, op *xmltree.Node) {
	if tgt := datastore(op, "target"); tgt != "candidate" {
		r.e.Add(errElem(editError{tag: "operation-not-supported", message: "only the candidate configuration can be edited (writable-running is not supported)", bad: tgt}, "protocol"))
		return
	}
	defOp := op.ChildText("default-operation")
	if defOp == "" {
		defOp = "merge"
	}
	if defOp != "merge" && defOp != "replace" && defOp != "none" {
		r.e.Add(errElem(editError{tag: "invalid-value", message: "bad default-operation", bad: defOp}, "protocol"))
		return
	}
	cfg := op.Child("config")
	if cfg == nil {
		r.e.Add(errElem(editError{tag: "missing-element", message: "edit-config needs <config>", bad: "config"}, "protocol"))
		return
	}
	root := cfg
	if c := cfg.Child("configuration"); c != nil {
		root = c
	}
	ed := fromElem(root)
	ed.op = ""
	var errs []editError
	if defOp == "replace" {
		// Replace the whole candidate with the given configuration.
		ed.op = "replace"
		wrap := &node{kids: []*node{ed}}
		errs = s.applyReplaceAll(wrap)
	} else {
		errs = s.applyEdit(ed, defOp, op.ChildText("test-option") == "test-only")
	}
	for _, e := range errs {
		r.e.Add(errElem(e, "application"))
	}
	if !hasErrors(errs) {
		r.e.Add(el("ok"))
	}
}

// applyReplaceAll implements default-operation replace and load override: the candidate
// becomes exactly the given configuration.
func (s *session) applyReplaceAll(wrap *node) []editError {
	if errs := modelEdit(wrap.kids[0]); hasErrors(errs) {
		return errs
	}
	d := s.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, lerr := s.writableLocked(); lerr != nil {
		return []editError{*lerr}
	}
	var errs []editError
	c := edit(&cnode{name: "configuration"}, wrap.kids[0], "merge", nil, &errs)
	if hasErrors(errs) {
		return errs
	}
	if s.private != nil {
		s.private = c
	} else {
		d.candidate = c
	}
	return errs
}

func (s *session) loadConfiguration(r *reply, op *xmltree.Node) {
	res := el("load-configuration-results")
	r.e.Add(res)
	action, _ := op.AttrValue("action")
	format, _ := op.AttrValue("format")
	var errs []editError
	if rb, ok := op.AttrValue("rollback"); ok {
		errs = s.loadRollback(rb)
	} else {
		switch {
		case action == "set" || op.Child("configuration-set") != nil:
			ed, perrs := parseSetLines(op.ChildText("configuration-set"))
			errs = perrs
			if !hasErrors(errs) {
				errs = append(errs, s.applyEdit(ed, "merge", false)...)
			}
		case format == "text" || op.Child("configuration-text") != nil:
			errs = []editError{{tag: "operation-not-supported", message: "the simulator loads xml and set formats only", bad: "configuration-text"}}
		default:
			cfg := op.Child("configuration")
			if cfg == nil {
				errs = []editError{{tag: "missing-element", message: "load-configuration needs <configuration>", bad: "configuration"}}
				break
			}
			ed := fromElem(cfg)
			ed.op = ""
			switch action {
			case "override":
				errs = s.applyReplaceAll(&node{kids: []*node{ed}})
			case "", "merge", "replace", "update":
				errs = s.applyEdit(ed, "merge", false)
			default:
				errs = []editError{{tag: "invalid-value", message: "bad action " + action, bad: action}}
			}
		}
	}
	for _, e := range errs {
		res.Add(errElem(e, "protocol"))
	}
	if !hasErrors(errs) {
		res.Add(el("ok"))
	}
}

func (s *session) loadRollback(rb string) []editError {
	n, err := strconv.Atoi(rb)
	d := s.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil || n < 0 || n >= len(d.history) {
		return []editError{{tag: "invalid-value", message: "rollback " + rb + " does not exist", bad: rb}}
	}
	if _, lerr := s.writableLocked(); lerr != nil {
		return []editError{*lerr}
	}
	t := d.history[n].tree
	if s.private != nil {
		s.private = t
	} else {
		d.candidate = t
	}
	return nil
}

func (s *session) validate(r *reply, op *xmltree.Node) {
	var t *cnode
	full := false
	if src := op.Child("source"); src != nil && src.Child("config") != nil {
		cfg := src.Child("config")
		root := cfg
		if c := cfg.Child("configuration"); c != nil {
			root = c
		}
		// A configuration given inline has nothing in common with running: check it all.
		ed := fromElem(root)
		if errs := modelEdit(ed); hasErrors(errs) {
			for _, e := range errs {
				r.e.Add(errElem(e, "application"))
			}
			return
		}
		t, full = build(ed), true
	} else {
		var ok bool
		if t, ok = s.sourceTree(datastore(op, "source")); !ok {
			r.e.Add(errElem(editError{tag: "invalid-value", message: "unknown datastore", bad: datastore(op, "source")}, "protocol"))
			return
		}
	}
	errs := s.dev.check(t, full)
	for _, e := range errs {
		r.e.Add(errElem(e, "application"))
	}
	if !hasErrors(errs) {
		r.e.Add(el("ok"))
	}
}

// checkLocked runs the commit check on t: on what t changes from running when running is
// known to pass the check (see checkChange), on all of t otherwise or when full is set.
func (d *Device) checkLocked(t *cnode, full bool) []editError {
	if d.runValid && !full {
		return checkChange(d.running, d.runIdx, t)
	}
	return checkConfig(t)
}

// check runs the commit check, including an injected failure.
func (d *Device) check(t *cnode, full bool) []editError {
	d.mu.Lock()
	errs := d.checkLocked(t, full)
	d.mu.Unlock()
	d.failMu.Lock()
	msg := d.failNextCommit
	d.failNextCommit = ""
	d.failMu.Unlock()
	if msg != "" {
		errs = append(errs, editError{tag: "operation-failed", message: msg})
	}
	if hasErrors(errs) {
		errs = append(errs, editError{tag: "operation-failed", message: "configuration check-out failed"})
	}
	return errs
}

// commitRequest is what both commit RPCs ask for.
type commitRequest struct {
	confirmed bool
	timeout   time.Duration
	persist   string
	persistID string
	log       string
	check     bool
}

// doCommit commits the session's candidate. It returns errors, or the action for the session
// (actDrop when a fault drops it).
func (s *session) doCommit(req commitRequest) ([]editError, action) {
	d := s.dev
	d.mu.Lock()
	if d.lockHolder != 0 && d.lockHolder != s.id {
		e := lockedBy(d.lockHolder)
		d.mu.Unlock()
		return []editError{e}, actReply
	}
	if s.private != nil && differs(d.candidate, d.running) {
		d.mu.Unlock()
		return []editError{{tag: "operation-failed", message: "shared configuration database modified: commit of a private copy is not allowed"}}, actReply
	}
	cand := d.candidate
	if s.private != nil {
		cand = s.private
	}
	d.mu.Unlock()

	if errs := d.check(cand, false); hasErrors(errs) || req.check {
		return errs, actReply
	}
	drop := d.dropNextCommit.Swap(false)
	if delay := time.Duration(d.commitDelay.Load()); delay > 0 {
		select {
		case <-time.After(delay):
		case <-d.closing:
		}
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if p := d.pending; p != nil {
		if p.persist != "" && req.persistID != p.persist && !req.confirmed {
			if req.persistID == "" {
				// Junos lets any commit confirm; RFC 6241 1.1 needs the persist-id.
				return []editError{{tag: "invalid-value", message: "a persist-id is required to confirm this commit", bad: "persist-id"}}, actReply
			}
			return []editError{{tag: "invalid-value", message: "persist-id does not match the pending confirmed commit", bad: req.persistID}}, actReply
		}
	}
	how := "netconf"
	if req.confirmed {
		how = "confirmed"
		prior, priorValid := d.running, d.runValid
		if d.pending != nil {
			prior, priorValid = d.pending.prior, d.pending.priorValid
			d.pending.timer.Stop()
		}
		d.pendingGen++
		gen := d.pendingGen
		p := &pendingCommit{prior: prior, priorValid: priorValid, session: s.id, persist: req.persist, gen: gen,
			deadline: time.Now().Add(req.timeout), user: s.user}
		p.timer = time.AfterFunc(req.timeout, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.pending != nil && d.pending.gen == gen {
				d.rollbackPendingLocked("commit not confirmed")
			}
		})
		d.pending = p
	} else if d.pending != nil {
		d.pending.timer.Stop()
		d.pending = nil
	}
	// The check passed, so cand is valid even if running changed since.
	d.commitLocked(cand, true, how, s.user, req.log)
	d.candidate = cand
	if s.private != nil {
		s.private = cand
	}
	if drop {
		return nil, actDrop
	}
	return nil, actReply
}

func (s *session) commit(r *reply, op *xmltree.Node) action {
	req := commitRequest{confirmed: op.Child("confirmed") != nil, timeout: 600 * time.Second, persist: op.ChildText("persist"), persistID: op.ChildText("persist-id")}
	if v := op.ChildText("confirm-timeout"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			r.e.Add(errElem(editError{tag: "invalid-value", message: "bad confirm-timeout", bad: v}, "protocol"))
			return actReply
		}
		req.timeout = time.Duration(n) * time.Second
	}
	errs, act := s.doCommit(req)
	for _, e := range errs {
		r.e.Add(errElem(e, "application"))
	}
	if !hasErrors(errs) {
		r.e.Add(el("ok"))
	}
	return act
}

func (s *session) commitConfiguration(r *reply, op *xmltree.Node) action {
	req := commitRequest{confirmed: op.Child("confirmed") != nil, timeout: 10 * time.Minute, log: op.ChildText("log"), check: op.Child("check") != nil}
	if v := op.ChildText("confirm-timeout"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 65535 {
			r.e.Add(el("commit-results").Add(errElem(editError{tag: "invalid-value", message: "confirm-timeout must be 1..65535 minutes", bad: v}, "protocol")))
			return actReply
		}
		req.timeout = time.Duration(n) * time.Minute
	}
	errs, act := s.doCommit(req)
	res := el("commit-results")
	r.e.Add(res)
	re := el("routing-engine", tx("name", "re0"))
	for _, e := range errs {
		res.Add(errElem(e, "protocol"))
	}
	if !hasErrors(errs) {
		if req.check {
			re.Add(el("commit-check-success"))
		} else {
			re.Add(el("commit-success"))
		}
		res.Add(re)
	}
	return act
}

func (s *session) cancelCommit(r *reply, op *xmltree.Node) {
	d := s.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.pending
	switch {
	case p == nil:
		r.e.Add(errElem(editError{tag: "invalid-value", message: "no confirmed commit is pending"}, "protocol"))
		return
	case p.persist != "" && op.ChildText("persist-id") != p.persist:
		r.e.Add(errElem(editError{tag: "invalid-value", message: "persist-id does not match the pending confirmed commit", bad: "persist-id"}, "protocol"))
		return
	case p.persist == "" && p.session != s.id:
		r.e.Add(errElem(editError{tag: "invalid-value", message: "the confirmed commit was issued by another session"}, "protocol"))
		return
	}
	d.rollbackPendingLocked("commit cancelled")
	r.e.Add(el("ok"))
}

func (s *session) lock(r *reply, op *xmltree.Node) {
	tgt := datastore(op, "target")
	if op.Name.Local == "lock-configuration" {
		tgt = "candidate"
	}
	if tgt != "candidate" && tgt != "running" {
		r.e.Add(errElem(editError{tag: "invalid-value", message: "unknown datastore", bad: tgt}, "protocol"))
		return
	}
	d := s.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.lockHolder == s.id:
		r.e.Add(errElem(editError{tag: "lock-denied", message: "configuration database already locked by this session", sessionID: strconv.Itoa(s.id)}, "protocol"))
	case d.lockHolder != 0:
		r.e.Add(errElem(lockedBy(d.lockHolder), "protocol"))
	case tgt == "candidate" && differs(d.candidate, d.running):
		r.e.Add(errElem(editError{tag: "lock-denied", message: "configuration database modified", sessionID: "0"}, "protocol"))
	default:
		d.lockHolder = s.id
		r.e.Add(el("ok"))
	}
}

func (s *session) unlock(r *reply, op *xmltree.Node) {
	d := s.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lockHolder != s.id {
		r.e.Add(errElem(editError{tag: "operation-failed", message: "configuration database is not locked by this session"}, "protocol"))
		return
	}
	d.lockHolder = 0
	// Junos discards uncommitted changes made under an exclusive lock when it is released.
	d.candidate = d.running
	r.e.Add(el("ok"))
}

func (s *session) killSession(r *reply, op *xmltree.Node) {
	id, err := strconv.Atoi(op.ChildText("session-id"))
	if err != nil || id == s.id {
		r.e.Add(errElem(editError{tag: "invalid-value", message: "invalid session-id", bad: op.ChildText("session-id")}, "protocol"))
		return
	}
	d := s.dev
	d.mu.Lock()
	victim := d.sessions[id]
	d.mu.Unlock()
	if victim == nil {
		r.e.Add(errElem(editError{tag: "invalid-value", message: "no such session", bad: strconv.Itoa(id)}, "protocol"))
		return
	}
	victim.kill()
	r.e.Add(el("ok"))
}

// commitInformation answers <get-commit-information/> (`show system commit`): the commit
// history, newest first; a confirmed commit still waiting for confirmation says so in its
// comment with the CLI's words ("commit confirmed, rollback in 10mins").
func (d *Device) commitInformation() *xmltree.Node {
	d.mu.Lock()
	defer d.mu.Unlock()
	info := el("commit-information")
	for i, h := range d.history {
		e := el("commit-history", tx("sequence-number", strconv.Itoa(i)), tx("user", h.user), tx("client", h.how),
			tx("date-time", h.at.UTC().Format("2006-01-02 15:04:05 MST")))
		if i == 0 && d.pending != nil {
			mins := int(math.Ceil(time.Until(d.pending.deadline).Minutes()))
			if mins < 1 {
				mins = 1
			}
			e.Add(tx("comment", fmt.Sprintf("commit confirmed, rollback in %dmins", mins)))
		}
		if h.log != "" {
			e.Add(tx("log", h.log))
		}
		info.Add(e)
	}
	return info
}

func (s *session) rollbackInformation(r *reply, op *xmltree.Node) {
	d := s.dev
	n, _ := strconv.Atoi(op.ChildText("rollback"))
	d.mu.Lock()
	defer d.mu.Unlock()
	if n < 0 || n >= len(d.history) {
		r.e.Add(errElem(editError{tag: "invalid-value", message: "rollback does not exist", bad: op.ChildText("rollback")}, "application"))
		return
	}
	info := el("rollback-information")
	for i, h := range d.history {
		info.Add(el("rollback-history",
			tx("rollback-number", strconv.Itoa(i)),
			tx("date-time", h.at.Format("2006-01-02 15:04:05 MST")),
			tx("user", h.user), tx("client", h.how), tx("log", h.log)))
	}
	var b bytes.Buffer
	b.WriteString(curly(d.history[n].tree))
	info.Add(el("configuration-information", tx("configuration-output", b.String())))
	r.e.Add(info)
}
