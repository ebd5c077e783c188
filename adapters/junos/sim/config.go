package sim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/xprov/xprov/adapters/junos/model"
	"github.com/xprov/xprov/adapters/xmltree"
)

// kind classifies a configuration node. Junos XML has no schema on the wire, so the simulator
// infers it the way the Junos XML API spells configuration: an element with a <name> child is a
// keyed-list entry, an element with children is a container, an element with text is a leaf,
// an empty element is a presence node (a container without children), and a few known
// statements are leaf-lists (repeated elements with text).
type kind uint8

const (
	kContainer kind = iota // container or presence node
	kEntry                 // keyed-list entry: key is the <name> child
	kLeaf                  // leaf with a value
	kLLEntry               // leaf-list entry: key is the value
)

// node is one node of an edit tree: what a load, an edit-config or a set line asks for, in
// the order asked, duplicates included. Stored configurations are cnode trees (tree.go).
type node struct {
	name  string
	kind  kind
	key   string
	value string
	kids  []*node

	// Edit-only fields, set when the node comes from a load or edit-config request.
	op          string // merge, replace, create, delete, remove, none; "" inherits
	junosDelete bool   // delete="delete" (Junos): deleting an absent node only warns
}

// leafLists are the Junos statements whose XML form is a repeated element with text.
var leafLists = map[string]bool{
	"vrf-import": true, "vrf-export": true, "import": true, "export": true,
	"members": true, "apply-groups": true, "vlan-id-list": true,
}

// hiddenLists maps a container to the list whose element name the CLI omits (`set interfaces
// ge-0/0/1` is <interfaces><interface><name>ge-0/0/1</name>), and hiddenLeaves a container to
// the single leaf whose name the CLI omits (`route-distinguisher 65000:1` is
// <route-distinguisher><rd-type>65000:1</rd-type>): the device model's "flat" statements.
var hiddenLists, hiddenLeaves = flatStatements()

