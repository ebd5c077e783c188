// Package model is the Junos device model: the configuration statements xprov knows (their
// hierarchy, list keys, value types and ranges, mandatory and mutually exclusive statements),
// held as data in junos.model and embedded in the binary. The Junos simulator refuses what the
// model refuses, the adapter's dry-run and `xprov pack test` check rendered configuration
// against it (the package registers its Checker with adapters/model under "junos"), and
// docs/junos-model.md is generated from it (Reference).
//
// The model is written from the Junos configuration statement reference; it covers the
// statements the bundled packs and the lab devices use and their common neighbours, and
// marks the rest of a hierarchy it does not check as "any".
package model

import (
	_ "embed"
	"fmt"
	"strings"

	seam "github.com/xprov/xprov/adapters/model"
)

// Kind says what a statement is.
type Kind uint8

const (
	// Container groups statements; it exists because of its members.
	Container Kind = iota
	// Presence is a statement that may stand alone (`vlan-tagging`, `family inet`); it may
	// have members too.
	Presence
	// Leaf is a statement with one value (`vlan-id 100`).
	Leaf
	// LeafList is a statement with several values (`vrf-import [ a b ]`).
	LeafList
	// List is a keyed list (`unit 100`), keyed by its <name>.
	List
	// Any is a statement whose contents the model does not check.
	Any
)

func (k Kind) String() string {
	return [...]string{"container", "presence", "leaf", "leaf-list", "list", "any"}[k]
}

// Node is one statement of the model.
type Node struct {
	Name string
	Kind Kind
	// Type is the value type of a leaf or leaf-list, or the key type of a list.
	Type *Type
	// Mandatory says the statement must be configured whenever its parent is.
	Mandatory bool
	// When, if set, makes Mandatory conditional: the parent's leaf When[0] has value When[1].
	When [2]string
	// Flat says the CLI omits the statement's name (`interfaces ge-0/0/1`,
	// `route-distinguisher 65000:1`).
	Flat bool
	// OneOf lists groups of children of which at most one may be configured.
	OneOf [][]string
	// Doc is the statement's description, if the model gives one.
	Doc string
	// Open says the model does not check a list entry's members (`name[TYPE] any`).
	Open bool
	// Line is the line of the model file that declares the statement.
	Line int

	Parent   *Node
	children map[string]*Node
	order    []*Node
}

// Child returns the child statement called name, or nil.
func (n *Node) Child(name string) *Node {
	if n == nil {
		return nil
	}
	return n.children[name]
}

// Children returns the child statements in model order.
func (n *Node) Children() []*Node { return n.order }

// FlatChild returns the child whose name the CLI omits, or nil.
func (n *Node) FlatChild() *Node {
	for _, c := range n.order {
		if c.Flat {
			return c
		}
	}
	return nil
}

// Path names the statement in the model: "interfaces/interface/unit/vlan-id".
func (n *Node) Path() string {
	if n == nil || n.Parent == nil {
		return ""
	}
	if p := n.Parent.Path(); p != "" {
		return p + "/" + n.Name
	}
	return n.Name
}

// Entry says whether the statement's occurrences are keyed (a list entry or a leaf-list
// value).
func (n *Node) Entry() bool { return n.Kind == List || n.Kind == LeafList }

// Root is the configuration root of the Junos model.
func Root() *Node { return root }

//go:embed junos.model
var src string

// File is the name model errors and the reference use for the model file.
const File = "adapters/junos/model/junos.model"

var root *Node

func init() {
	r, err := Parse(File, src)
	if err != nil {
		// The model is part of the binary: a broken one stops it at start, with file:line.
		panic(err)
	}
	root = r
	seam.Register("junos", Checker{})
}

