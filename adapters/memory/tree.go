package memory

import "github.com/xprov/xprov/adapters/config"

// tree holds a device's leaves by path segment, so that reading, creating and removing a
// subtree cost what the subtree holds, not what the device holds (a device with 20,000
// services answers a request as fast as an empty one, as a router with a large configuration
// does).
type tree struct {
	root node
	n    int
}

type node struct {
	leaf *config.Leaf
	kids map[string]*node // by config.Seg.String()
}

// find returns the node at p, or nil.
func (t *tree) find(p config.Path) *node {
	n := &t.root
	for _, s := range p {
		n = n.kids[s.String()]
		if n == nil {
			return nil
		}
	}
	return n
}

// set puts l at its path and returns the leaf it replaced (nil if none).
func (t *tree) set(l config.Leaf) *config.Leaf {
	n := &t.root
	for _, s := range l.Path {
		k := s.String()
		c := n.kids[k]
		if c == nil {
			if n.kids == nil {
				n.kids = map[string]*node{}
			}
			c = &node{}
			n.kids[k] = c
		}
		n = c
	}
	prev := n.leaf
	if prev == nil {
		t.n++
	}
	n.leaf = &l
	return prev
}

// unset removes the leaf at p (not its subtree) and prunes nodes left empty.
func (t *tree) unset(p config.Path) {
	t.prune(&t.root, p, false)
}

// removeSubtree removes the leaf at p and everything below it, and returns what it removed.
func (t *tree) removeSubtree(p config.Path) []config.Leaf {
	var out []config.Leaf
	if n := t.find(p); n != nil {
		n.collect(&out)
	}
	t.prune(&t.root, p, true)
	t.n -= len(out)
	return out
}

// prune removes the leaf at p below n (with its subtree when whole) and drops the nodes that
// end up holding nothing; it reports whether n itself holds nothing now.
func (t *tree) prune(n *node, p config.Path, whole bool) bool {
	if len(p) == 0 {
		if n.leaf != nil && !whole {
			t.n--
		}
		n.leaf = nil
		if whole {
			n.kids = nil
		}
		return len(n.kids) == 0
	}
	k := p[0].String()
	c := n.kids[k]
	if c == nil {
		return n.leaf == nil && len(n.kids) == 0
	}
	if t.prune(c, p[1:], whole) {
		delete(n.kids, k)
	}
	return n.leaf == nil && len(n.kids) == 0
}

// collect appends the leaves at and below n.
func (n *node) collect(out *[]config.Leaf) {
	if n.leaf != nil {
		*out = append(*out, *n.leaf)
	}
	for _, c := range n.kids {
		c.collect(out)
	}
}

// below appends the leaves at and below p.
func (t *tree) below(p config.Path, out *[]config.Leaf) {
	if n := t.find(p); n != nil {
		n.collect(out)
	}
}
