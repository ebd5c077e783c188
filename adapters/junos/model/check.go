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

// occurrence is a configured container, presence statement or list entry, with its members.
type occurrence struct {
	path   config.Path
	model  *Node
	has    map[string]bool
	values map[string]string
}

// Check returns what the model refuses in leaves, in path order: unknown statements, values of
// the wrong type or out of range, leaf-lists written as one value, missing mandatory
// statements and mutually exclusive statements configured together.
func (Checker) Check(leaves []config.Leaf) []seam.Violation {
	var out []seam.Violation
	seen := map[string]bool{}
	add := func(v seam.Violation) {
		k := v.Path + "\x00" + v.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	occ := map[string]*occurrence{}
	var order []string
	member := func(p config.Path, m *Node, name, value string, isLeaf bool) {
		k := p.String()
		o := occ[k]
		if o == nil {
			o = &occurrence{path: p, model: m, has: map[string]bool{}, values: map[string]string{}}
			occ[k] = o
			order = append(order, k)
		}
		o.has[name] = true
		if isLeaf {
			o.values[name] = value
		}
	}
	for _, l := range leaves {
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
			member(l.Path[:i], cur, seg.Name, l.Value, m.Kind == Leaf && last)
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
			if last && m.Kind != Leaf {
				// The statement itself is configured (an entry, a presence statement): its
				// mandatory members are checked even when it has none.
				member(here, m, "", "", false)
			}
			cur = m
		}
	}
	for _, k := range order {
		o := occ[k]
		if o.model == nil || o.model == root {
			continue
		}
		for _, p := range o.model.Constraints(func(s string) bool { return o.has[s] }, func(s string) string { return o.values[s] }) {
			add(seam.Violation{Path: o.path.String(), ModelPath: p.Model.Path(), Message: p.Message})
		}
	}
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
