package junos

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/xmltree"
)

// nsBase is the NETCONF base namespace (also that of the nc:operation attribute).
const nsBase = "urn:ietf:params:xml:ns:netconf:base:1.0"

// leafLists are the Junos statements whose XML form is a repeated element with text rather than
// a keyed entry with a <name> child. A keyed Seg with one of these names is a leaf-list value.
var leafLists = map[string]bool{
	"vrf-import": true, "vrf-export": true, "import": true, "export": true,
	"members": true, "apply-groups": true, "vlan-id-list": true,
}

// xnode is one element of an edit or filter document under construction.
type xnode struct {
	seg   config.Seg
	value string
	del   bool
	whole bool // filter: select everything below
	kids  []*xnode
}

func (n *xnode) leafList() bool { return n.seg.IsEntry() && leafLists[n.seg.Name] }

// childFor returns the live (not deleted) child for seg, creating it when create is set.
func (n *xnode) childFor(seg config.Seg, create bool) *xnode {
	for i := len(n.kids) - 1; i >= 0; i-- {
		k := n.kids[i]
		if k.seg == seg && !k.del {
			return k
		}
	}
	if !create {
		return nil
	}
	k := &xnode{seg: seg}
	n.kids = append(n.kids, k)
	return k
}

func (n *xnode) deleted(seg config.Seg) bool {
	for _, k := range n.kids {
		if k.seg == seg && k.del {
			return true
		}
	}
	return false
}

// editTree builds the edit document for a change set. Changes apply in order: a delete
// becomes its own element so that a later create of the same node is a separate sibling, and
// a delete under an already deleted node is dropped (the outer delete covers it).
func editTree(cs config.ChangeSet) (*xnode, error) {
	root := &xnode{}
	for _, c := range cs.Changes {
		if len(c.Path) == 0 {
			return nil, fmt.Errorf("change %s with an empty path", c.Op)
		}
		cur := root
		for i, seg := range c.Path {
			if seg.Name == "" {
				return nil, fmt.Errorf("change %s %s: empty segment name", c.Op, c.Path)
			}
			last := i == len(c.Path)-1
			if c.Op == config.Delete && cur.deleted(seg) {
				break
			}
			if last && c.Op == config.Delete {
				// The old value rides along: typed YANG leaves (yuma123) refuse an empty value
				// even in an element that is being removed.
				cur.kids = append(cur.kids, &xnode{seg: seg, del: true, value: c.Old})
				break
			}
			cur = cur.childFor(seg, true)
			if last {
				switch c.Op {
				case config.Create, config.Update:
					cur.value = c.Value
				default:
					return nil, fmt.Errorf("change %s: unknown op %q", c.Path, c.Op)
				}
			}
		}
	}
	return root, nil
}

// dialect says how to spell configuration for the server at hand.
type dialect struct {
	junos      bool              // wrap in <configuration>, delete with delete="delete"
	namespaces map[string]string // top-level element -> namespace (RFC 6241 servers)
}

// encodeEdit writes the <config> element of an edit-config for root.
func (dl dialect) encodeEdit(enc *xml.Encoder, root *xnode) error {
	cfg := xml.StartElement{Name: xml.Name{Local: "config"}}
	if err := enc.EncodeToken(cfg); err != nil {
		return err
	}
	if dl.junos {
		c := xml.StartElement{Name: xml.Name{Local: "configuration"}}
		if err := enc.EncodeToken(c); err != nil {
			return err
		}
		for _, k := range root.kids {
			if err := dl.encodeNode(enc, k, true, 0); err != nil {
				return err
			}
		}
		if err := enc.EncodeToken(c.End()); err != nil {
			return err
		}
	} else {
		for _, k := range root.kids {
			if err := dl.encodeNode(enc, k, true, 0); err != nil {
				return err
			}
		}
	}
	return enc.EncodeToken(cfg.End())
}

