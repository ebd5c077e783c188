package xmltree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Limits bound what Parse accepts. Zero fields take the defaults below.
type Limits struct {
	MaxBytes    int64 // whole document
	MaxDepth    int   // element nesting
	MaxElements int   // element count
}

// Default limits: generous for SAM-O traffic (a find over thousands of services), small
// enough that a hostile document cannot exhaust memory.
const (
	DefaultMaxBytes    = 32 << 20
	DefaultMaxDepth    = 64
	DefaultMaxElements = 2_000_000
)

// ErrLimit is wrapped by every refusal due to Limits or to a forbidden construct.
var ErrLimit = errors.New("xml: refused")

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	return l
}

// Options are Limits plus the points on which the protocols differ. The zero value is the
// strict SOAP behaviour.
type Options struct {
	Limits
	// AllowDirectives skips a DOCTYPE or other directive instead of refusing the document.
	// It stays safe because encoding/xml never expands a declared entity: a reference to one
	// is still a syntax error. NETCONF never forbade a DTD the way SOAP does.
	AllowDirectives bool
	// IgnoreTextOutsideRoot skips non-blank character data before or after the root element
	// instead of refusing the document.
	IgnoreTextOutsideRoot bool
	// DropNamespaceDecls leaves xmlns and xmlns:prefix attributes out of Node.Attr; element
	// and attribute names keep their resolved namespace either way.
	DropNamespaceDecls bool
}

// Node is one element: its name, attributes, child elements and the concatenated character
// data directly inside it.
type Node struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*Node
	Text     string
}

// Child returns the first child element with the local name, or nil; it is safe on a nil
// node, so lookups chain: n.Child("a").Child("b").
func (n *Node) Child(local string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name.Local == local {
			return c
		}
	}
	return nil
}

// Elements returns the child elements of n; it is safe on a nil node.
func (n *Node) Elements() []*Node {
	if n == nil {
		return nil
	}
	return n.Children
}

// ChildText returns the trimmed text of the first child with the local name, "" if absent.
func (n *Node) ChildText(local string) string {
	if c := n.Child(local); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

// Find returns the descendants of n with the local name, in document order. It does not
// look inside a match, so nested elements of the same name (a Junos <unit> inside a
// <unit>) are reached only from the outer match.
func (n *Node) Find(local string) []*Node {
	var out []*Node
	var walk func(x *Node)
	walk = func(x *Node) {
		for _, c := range x.Children {
			if c.Name.Local == local {
				out = append(out, c)
				continue
			}
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

// AttrValue returns the value of the first attribute with the local name, in any namespace
// except the namespace declarations (xmlns:local).
func (n *Node) AttrValue(local string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Name.Local == local && a.Name.Space != "xmlns" {
			return a.Value, true
		}
	}
	return "", false
}

// SetAttr appends an attribute without namespace and returns n, for building trees.
func (n *Node) SetAttr(local, value string) *Node {
	n.Attr = append(n.Attr, xml.Attr{Name: xml.Name{Local: local}, Value: value})
	return n
}

// Add appends the non-nil kids as children and returns n, for building trees.
func (n *Node) Add(kids ...*Node) *Node {
	for _, k := range kids {
		if k != nil {
			n.Children = append(n.Children, k)
		}
	}
	return n
}

// Encode writes n and its subtree through enc: names and attributes as they are, then the
// text (escaped by enc), then the children. Text and children are not interleaved.
func (n *Node) Encode(enc *xml.Encoder) error {
	start := xml.StartElement{Name: n.Name, Attr: n.Attr}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if n.Text != "" {
		if err := enc.EncodeToken(xml.CharData(n.Text)); err != nil {
			return err
		}
	}
	for _, c := range n.Children {
		if err := c.Encode(enc); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}

// Parse reads one document from r and returns its root element.
func Parse(r io.Reader, lim Limits) (*Node, error) {
	lim = lim.withDefaults()
	n := lim.MaxBytes
	if n < math.MaxInt64 {
		n++ // read one byte more to tell "at the limit" from "over it"
	}
	data, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrLimit, lim.MaxBytes)
	}
	return ParseBytes(data, lim)
}

// ParseBytes parses data, which must hold exactly one root element.
func ParseBytes(data []byte, lim Limits) (*Node, error) {
	return parse(data, Options{Limits: lim}, false)
}

// ParseBytesWith is ParseBytes with the protocol options of o.
func ParseBytesWith(data []byte, o Options) (*Node, error) {
	return parse(data, o, false)
}

// ParseFragment parses data holding zero or more sibling elements (the inner XML of an
// xsd:anyType element) and returns them as the children of a synthetic root.
func ParseFragment(data []byte, lim Limits) (*Node, error) {
	return parse(data, Options{Limits: lim}, true)
}

// Check verifies that data is a well-formed document within lim without keeping the tree.
func Check(data []byte, lim Limits) error {
	_, err := parse(data, Options{Limits: lim}, false)
	return err
}

func isNamespaceDecl(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns")
}

func parse(data []byte, o Options, fragment bool) (*Node, error) {
	lim := o.Limits.withDefaults()
	if int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrLimit, lim.MaxBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// Only the predefined entities exist; d.Entity stays nil so that any other reference fails.
	var (
		root     = &Node{}
		stack    = []*Node{root}
		elements int
		// One builder per open element, by pointer: appending to the stack may move the
		// slice, and a strings.Builder must not be copied once written to.
		text = []*strings.Builder{{}}
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			if elements > lim.MaxElements {
				return nil, fmt.Errorf("%w: more than %d elements", ErrLimit, lim.MaxElements)
			}
			if len(stack) > lim.MaxDepth {
				return nil, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, lim.MaxDepth)
			}
			parent := stack[len(stack)-1]
			if !fragment && parent == root && len(root.Children) > 0 {
				return nil, fmt.Errorf("xml: more than one root element")
			}
			n := &Node{Name: t.Name}
			for _, a := range t.Attr {
				if o.DropNamespaceDecls && isNamespaceDecl(a) {
					continue
				}
				n.Attr = append(n.Attr, a)
			}
			parent.Children = append(parent.Children, n)
			stack = append(stack, n)
			text = append(text, &strings.Builder{})
		case xml.EndElement:
			top := stack[len(stack)-1]
			top.Text = text[len(text)-1].String()
			stack = stack[:len(stack)-1]
			text = text[:len(text)-1]
		case xml.CharData:
			if len(stack) == 1 {
				if !o.IgnoreTextOutsideRoot && len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("xml: character data outside the root element")
				}
				continue
			}
			text[len(text)-1].Write(t)
		case xml.Directive:
			if o.AllowDirectives {
				continue
			}
			// <!DOCTYPE ...> and friends: SOAP forbids a DTD (SOAP 1.1 §3 / WS-I BP R1008).
			return nil, fmt.Errorf("%w: DTD or directive not allowed", ErrLimit)
		case xml.ProcInst, xml.Comment:
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("xml: unexpected end of document")
	}
	if fragment {
		return root, nil
	}
	if len(root.Children) != 1 {
		return nil, fmt.Errorf("xml: no root element")
	}
	return root.Children[0], nil
}
