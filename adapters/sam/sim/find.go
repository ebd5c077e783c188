package sim

import (
	"bytes"
	"encoding/xml"
	"sort"
	"strconv"
	"strings"

	"github.com/xprov/xprov/adapters/sam/samo"
	"github.com/xprov/xprov/adapters/xmltree"
)

// filter is a compiled find filter: equal, notEqual, greater, greaterOrEqual, less,
// lessOrEqual, wildcard (SQL-like, % and _), between, in, and, or, not.
type filter func(attrs map[string]string) bool

func compileFilter(n *xmltree.Node) (filter, *fault) {
	if f := noText(n, "filter"); f != nil {
		return nil, f
	}
	if n == nil || len(n.Children) == 0 {
		return func(map[string]string) bool { return true }, nil
	}
	fs := make([]filter, 0, len(n.Children))
	for _, c := range n.Children {
		f, err := compileExpr(c)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return andOf(fs), nil
}

func andOf(fs []filter) filter {
	return func(a map[string]string) bool {
		for _, f := range fs {
			if !f(a) {
				return false
			}
		}
		return true
	}
}

func compileExpr(n *xmltree.Node) (filter, *fault) {
	name, _ := n.AttrValue("name")
	value, _ := n.AttrValue("value")
	op := n.Name.Local
	switch op {
	case "and", "or", "not":
		fs := make([]filter, 0, len(n.Children))
		for _, c := range n.Children {
			f, err := compileExpr(c)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		switch op {
		case "and":
			return andOf(fs), nil
		case "not":
			all := andOf(fs)
			return func(a map[string]string) bool { return !all(a) }, nil
		}
		return func(a map[string]string) bool {
			for _, f := range fs {
				if f(a) {
					return true
				}
			}
			return false
		}, nil
	}
	if name == "" {
		return nil, clientFault(excXML, "", "filter operator %s needs a name attribute", op)
	}
	switch op {
	case "equal":
		return func(a map[string]string) bool { v, ok := a[name]; return ok && v == value }, nil
	case "notEqual":
		return func(a map[string]string) bool { return a[name] != value }, nil
	case "wildcard":
		return func(a map[string]string) bool { return like(a[name], value) }, nil
	case "in":
		var set []string
		for _, c := range n.Children {
			set = append(set, strings.TrimSpace(c.Text))
		}
		return func(a map[string]string) bool {
			for _, s := range set {
				if a[name] == s {
					return true
				}
			}
			return false
		}, nil
	case "greater", "greaterOrEqual", "less", "lessOrEqual":
		return func(a map[string]string) bool {
			c, ok := compareValues(a[name], value)
			if !ok {
				return false
			}
			switch op {
			case "greater":
				return c > 0
			case "greaterOrEqual":
				return c >= 0
			case "less":
				return c < 0
			}
			return c <= 0
		}, nil
	case "between":
		first, _ := n.AttrValue("first")
		second, _ := n.AttrValue("second")
		return func(a map[string]string) bool {
			c1, ok1 := compareValues(a[name], first)
			c2, ok2 := compareValues(a[name], second)
			return ok1 && ok2 && c1 >= 0 && c2 <= 0
		}, nil
	}
	return nil, clientFault(excXML, "", "unknown filter operator %s", op)
}

func compareValues(a, b string) (int, bool) {
	if a == "" {
		return 0, false
	}
	x, e1 := strconv.ParseFloat(a, 64)
	y, e2 := strconv.ParseFloat(b, 64)
	if e1 == nil && e2 == nil {
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	return strings.Compare(a, b), true
}

// noText refuses an xsd:anyType part that carries text where SAM-O wants elements (a client
// that serialised XML as a string).
func noText(n *xmltree.Node, what string) *fault {
	if n != nil && strings.TrimSpace(n.Text) != "" {
		return clientFault(excXML, "", "%s must hold elements, not text", what)
	}
	return nil
}

// like matches s against an SQL LIKE pattern (% any run, _ one character), iteratively so
// that hostile patterns cannot blow up.
func like(s, pat string) bool {
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pat) && (pat[pi] == '_' || pat[pi] == s[si]):
			si++
			pi++
		case pi < len(pat) && pat[pi] == '%':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi] == '%' {
		pi++
	}
	return pi == len(pat)
}

// resultFilter says which attributes and children a find returns. nil attrs means all;
// nil children means all children with all attributes.
type resultFilter struct {
	attrs    map[string]bool
	children map[string]*resultFilter
	allKids  bool
}

// compileResultFilter refuses elements that have no place in a resultFilter, as a schema
// validating server does: a client whose filter SAM would not understand must learn it
// here, not get every attribute and child back silently.
func compileResultFilter(n *xmltree.Node) (*resultFilter, *fault) {
	if f := noText(n, "resultFilter"); f != nil {
		return nil, f
	}
	rf := &resultFilter{allKids: true}
	if n == nil || len(n.Children) == 0 {
		return rf, nil
	}
	for _, c := range n.Children {
		switch c.Name.Local {
		case "attribute":
			if rf.attrs == nil {
				rf.attrs = map[string]bool{}
			}
			if a := strings.TrimSpace(c.Text); a != "" {
				rf.attrs[a] = true
			}
		case "children":
			rf.allKids = false
			rf.children = map[string]*resultFilter{}
			for _, cc := range c.Children {
				if cc.Name.Local != "resultFilter" {
					return nil, clientFault(excXML, "", "resultFilter: element %s is not allowed in children, only resultFilter", cc.Name.Local)
				}
				class, _ := cc.AttrValue("class")
				crf, f := compileResultFilter(cc)
				if f != nil {
					return nil, f
				}
				rf.children[class] = crf
			}
		default:
			return nil, clientFault(excXML, "", "resultFilter: element %s is not allowed here, only attribute and children", c.Name.Local)
		}
	}
	return rf, nil
}

// find returns the objects of class matching f (compiled from the filter element n), sorted
// by FDN. The candidates come from an index when the filter requires an indexed attribute
// to equal a value; only other filters scan the class.
func (s *store) find(class string, f filter, n *xmltree.Node) []*object {
	cands, ok := s.candidates(class, n)
	if !ok {
		cands = make([]*object, 0, len(s.byClass[class]))
		for _, o := range s.byClass[class] {
			cands = append(cands, o)
		}
	}
	var out []*object
	for _, o := range cands {
		if f(s.attrs(o)) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fdn < out[j].fdn })
	return out
}