func flatStatements() (lists, leaves map[string]string) {
	lists, leaves = map[string]string{}, map[string]string{}
	var walk func(n *model.Node)
	walk = func(n *model.Node) {
		if f := n.FlatChild(); f != nil {
			if f.Kind == model.List {
				lists[n.Name] = f.Name
			} else {
				leaves[n.Name] = f.Name
			}
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(model.Root())
	return lists, leaves
}

// listWords and leafWords tell the set-line parser how to read the word after a statement.
var listWords = map[string]bool{
	"unit": true, "neighbor": true, "interface": true, "address": true, "group": true,
	"area": true, "route": true, "policy-statement": true, "term": true, "filter": true,
	"site": true, "label-switched-path": true, "path": true, "instance": true, "user": true,
}

var leafWords = map[string]bool{
	"host-name": true, "description": true, "encapsulation": true, "vlan-id": true,
	"inner-vlan-id": true, "virtual-circuit-id": true, "mtu": true, "instance-type": true,
	"route-distinguisher": true, "vrf-target": true, "type": true, "peer-as": true,
	"local-as": true, "local-address": true, "next-hop": true, "speed": true,
	"encapsulation-type": true, "vpls-id": true, "site-identifier": true, "site-range": true,
	"remote-site-id": true, "mode": true, "autonomous-system": true, "router-id": true,
	"interface-mode": true, "metric": true, "preference": true, "domain-name": true,
	"time-zone": true, "class": true, "community": true, "to": true, "from": true,
}

func (n *node) isEntry() bool { return n.kind == kEntry || n.kind == kLLEntry }

// fromElem converts configuration XML into nodes, reading edit attributes.
func fromElem(e *xmltree.Node) *node {
	n := &node{name: e.Name.Local}
	if op, ok := e.AttrValue("operation"); ok {
		n.op = op
	}
	if v, ok := e.AttrValue("delete"); ok && v == "delete" {
		n.op, n.junosDelete = "delete", true
	}
	if v, ok := e.AttrValue("replace"); ok && v == "replace" {
		n.op = "replace"
	}
	if v, ok := e.AttrValue("create"); ok && v == "create" {
		n.op = "create"
	}
	var nameKid *xmltree.Node
	for _, k := range e.Children {
		if k.Name.Local == "name" && len(k.Children) == 0 {
			nameKid = k
			break
		}
	}
	switch {
	case nameKid != nil:
		n.kind, n.key = kEntry, strings.TrimSpace(nameKid.Text)
	case len(e.Children) > 0:
		n.kind = kContainer
	default:
		v := strings.TrimSpace(e.Text)
		switch {
		case leafLists[n.name] && v != "":
			n.kind, n.key = kLLEntry, v
		case v != "":
			n.kind, n.value = kLeaf, v
		default:
			n.kind = kContainer
		}
		return n
	}
	for _, k := range e.Children {
		if k == nameKid {
			continue
		}
		n.kids = append(n.kids, fromElem(k))
	}
	return n
}

// toElem renders a stored node as Junos XML.
func (n *cnode) toElem() *xmltree.Node {
	e := el(n.name)
	switch n.kind {
	case kLeaf:
		e.Text = n.value
	case kLLEntry:
		e.Text = n.key
	case kEntry:
		e.Add(tx("name", n.key))
	}
	for _, k := range n.children() {
		e.Add(k.toElem())
	}
	return e
}

// editError is a failure (or warning) found while editing or checking a configuration; it
// becomes one rpc-error.
type editError struct {
	tag      string // NETCONF error-tag
	severity string // "error" or "warning"
	path     string // Junos error-path, "[edit interfaces ge-0/0/1]"
	message  string
	bad      string // error-info/bad-element
	// sessionID is error-info/session-id (the lock holder for lock-denied).
	sessionID string
}

// editPath renders the Junos "[edit ...]" form of a chain of nodes.
func editPath(chain []*node) string {
	words := []string{"edit"}
	for i, n := range chain {
		parent := ""
		if i > 0 {
			parent = chain[i-1].name
		}
		words = append(words, nodeWords(parent, n.name, n.kind, n.key)...)
	}
	return "[" + strings.Join(words, " ") + "]"
}

// nodeWords renders the CLI words naming a node below a parent named parent (without a leaf
// value).
func nodeWords(parent, name string, k kind, key string) []string {
	switch k {
	case kEntry:
		if hiddenLists[parent] == name {
			return []string{quote(key)}
		}
		return []string{name, quote(key)}
	case kLLEntry:
		return []string{name, quote(key)}
	case kLeaf:
		if hiddenLeaves[parent] == name {
			return nil
		}
	}
	return []string{name}
}

// edit applies the edit tree e to target and returns the new target; target itself is never
// changed, and only the nodes on the paths e touches are copied. defOp is the operation
// nodes without their own attribute inherit. Warnings and errors go to errs; on any error
// the caller drops the result.
func edit(target *cnode, e *node, defOp string, chain []*node, errs *[]editError) *cnode {
	for _, ec := range e.kids {
		op := ec.op
		if op == "" {
			op = defOp
		}
		here := append(chain[:len(chain):len(chain)], ec)
		id := ec.id()
		m := target.child(id)
		switch op {
		case "delete", "remove":
			if m == nil {
				switch {
				case ec.junosDelete:
					*errs = append(*errs, editError{tag: "data-missing", severity: "warning", path: editPath(chain), message: "statement not found", bad: strings.Join(nodeWords("", ec.name, ec.kind, ec.key), " ")})
				case op == "delete":
					*errs = append(*errs, editError{tag: "data-missing", severity: "error", path: editPath(here), message: "statement not found: cannot delete a node that does not exist", bad: ec.name})
				}
				continue
			}
			if ec.kind == kLeaf && m.kind == kLeaf && ec.value != m.value && ec.junosDelete {
				// `delete ... vlan-id 200` when it is 100: Junos refuses.
				*errs = append(*errs, editError{tag: "data-missing", severity: "warning", path: editPath(chain), message: "statement not found", bad: ec.value})
				continue
			}
			target = target.without(id)
		case "create":
			if m != nil {
				*errs = append(*errs, editError{tag: "data-exists", severity: "error", path: editPath(here), message: "statement already exists", bad: ec.name})
				continue
			}
			target = target.with(build(ec))
		case "replace":
			c := build(ec)
			if m != nil {
				c.seq = m.seq
			}
			target = target.with(c)
		case "merge", "none":
			if m == nil {
				if op == "none" && ec.kind != kContainer && ec.kind != kEntry {
					continue
				}
				m = newNode(ec)
				if op == "none" {
					if m = edit(m, ec, op, here, errs); m.kids != nil {
						target = target.with(m)
					}
					continue
				}
			} else if op == "merge" && ec.kind == kLeaf {
				if m.kind != kLeaf || m.value != ec.value || m.kids != nil {
					c := *m
					c.kind, c.value, c.kids = kLeaf, ec.value, nil
					m = &c
				}
			} else if op == "merge" && m.kind == kLeaf && ec.kind == kContainer {
				c := *m
				c.kind, c.value = kContainer, ""
				m = &c
			}
			had := m.kids != nil
			m = edit(m, ec, op, here, errs)
			// Junos does not keep a container whose last statement was deleted (an empty
			// `protocols l2circuit`); presence statements never had children and stay.
			if had && m.kids == nil && m.kind == kContainer {
				target = target.without(id)
				continue
			}
			target = target.with(m)
		default:
			*errs = append(*errs, editError{tag: "bad-attribute", severity: "error", path: editPath(here), message: fmt.Sprintf("invalid operation %q", op), bad: op})
		}
	}
	return target
}

// quote renders a value as the CLI shows it.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"';{}[]#\\") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// setLines renders a tree as Junos `set` commands.
func setLines(root *cnode) []string {
	var out []string
	var walk func(parent *cnode, prefix []string)
	walk = func(parent *cnode, prefix []string) {
		for _, k := range parent.children() {
			words := append(prefix[:len(prefix):len(prefix)], nodeWords(parent.name, k.name, k.kind, k.key)...)
			switch {
			case k.kind == kLeaf:
				out = append(out, "set "+strings.Join(append(words, quote(k.value)), " "))
			case k.kids == nil:
				out = append(out, "set "+strings.Join(words, " "))
			default:
				walk(k, words)
			}
		}
	}
	walk(root, nil)
	return out
}

// curly renders a tree in the Junos curly-brace text format.
func curly(root *cnode) string {
	var b strings.Builder
	var walk func(parent *cnode, depth int)
	walk = func(parent *cnode, depth int) {
		ind := strings.Repeat("    ", depth)
		for _, k := range parent.children() {
			words := nodeWords(parent.name, k.name, k.kind, k.key)
			head := strings.Join(words, " ")
			switch {
			case k.kind == kLeaf && len(words) == 0:
				fmt.Fprintf(&b, "%s%s;\n", ind, quote(k.value))
			case k.kind == kLeaf:
				fmt.Fprintf(&b, "%s%s %s;\n", ind, head, quote(k.value))
			case k.kids == nil:
				fmt.Fprintf(&b, "%s%s;\n", ind, head)
			default:
				fmt.Fprintf(&b, "%s%s {\n", ind, head)
				walk(k, depth+1)
				fmt.Fprintf(&b, "%s}\n", ind)
			}
		}
	}
	walk(root, 0)
	return b.String()
}

// splitWords tokenizes a set line: quoted strings keep spaces, "[ a b ]" lists become one
// token per value with a leading "[" marker token kept out.
func splitWords(line string) ([]string, error) {
	var words []string
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				b.WriteByte(line[j])
			}
			if j >= len(line) {
				return nil, fmt.Errorf("unterminated quoted string")
			}
			words = append(words, b.String())
			i = j + 1
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' {
				j++
			}
			words = append(words, line[i:j])
			i = j
		}
	}
	return words, nil
}

