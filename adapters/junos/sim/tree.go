package sim

import (
	"sort"
	"sync/atomic"
)

// A stored configuration is a persistent tree: nodes are never changed once they are part of
// a tree, and an edit copies only the nodes on the paths it touches. Running, candidate,
// private copies and every rollback entry are root pointers that share all untouched
// subtrees, so a lock, a discard, a commit or a rollback moves a pointer, and an edit or a
// comparison costs what the change touches (times the log of a list's length), however big
// the configuration is.

// cnode is one node of a stored configuration tree.
type cnode struct {
	name  string
	kind  kind
	key   string
	value string
	// seq orders siblings: Junos keeps statements in the order they were added, and a
	// replaced node keeps its place.
	seq  uint64
	kids *tnode
}

// seqs hands out sibling positions; one counter for every tree keeps them increasing.
var seqs atomic.Uint64

// idOf is the identity of a node among its siblings (what same() compared on edit trees):
// a list entry is its name and key, a leaf or container its name alone.
func idOf(name string, k kind, key string) string {
	switch k {
	case kEntry:
		return name + "\x00e" + key
	case kLLEntry:
		return name + "\x00l" + key
	}
	return name
}

func (c *cnode) id() string { return idOf(c.name, c.kind, c.key) }
func (n *node) id() string  { return idOf(n.name, n.kind, n.key) }

func (c *cnode) isEntry() bool { return c.kind == kEntry || c.kind == kLLEntry }

// tnode is a node of a persistent treap holding a cnode's children, ordered by id. The
// priority is a hash of the id, so a set of children has exactly one shape: two versions of
// a list differ only along the paths to the children that differ, which is what lets diff
// skip shared subtrees.
type tnode struct {
	id   string
	prio uint64
	c    *cnode
	l, r *tnode
}

func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// above reports whether a belongs above b in the treap.
func above(a, b *tnode) bool { return a.prio > b.prio || (a.prio == b.prio && a.id < b.id) }

func tget(t *tnode, id string) *cnode {
	for t != nil {
		switch {
		case id < t.id:
			t = t.l
		case id > t.id:
			t = t.r
		default:
			return t.c
		}
	}
	return nil
}

// tsplit returns copies of the parts of t below and above id; a node with id itself is left
// out.
func tsplit(t *tnode, id string) (l, r *tnode) {
	if t == nil {
		return nil, nil
	}
	switch {
	case t.id < id:
		a, b := tsplit(t.r, id)
		c := *t
		c.r = a
		return &c, b
	case t.id > id:
		a, b := tsplit(t.l, id)
		c := *t
		c.l = b
		return a, &c
	}
	return t.l, t.r
}

// tmerge joins l and r, every id of l being below every id of r.
func tmerge(l, r *tnode) *tnode {
	if l == nil {
		return r
	}
	if r == nil {
		return l
	}
	if above(l, r) {
		c := *l
		c.r = tmerge(l.r, r)
		return &c
	}
	c := *r
	c.l = tmerge(l, r.l)
	return &c
}

// tput returns t with n inserted, or in place of the node with the same id.
func tput(t, n *tnode) *tnode {
	if t == nil {
		return n
	}
	if t.id == n.id {
		c := *t
		c.c = n.c
		return &c
	}
	if above(n, t) {
		// Priorities follow ids, so a node with n's id would sit above t: there is none.
		n.l, n.r = tsplit(t, n.id)
		return n
	}
	c := *t
	if n.id < t.id {
		c.l = tput(t.l, n)
	} else {
		c.r = tput(t.r, n)
	}
	return &c
}

// tdel returns t without the node id, which must be present.
func tdel(t *tnode, id string) *tnode {
	if t == nil {
		return nil
	}
	switch {
	case id < t.id:
		c := *t
		c.l = tdel(t.l, id)
		return &c
	case id > t.id:
		c := *t
		c.r = tdel(t.r, id)
		return &c
	}
	return tmerge(t.l, t.r)
}

// trange calls fn for the nodes whose id is in [lo, hi), in id order.
func trange(t *tnode, lo, hi string, fn func(*cnode)) {
	if t == nil {
		return
	}
	if lo < t.id {
		trange(t.l, lo, hi, fn)
	}
	if lo <= t.id && t.id < hi {
		fn(t.c)
	}
	if t.id < hi {
		trange(t.r, lo, hi, fn)
	}
}

func teach(t *tnode, fn func(*cnode)) {
	if t == nil {
		return
	}
	teach(t.l, fn)
	fn(t.c)
	teach(t.r, fn)
}

// tdiff calls fn for every child that differs between a and b (pointer inequality, or
// present on one side only), skipping subtrees the two treaps share. It stops when fn
// returns false, and reports whether it ran to the end.
func tdiff(a, b *tnode, fn func(old, new *cnode) bool) bool {
	switch {
	case a == b:
		return true
	case a == nil:
		return tall(b, func(c *cnode) bool { return fn(nil, c) })
	case b == nil:
		return tall(a, func(c *cnode) bool { return fn(c, nil) })
	case a.id == b.id:
		if a.c != b.c && !fn(a.c, b.c) {
			return false
		}
		return tdiff(a.l, b.l, fn) && tdiff(a.r, b.r, fn)
	case above(a, b):
		// a's root would be b's root if b held its id: it is gone in b.
		if !fn(a.c, nil) {
			return false
		}
		bl, br := tsplit(b, a.id)
		return tdiff(a.l, bl, fn) && tdiff(a.r, br, fn)
	default:
		if !fn(nil, b.c) {
			return false
		}
		al, ar := tsplit(a, b.id)
		return tdiff(al, b.l, fn) && tdiff(ar, b.r, fn)
	}
}

