package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/xprov/xprov/adapters/config"
	seam "github.com/xprov/xprov/adapters/model"
)

// Problem is a statement of one configured node that breaks a constraint of the model: a
// mandatory statement missing, or two statements of a one-of group configured together.
type Problem struct {
	// Statement is the statement the problem is about (the missing one, or the second of a
	// one-of group).
	Statement string
	// Model is that statement's model node.
	Model   *Node
	Message string
}

// Constraints checks the members of one configured occurrence of n: has says whether a child
// statement is configured, value returns a child leaf's value. Cost: n's children.
func (n *Node) Constraints(has func(string) bool, value func(string) string) []Problem {
	var out []Problem
	for _, c := range n.order {
		if !c.Mandatory || has(c.Name) {
			continue
		}
		if c.When[0] != "" && value(c.When[0]) != c.When[1] {
			continue
		}
		msg := fmt.Sprintf("Missing mandatory statement: '%s'", c.Name)
		if c.When[0] != "" {
			msg = fmt.Sprintf("Missing mandatory statement: '%s' (%s %s)", c.Name, c.When[0], c.When[1])
		}
		out = append(out, Problem{Statement: c.Name, Model: c, Message: msg})
	}
	for _, g := range n.OneOf {
		var set []string
		for _, name := range g {
			if has(name) {
				set = append(set, name)
			}
		}
		if len(set) > 1 {
			out = append(out, Problem{Statement: set[1], Model: n.children[set[1]],
				Message: fmt.Sprintf("'%s' and '%s' are mutually exclusive (at most one of: %s)", set[0], set[1], strings.Join(g, ", "))})
		}
	}
	return out
}

// Checker checks configuration leaves (config.FromTree's shape of Junos configuration)
// against the model; it is registered with adapters/model as "junos".
type Checker struct{}

var _ seam.Checker = Checker{}

// occurrence is a configured container, presence statement or list entry: the statements
// configured below it.
type occurrence struct {
	depth int // its path is the current leaf's path[:depth]
	model *Node
	has   []string // child statements configured (few: a linear scan is cheapest)
	vals  []string // has[i]'s value when it is a leaf
}

func (o *occurrence) add(name, value string) {
	for _, h := range o.has {
		if h == name {
			return
		}
	}
	o.has = append(o.has, name)
	o.vals = append(o.vals, value)
}

func (o *occurrence) lookup(name string) (string, bool) {
	for i, h := range o.has {
		if h == name {
			return o.vals[i], true
		}
	}
	return "", false
}