// parseSetLines converts `set`/`delete` lines into an edit tree rooted at a configuration
// node. Each line becomes its own branch so lines apply in order.
func parseSetLines(text string) (*node, []editError) {
	root := &node{name: "configuration"}
	var errs []editError
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words, err := splitWords(line)
		if err != nil || len(words) < 2 || (words[0] != "set" && words[0] != "delete") {
			errs = append(errs, editError{tag: "invalid-value", severity: "error", message: "syntax error", bad: line})
			continue
		}
		top, last, bad, at := parseStatementAt(words[1:])
		if top == nil {
			if bad == "" {
				bad = line
			}
			errs = append(errs, editError{tag: "operation-failed", severity: "error", path: at, message: "syntax error", bad: bad})
			continue
		}
		if words[0] == "delete" {
			last.op, last.junosDelete = "delete", true
		}
		root.kids = append(root.kids, top)
	}
	return root, errs
}

// parseStatement turns the words of one set line into a chain of nodes; it returns the top
// node and the last node the words named. The device model says what each word is (a
// container, a list whose key follows, a leaf whose value follows, a statement whose name the
// CLI omits); a word the model does not know is a syntax error (bad names it). Below a part
// the model does not check, the words are read by their usual shapes.
func parseStatement(words []string) (top, last *node, bad string) {
	top, last, bad, _ = parseStatementAt(words)
	return top, last, bad
}