func tall(t *tnode, fn func(*cnode) bool) bool {
	if t == nil {
		return true
	}
	return tall(t.l, fn) && fn(t.c) && tall(t.r, fn)
}

// child returns the child with identity id, or nil.
func (c *cnode) child(id string) *cnode {
	if c == nil {
		return nil
	}
	return tget(c.kids, id)
}

// with returns a copy of c holding k in place of its child with the same identity.
func (c *cnode) with(k *cnode) *cnode {
	id := k.id()
	if tget(c.kids, id) == k {
		return c
	}
	n := *c
	n.kids = tput(c.kids, &tnode{id: id, prio: hash64(id), c: k})
	return &n
}

// without returns a copy of c without its child id.
func (c *cnode) without(id string) *cnode {
	if tget(c.kids, id) == nil {
		return c
	}
	n := *c
	n.kids = tdel(c.kids, id)
	return &n
}

// bySeq sorts nodes in sibling order.
func bySeq(ns []*cnode) []*cnode {
	sort.Slice(ns, func(i, j int) bool { return ns[i].seq < ns[j].seq })
	return ns
}

// children returns c's children in sibling order.
func (c *cnode) children() []*cnode {
	if c == nil {
		return nil
	}
	var out []*cnode
	teach(c.kids, func(k *cnode) { out = append(out, k) })
	return bySeq(out)
}

// named returns the children called name (a leaf or container, or list entries), in
// sibling order.
func (c *cnode) named(name string) []*cnode {
	if c == nil {
		return nil
	}
	var out []*cnode
	if k := tget(c.kids, name); k != nil {
		out = append(out, k)
	}
	trange(c.kids, name+"\x00", name+"\x01", func(k *cnode) { out = append(out, k) })
	return bySeq(out)
}

func (c *cnode) findName(name string) *cnode { return c.child(name) }

func (c *cnode) entry(name, key string) *cnode { return c.child(idOf(name, kEntry, key)) }

// entries returns the list entries called name, in sibling order.
func (c *cnode) entries(name string) []*cnode {
	if c == nil {
		return nil
	}
	var out []*cnode
	trange(c.kids, name+"\x00e", name+"\x00f", func(k *cnode) { out = append(out, k) })
	return bySeq(out)
}

// hasName reports whether c has any child called name.
func (c *cnode) hasName(name string) bool {
	if c == nil {
		return false
	}
	if tget(c.kids, name) != nil {
		return true
	}
	found := false
	trange(c.kids, name+"\x00", name+"\x01", func(*cnode) { found = true })
	return found
}

// at walks a path of names; an element "name=key" selects a list entry.
func (c *cnode) at(steps ...string) *cnode {
	cur := c
	for _, s := range steps {
		if cur == nil {
			return nil
		}
		if name, key, ok := cutEq(s); ok {
			cur = cur.entry(name, key)
		} else {
			cur = cur.findName(s)
		}
	}
	return cur
}

func cutEq(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func (c *cnode) leafValue(name string) string {
	if k := c.findName(name); k != nil {
		if k.kind == kLeaf {
			return k.value
		}
		// A hidden leaf (route-distinguisher/rd-type) counts as the container's value.
		if h, ok := hiddenLeaves[name]; ok {
			if l := k.findName(h); l != nil {
				return l.value
			}
		}
	}
	return ""
}

// shallow copies c's own content (and place) without children.
func (c *cnode) shallow() *cnode {
	return &cnode{name: c.name, kind: c.kind, key: c.key, value: c.value, seq: c.seq}
}

// newNode starts a stored node from an edit node, placed after every existing sibling.
func newNode(e *node) *cnode {
	return &cnode{name: e.name, kind: e.kind, key: e.key, value: e.value, seq: seqs.Add(1)}
}

// build converts an edit subtree into a stored one, without edit attributes.
func build(e *node) *cnode {
	c := newNode(e)
	for _, k := range e.kids {
		c = c.with(build(k))
	}
	return c
}

// sameOwn reports whether a and b have the same own content (children aside).
func sameOwn(a, b *cnode) bool {
	return a.name == b.name && a.kind == b.kind && a.key == b.key && a.value == b.value
}

// diff calls fn for every node that differs between the trees a and b (roots excluded): a
// node whose own content changed, or a subtree present on one side only (fn is not called
// for what lies below it). chain holds the node's ancestors below the roots, on the new side
// where it exists. Subtrees the trees share are skipped, so the cost follows the difference.
// It stops when fn returns false and reports whether it ran to the end.
func diff(a, b *cnode, chain []*cnode, fn func(chain []*cnode, old, new *cnode) bool) bool {
	if a == b {
		return true
	}
	var ak, bk *tnode
	if a != nil {
		ak = a.kids
	}
	if b != nil {
		bk = b.kids
	}
	return tdiff(ak, bk, func(o, n *cnode) bool {
		if o == nil || n == nil {
			return fn(chain, o, n)
		}
		if !sameOwn(o, n) && !fn(chain, o, n) {
			return false
		}
		return diff(o, n, append(chain[:len(chain):len(chain)], n), fn)
	})
}

// differs reports whether the trees a and b hold different configurations (sibling order
// aside).
func differs(a, b *cnode) bool {
	return !diff(a, b, nil, func([]*cnode, *cnode, *cnode) bool { return false })
}