// Check returns what the model refuses in leaves, in path order: unknown statements, values of
// the wrong type or out of range, leaf-lists written as one value, missing mandatory
// statements and mutually exclusive statements configured together. Cost: the leaves times
// their depth; the statements below one node are contiguous in path order, so each node's
// constraints are checked once its last member has been seen.
func (Checker) Check(leaves []config.Leaf) []seam.Violation {
	if !sort.SliceIsSorted(leaves, func(i, j int) bool { return config.Compare(leaves[i].Path, leaves[j].Path) < 0 }) {
		leaves = append([]config.Leaf(nil), leaves...)
		config.SortLeaves(leaves)
	}
	var out []seam.Violation
	add := func(v seam.Violation) {
		for _, o := range out {
			if o.Path == v.Path && o.Message == v.Message {
				return
			}
		}
		out = append(out, v)
	}
	// open holds the occurrences along the current leaf's path; prev is the previous path.
	var open []*occurrence
	var prev config.Path
	closeTo := func(depth int) {
		for len(open) > 0 && open[len(open)-1].depth > depth {
			o := open[len(open)-1]
			open = open[:len(open)-1]
			if o.model == nil {
				continue
			}
			ps := o.model.Constraints(func(s string) bool { _, ok := o.lookup(s); return ok },
				func(s string) string { v, _ := o.lookup(s); return v })
			for _, p := range ps {
				add(seam.Violation{Path: prev[:o.depth].String(), ModelPath: p.Model.Path(), Message: p.Message})
			}
		}
	}
	occ := func(depth int, m *Node) *occurrence {
		// open is ordered by depth: the occurrence at depth is near the top, if open.
		for i := len(open) - 1; i >= 0 && open[i].depth >= depth; i-- {
			if open[i].depth == depth {
				return open[i]
			}
		}
		o := &occurrence{depth: depth, model: m}
		open = append(open, o)
		return o
	}
	for _, l := range leaves {
		// The occurrences deeper than the common prefix with the previous leaf are complete.
		common := 0
		for common < len(prev) && common < len(l.Path) && prev[common] == l.Path[common] {
			common++
		}
		closeTo(common)
		prev = l.Path
		cur := root
		for i, seg := range l.Path {
			here := l.Path[:i+1]
			last := i == len(l.Path)-1
			m := cur.Child(seg.Name)
			if m == nil {
				add(seam.Violation{Path: here.String(), ModelPath: joinModel(cur.Path(), seg.Name),
					Message: fmt.Sprintf("syntax error: '%s' is not a statement of %s", seg.Name, editOf(cur))})
				break
			}
			if i > 0 {
				value := ""
				if m.Kind == Leaf && last {
					value = l.Value
				}
				occ(i, cur).add(seg.Name, value)
			}
			if m.Kind == Any {
				break
			}
			if seg.IsEntry() {
				if !m.Entry() {
					add(seam.Violation{Path: here.String(), Value: seg.Key, ModelPath: m.Path(),
						Message: fmt.Sprintf("syntax error: '%s' takes %s, not a list", seg.Name, takes(m))})
					break
				}
				if msg := m.Type.Check(seg.Key); msg != "" {
					add(seam.Violation{Path: here.String(), Value: seg.Key, ModelPath: m.Path(), Message: msg})
					break
				}
				if m.Open {
					break
				}
				if m.Kind == LeafList {
					if !last {
						add(seam.Violation{Path: here.String(), ModelPath: m.Path(), Message: fmt.Sprintf("syntax error: '%s' has no members", seg.Name)})
					}
					break
				}
			} else {
				switch m.Kind {
				case List:
					add(seam.Violation{Path: here.String(), Value: l.Value, ModelPath: m.Path(),
						Message: fmt.Sprintf("syntax error: '%s' is a list: give entries with a \"name\"", seg.Name)})
				case LeafList:
					add(seam.Violation{Path: here.String(), Value: l.Value, ModelPath: m.Path(),
						Message: fmt.Sprintf("syntax error: '%s' takes a list of values: write [%q]", seg.Name, l.Value)})
				case Leaf:
					switch {
					case !last:
						add(seam.Violation{Path: here.String(), ModelPath: m.Path(), Message: fmt.Sprintf("syntax error: '%s' takes a value, not members", seg.Name)})
					case l.Value == "":
						add(seam.Violation{Path: here.String(), ModelPath: m.Path(), Message: fmt.Sprintf("syntax error: '%s' needs a value (%s)", seg.Name, m.Type)})
					default:
						if msg := m.Type.Check(l.Value); msg != "" {
							add(seam.Violation{Path: here.String(), Value: l.Value, ModelPath: m.Path(), Message: msg})
						}
					}
				default:
					if last && l.Value != "" {
						add(seam.Violation{Path: here.String(), Value: l.Value, ModelPath: m.Path(),
							Message: fmt.Sprintf("syntax error: '%s' takes no value", seg.Name)})
					}
				}
				if m.Kind == List || m.Kind == LeafList || m.Kind == Leaf {
					break
				}
			}
			// The statement is configured (an entry, a container, a presence statement): its
			// mandatory members are checked when it is complete, even if it has none.
			occ(i+1, m)
			cur = m
		}
	}
	closeTo(0)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func joinModel(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// editOf names a model statement as the CLI's [edit ...] prompt does (without keys).
func editOf(n *Node) string {
	if p := n.Path(); p != "" {
		return "[edit " + strings.ReplaceAll(p, "/", " ") + "]"
	}
	return "[edit]"
}

func takes(n *Node) string {
	switch n.Kind {
	case Leaf:
		return "one value"
	case Container, Presence:
		return "members"
	}
	return n.Kind.String()
}