// candidates returns the objects of class selected by the most selective indexed equality
// among the conjuncts of filter n (its children and, recursively, those of <and>), or false
// when there is none. The whole filter is still applied to the candidates.
func (s *store) candidates(class string, n *xmltree.Node) ([]*object, bool) {
	if n == nil {
		return nil, false
	}
	// Sizes are compared before any list is built: the first equality may select half the
	// database and the next one a single object.
	var best posting
	found := false
	var walk func(n *xmltree.Node)
	walk = func(n *xmltree.Node) {
		for _, c := range n.Children {
			if found && best.len() == 0 {
				return // nothing can match
			}
			if c.Name.Local == "and" {
				walk(c)
				continue
			}
			if c.Name.Local != "equal" {
				continue
			}
			name, _ := c.AttrValue("name")
			value, ok := c.AttrValue("value")
			if !ok {
				continue
			}
			var p posting
			switch {
			case name == "objectFullName":
				if o := s.objs[value]; o != nil && o.class == class {
					p.one = o
				}
			case indexed[name]:
				p = s.byAttr[attrKey{class, name, value}]
			default:
				continue
			}
			if !found || p.len() < best.len() {
				best, found = p, true
			}
		}
	}
	walk(n)
	return best.objects(), found
}

// writeObject encodes o as <CLASS><attr>v</attr>...<children-Set>...</children-Set></CLASS>.
func (s *store) writeObject(w *xmlWriter, o *object, rf *resultFilter) {
	w.start(o.class)
	a := s.attrs(o)
	for _, k := range sortedKeys(a) {
		if rf.attrs != nil && !rf.attrs[k] {
			continue
		}
		w.leaf(k, a[k])
	}
	kids := make([]*object, 0, len(o.children))
	for _, c := range o.children {
		if rf.allKids || rf.children[c.class] != nil {
			kids = append(kids, c)
		}
	}
	if len(kids) > 0 {
		sort.Slice(kids, func(i, j int) bool { return kids[i].fdn < kids[j].fdn })
		w.start("children-Set")
		for _, c := range kids {
			crf := rf
			if !rf.allKids {
				crf = rf.children[c.class]
			}
			s.writeObject(w, c, crf)
		}
		w.end("children-Set")
	}
	w.end(o.class)
}

// xmlWriter writes elements through encoding/xml so every name and value is escaped.
type xmlWriter struct {
	e   *xml.Encoder
	raw *bytes.Buffer // the encoder's output, for splicing an already encoded fragment
	err error
}

// startNS starts an element in the SAM-O namespace (a method response).
func (w *xmlWriter) startNS(local string) {
	w.start(local, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: samo.Namespace})
}

func (w *xmlWriter) start(local string, attr ...xml.Attr) {
	if w.err == nil {
		w.err = w.e.EncodeToken(xml.StartElement{Name: xml.Name{Local: local}, Attr: attr})
	}
}

func (w *xmlWriter) end(local string) {
	if w.err == nil {
		w.err = w.e.EncodeToken(xml.EndElement{Name: xml.Name{Local: local}})
	}
}

func (w *xmlWriter) leaf(local, text string) {
	w.start(local)
	if w.err == nil && text != "" {
		w.err = w.e.EncodeToken(xml.CharData(text))
	}
	w.end(local)
}