// ParseError is a line of a model file that does not parse.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Parse reads a model file (the format junos.model describes at its top).
func Parse(file, text string) (*Node, error) {
	top := &Node{Name: "configuration", Kind: Container, children: map[string]*Node{}}
	stack := []*Node{top} // stack[d] is the parent of statements at depth d
	type oneOf struct {
		n     *Node
		names []string
		line  int
	}
	var groups []oneOf
	var whens []*Node
	for i, raw := range strings.Split(text, "\n") {
		line := i + 1
		fail := func(format string, args ...any) error {
			return &ParseError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
		}
		if strings.TrimSpace(raw) == "" || strings.HasPrefix(strings.TrimSpace(raw), "#") {
			continue
		}
		body := strings.TrimLeft(raw, " ")
		ind := len(raw) - len(body)
		if ind%2 != 0 || strings.ContainsRune(raw, '\t') {
			return nil, fail("indent with two spaces per level")
		}
		depth := ind / 2
		if depth >= len(stack) {
			return nil, fail("indented below a statement that cannot have members")
		}
		stack = stack[:depth+1]
		parent := stack[depth]
		doc := ""
		if j := strings.Index(body, " -- "); j >= 0 {
			body, doc = strings.TrimSpace(body[:j]), strings.TrimSpace(body[j+4:])
		}
		if strings.HasPrefix(body, "!one-of ") {
			names := strings.Fields(strings.TrimPrefix(body, "!one-of "))
			if len(names) < 2 {
				return nil, fail("!one-of needs two statements or more")
			}
			groups = append(groups, oneOf{parent, names, line})
			continue
		}
		flags := ""
		if j := strings.Index(body, ";"); j >= 0 {
			body, flags = strings.TrimSpace(body[:j]), body[j+1:]
		}
		n := &Node{Doc: doc, Line: line, Parent: parent}
		var err error
		switch {
		case strings.Contains(body, ":"):
			j := strings.Index(body, ":")
			n.Name, n.Kind = strings.TrimSpace(body[:j]), Leaf
			if strings.HasSuffix(n.Name, "*") {
				n.Name, n.Kind = strings.TrimSuffix(n.Name, "*"), LeafList
			}
			if n.Type, err = ParseType(body[j+1:]); err != nil {
				return nil, fail("%s: %v", n.Name, err)
			}
		case strings.Contains(body, "["):
			j := strings.Index(body, "[")
			if strings.HasSuffix(body, "] any") {
				body, n.Open = strings.TrimSuffix(body, " any"), true
			}
			if !strings.HasSuffix(body, "]") {
				return nil, fail("a list is name[TYPE]")
			}
			n.Name, n.Kind = body[:j], List
			if n.Type, err = ParseType(body[j+1 : len(body)-1]); err != nil {
				return nil, fail("%s: %v", n.Name, err)
			}
		default:
			f := strings.Fields(body)
			n.Name, n.Kind = f[0], Container
			if len(f) == 2 && f[1] == "presence" {
				n.Kind = Presence
			} else if len(f) == 2 && f[1] == "any" {
				n.Kind = Any
			} else if len(f) != 1 {
				return nil, fail("unknown statement form %q", body)
			}
		}
		if !validName(n.Name) {
			return nil, fail("bad statement name %q", n.Name)
		}
		for _, fl := range strings.Split(flags, ";") {
			f := strings.Fields(fl)
			switch {
			case len(f) == 0:
			case len(f) == 1 && f[0] == "mandatory":
				n.Mandatory = true
			case len(f) == 1 && f[0] == "flat":
				n.Flat = true
			case len(f) == 3 && f[0] == "mandatory" && f[1] == "when" && strings.Count(f[2], "=") == 1:
				n.Mandatory = true
				k, v, _ := strings.Cut(f[2], "=")
				n.When = [2]string{k, v}
				whens = append(whens, n)
			default:
				return nil, fail("unknown flag %q (mandatory, mandatory when SIBLING=VALUE, flat)", strings.TrimSpace(fl))
			}
		}
		if parent.Kind == Leaf || parent.Kind == LeafList || parent.Kind == Any || parent.Open {
			return nil, fail("%s cannot have members", parent.Name)
		}
		if parent.children[n.Name] != nil {
			return nil, fail("%s is declared twice (line %d)", n.Name, parent.children[n.Name].Line)
		}
		if n.Flat && parent.FlatChild() != nil {
			return nil, fail("%s has two flat statements", parent.Name)
		}
		n.children = map[string]*Node{}
		parent.children[n.Name] = n
		parent.order = append(parent.order, n)
		stack = append(stack, n)
	}
	for _, g := range groups {
		for _, name := range g.names {
			if g.n.children[name] == nil {
				return nil, &ParseError{File: file, Line: g.line, Msg: fmt.Sprintf("!one-of names %s, which %s does not have", name, g.n.Name)}
			}
		}
		g.n.OneOf = append(g.n.OneOf, g.names)
	}
	for _, n := range whens {
		if s := n.Parent.children[n.When[0]]; s == nil || s.Kind != Leaf {
			return nil, &ParseError{File: file, Line: n.Line, Msg: fmt.Sprintf("mandatory when %s=...: %s has no leaf %s", n.When[0], n.Parent.Name, n.When[0])}
		}
	}
	return top, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
