package sim

import (
	"fmt"

	"github.com/xprov/xprov/adapters/junos/model"
)

// The device model (adapters/junos/model) decides what the simulator accepts, as Junos' own
// schema does: a load or an edit naming a statement the model does not know is refused with
// "syntax error", a value of the wrong type or out of range with the reason, both before the
// candidate changes and at a cost proportional to the edit; the commit check adds the
// model's mandatory and one-of statements of what the change touches.

// modelEdit checks an edit tree (rooted at the configuration) against the model and fixes the
// kinds the XML shape cannot tell (a single value of a leaf-list). Deletions are checked for
// their statement names only.
func modelEdit(e *node) []editError {
	var errs []editError
	modelEditKids(e, model.Root(), nil, false, &errs)
	return errs
}

func modelEditKids(e *node, m *model.Node, chain []*node, deleting bool, errs *[]editError) {
	for _, k := range e.kids {
		here := append(chain[:len(chain):len(chain)], k)
		del := deleting || k.op == "delete" || k.op == "remove"
		c := m.Child(k.name)
		syntax := func(bad, detail string) {
			*errs = append(*errs, editError{tag: "operation-failed", severity: "error", path: editPath(chain), message: "syntax error" + detail, bad: bad})
		}
		if c == nil {
			syntax(k.name, "")
			continue
		}
		switch c.Kind {
		case model.Any:
			continue
		case model.List:
			if k.kind != kEntry {
				if del && len(k.kids) == 0 {
					continue // <unit delete="delete"/> without a name: nothing to delete by key
				}
				syntax(k.name, fmt.Sprintf(": %s needs a <name>", k.name))
				continue
			}
			if msg := c.Type.Check(k.key); msg != "" && !del {
				*errs = append(*errs, editError{tag: "invalid-value", severity: "error", path: editPath(chain), message: msg, bad: k.key})
				continue
			}
			if c.Open {
				continue
			}
		case model.LeafList:
			switch k.kind {
			case kLeaf:
				k.kind, k.key, k.value = kLLEntry, k.value, ""
			case kLLEntry:
			case kContainer:
				if del && len(k.kids) == 0 {
					continue
				}
				syntax(k.name, fmt.Sprintf(": %s takes values", k.name))
				continue
			default:
				syntax(k.name, "")
				continue
			}
			if msg := c.Type.Check(k.key); msg != "" && !del {
				*errs = append(*errs, editError{tag: "invalid-value", severity: "error", path: editPath(chain), message: msg, bad: k.name})
			}
			continue
		case model.Leaf:
			switch {
			case k.kind == kLeaf:
				if msg := c.Type.Check(k.value); msg != "" && !del {
					*errs = append(*errs, editError{tag: "invalid-value", severity: "error", path: editPath(chain), message: msg, bad: k.name})
				}
			case k.kind == kLLEntry:
				// A leaf the XML heuristics took for a leaf-list value.
				k.kind, k.value, k.key = kLeaf, k.key, ""
				if msg := c.Type.Check(k.value); msg != "" && !del {
					*errs = append(*errs, editError{tag: "invalid-value", severity: "error", path: editPath(chain), message: msg, bad: k.name})
				}
			case k.kind == kContainer && len(k.kids) == 0 && del:
			default:
				syntax(k.name, fmt.Sprintf(": %s needs a value (%s)", k.name, c.Type))
			}
			continue
		default: // Container, Presence
			if k.kind == kLeaf {
				// A value given to a statement that has a flat leaf (`route-distinguisher
				// 65000:1` as <route-distinguisher>65000:1</...>) is that leaf's value.
				if f := c.FlatChild(); f != nil && f.Kind == model.Leaf {
					k.kind, k.kids = kContainer, []*node{{name: f.Name, kind: kLeaf, value: k.value, op: k.op, junosDelete: k.junosDelete}}
					k.value = ""
				} else {
					syntax(k.name, fmt.Sprintf(": %s takes no value", k.name))
					continue
				}
			}
			if k.kind != kContainer {
				syntax(k.name, "")
				continue
			}
		}
		modelEditKids(k, c, here, del, errs)
	}
}

// cEditPath renders the [edit ...] path of a chain of stored nodes.
func cEditPath(chain []*cnode) string {
	ns := make([]*node, len(chain))
	for i, c := range chain {
		ns[i] = &node{name: c.name, kind: c.kind, key: c.key}
	}
	return editPath(ns)
}

// modelOf returns the model node of the last element of chain (the root model for none), or
// nil when the chain leaves the model or enters an unchecked part.
func modelOf(chain []*cnode) *model.Node {
	m := model.Root()
	for _, c := range chain {
		m = m.Child(c.name)
		if m == nil || m.Kind == model.Any || m.Open || m.Kind == model.Leaf || m.Kind == model.LeafList {
			return nil
		}
	}
	return m
}

// constraints checks the model's mandatory and one-of statements of one stored node.
func constraints(n *cnode, m *model.Node, chain []*cnode, errs *[]editError) {
	for _, p := range m.Constraints(n.hasName, n.leafValue) {
		*errs = append(*errs, editError{tag: "invalid-value", severity: "error", path: cEditPath(chain), message: p.Message, bad: p.Statement})
	}
}

// constraintsBelow checks n (whose chain ends with n) and every node below it.
func constraintsBelow(n *cnode, m *model.Node, chain []*cnode, errs *[]editError) {
	constraints(n, m, chain, errs)
	for _, k := range n.children() {
		km := m.Child(k.name)
		if km == nil || km.Kind == model.Any || km.Open || km.Kind == model.Leaf || km.Kind == model.LeafList {
			continue
		}
		constraintsBelow(k, km, append(chain[:len(chain):len(chain)], k), errs)
	}
}

// modelFull checks the model's constraints on a whole configuration.
func modelFull(root *cnode) []editError {
	var errs []editError
	for _, k := range root.children() {
		if m := modelOf([]*cnode{k}); m != nil {
			constraintsBelow(k, m, []*cnode{k}, &errs)
		}
	}
	return errs
}

// The commit check (checkChange) checks the model's constraints where the candidate differs
// from running, in the same walk of the difference that classifies it: every node that came,
// the nodes whose own content changed, and the parents of every change (a member that went, a
// one-of sibling that came, a leaf a condition reads that changed).

// modelChecker checks the model's constraints of the changes a diff reports, each node once.
type modelChecker struct {
	done map[*cnode]bool
	errs []editError
}

func newModelChecker() *modelChecker { return &modelChecker{done: map[*cnode]bool{}} }

// visit is a diff callback (see diff).
func (mc *modelChecker) visit(chain []*cnode, old, new *cnode) {
	if len(chain) > 0 {
		if p := chain[len(chain)-1]; !mc.done[p] {
			mc.done[p] = true
			if m := modelOf(chain); m != nil {
				constraints(p, m, chain, &mc.errs)
			}
		}
	}
	if new != nil && !mc.done[new] {
		mc.done[new] = true
		here := append(chain[:len(chain):len(chain)], new)
		if m := modelOf(here); m != nil {
			if old == nil {
				constraintsBelow(new, m, here, &mc.errs)
			} else {
				constraints(new, m, here, &mc.errs)
			}
		}
	}
}