func (dl dialect) encodeNode(enc *xml.Encoder, n *xnode, top bool, depth int) error {
	start := xml.StartElement{Name: xml.Name{Local: n.seg.Name}}
	if top && !dl.junos {
		start.Name.Space = dl.namespaces[n.seg.Name]
	}
	if n.del {
		if dl.junos {
			start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "delete"}, Value: "delete"})
		} else {
			// "remove" would tolerate an absent node but is base:1.1 only, and go-netconf
			// speaks base:1.0; Prepare drops deletes of absent nodes instead.
			start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Space: nsBase, Local: "operation"}, Value: "delete"})
		}
	}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	switch {
	case n.leafList():
		if err := enc.EncodeToken(xml.CharData(n.seg.Key)); err != nil {
			return err
		}
	case n.seg.IsEntry():
		k := xml.StartElement{Name: xml.Name{Local: config.KeyField}}
		if err := enc.EncodeElement(n.seg.Key, k); err != nil {
			return err
		}
	case n.value != "" && (!n.del || !dl.junos):
		if err := enc.EncodeToken(xml.CharData(n.value)); err != nil {
			return err
		}
	}
	if !n.del {
		for _, k := range n.kids {
			if err := dl.encodeNode(enc, k, false, depth+1); err != nil {
				return err
			}
		}
	}
	return enc.EncodeToken(start.End())
}

// editXML renders the <config> element for a change set.
func (dl dialect) editXML(cs config.ChangeSet) (string, error) {
	root, err := editTree(cs)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := dl.encodeEdit(enc, root); err != nil {
		return "", err
	}
	if err := enc.Flush(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// filterXML renders a subtree filter selecting every path (nil: everything, no filter).
func (dl dialect) filterXML(paths []config.Path) (string, bool, error) {
	if len(paths) == 0 {
		return "", false, nil
	}
	root := &xnode{}
	for _, p := range paths {
		if len(p) == 0 {
			return "", false, nil
		}
		cur := root
		for _, seg := range p {
			if cur.whole {
				break
			}
			cur = cur.childFor(seg, true)
		}
		cur.kids, cur.whole = nil, true
	}
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	f := xml.StartElement{Name: xml.Name{Local: "filter"}, Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: "subtree"}}}
	if err := enc.EncodeToken(f); err != nil {
		return "", false, err
	}
	if dl.junos {
		if err := enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: "configuration"}}); err != nil {
			return "", false, err
		}
	}
	for _, k := range root.kids {
		if err := dl.encodeNode(enc, k, true, 0); err != nil {
			return "", false, err
		}
	}
	if dl.junos {
		if err := enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: "configuration"}}); err != nil {
			return "", false, err
		}
	}
	if err := enc.EncodeToken(f.End()); err != nil {
		return "", false, err
	}
	if err := enc.Flush(); err != nil {
		return "", false, err
	}
	return b.String(), true, nil
}

// leavesOf flattens configuration XML into leaves, in the shape packs render: an element with
// a <name> child is a keyed entry, an element with children a container, an element with text
// a leaf, an empty element a presence node, and a leaf-list value (a known leaf-list name, or a
// text element repeated among its siblings) a keyed entry with an empty value.
func leavesOf(parent *xmltree.Node, p config.Path, out *[]config.Leaf) {
	count := map[string]int{}
	for _, k := range parent.Children {
		if len(k.Children) == 0 {
			count[k.Name.Local]++
		}
	}
	for _, k := range parent.Children {
		name := k.Name.Local
		var key *xmltree.Node
		for _, c := range k.Children {
			if c.Name.Local == config.KeyField && len(c.Children) == 0 {
				key = c
				break
			}
		}
		switch {
		case key != nil:
			q := p.Child(config.Seg{Name: name, Key: strings.TrimSpace(key.Text), Keyed: true})
			*out = append(*out, config.Leaf{Path: q})
			rest := &xmltree.Node{Children: make([]*xmltree.Node, 0, len(k.Children))}
			for _, c := range k.Children {
				if c != key {
					rest.Children = append(rest.Children, c)
				}
			}
			leavesOf(rest, q, out)
		case len(k.Children) > 0:
			// A container with children is implied by them (config.FromTree does the same).
			leavesOf(k, p.Child(config.Seg{Name: name}), out)
		default:
			v := strings.TrimSpace(k.Text)
			if v != "" && (leafLists[name] || count[name] > 1) {
				*out = append(*out, config.Leaf{Path: p.Child(config.Seg{Name: name, Key: v, Keyed: true})})
				continue
			}
			*out = append(*out, config.Leaf{Path: p.Child(config.Seg{Name: name}), Value: v})
		}
	}
}