// parseStatementAt is parseStatement that also returns, for a word the model does not know,
// the [edit ...] path of the statement it was read under.
func parseStatementAt(words []string) (top, last *node, bad, at string) {
	parent := &node{name: "configuration"}
	cur := parent
	m := model.Root()
	type level struct {
		cur *node
		m   *model.Node
	}
	var up *level // where the words were before the container just entered
	add := func(n *node) *node {
		cur.kids = append(cur.kids, n)
		last = n
		return n
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		next, hasNext := "", i+1 < len(words)
		if hasNext {
			next = words[i+1]
		}
		if m == nil {
			// An unchecked part of the hierarchy: the shapes the CLI usually has.
			switch {
			case listWords[w] && hasNext:
				cur = add(&node{name: w, kind: kEntry, key: next})
				i++
			case leafLists[w] && hasNext:
				i = addValues(add, w, words, i)
			case leafWords[w] && hasNext:
				add(&node{name: w, kind: kLeaf, value: next})
				i++
			default:
				cur = add(&node{name: w})
			}
			continue
		}
		c := m.Child(w)
		flatLeaf := false
		if c == nil {
			f := m.FlatChild()
			if f == nil {
				return nil, nil, w, editPath(chainTo(parent, cur))
			}
			// The word is the key or value of the statement the CLI does not name.
			c, hasNext, next = f, true, w
			flatLeaf = f.Kind == model.Leaf
			i--
		}
		switch c.Kind {
		case model.List:
			if !hasNext {
				return nil, nil, w, editPath(chainTo(parent, cur))
			}
			cur = add(&node{name: c.Name, kind: kEntry, key: next})
			i++
			m = c
			if c.Open {
				m = nil
			}
		case model.LeafList:
			if !hasNext {
				cur = add(&node{name: c.Name})
				m = nil
				continue
			}
			i = addValues(add, c.Name, words, i)
		case model.Leaf:
			if !hasNext {
				// `delete ... vlan-id`: the statement without its value.
				add(&node{name: c.Name})
				continue
			}
			add(&node{name: c.Name, kind: kLeaf, value: next})
			i++
			if flatLeaf && up != nil {
				// `route-distinguisher 65000:1 vrf-target ...`: the statement took its one
				// value; the words after it are its siblings.
				cur, m = up.cur, up.m
			}
		case model.Any:
			cur = add(&node{name: c.Name})
			m = nil
		default:
			n := &node{name: c.Name}
			if len(c.Children()) == 0 {
				add(n) // a statement without members: the next words are its siblings
				continue
			}
			up = &level{cur, m}
			cur = add(n)
			m = c
			continue
		}
		up = nil
	}
	if len(parent.kids) == 0 {
		return nil, nil, "", ""
	}
	return parent.kids[0], last, "", ""
}

// chainTo returns the nodes from root's child down to n (none when n is root).
func chainTo(root, n *node) []*node {
	for _, k := range root.kids {
		if k == n {
			return []*node{k}
		}
		if c := chainTo(k, n); c != nil {
			return append([]*node{k}, c...)
		}
	}
	return nil
}

// addValues adds the values of leaf-list name that follow words[i] (one value, or "[ a b ]")
// and returns the index of the last word read.
func addValues(add func(*node) *node, name string, words []string, i int) int {
	next := words[i+1]
	vals := []string{next}
	i++
	if next == "[" {
		vals = nil
		for i++; i < len(words) && words[i] != "]"; i++ {
			vals = append(vals, words[i])
		}
	}
	for _, v := range vals {
		add(&node{name: name, kind: kLLEntry, key: v})
	}
	return i
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
