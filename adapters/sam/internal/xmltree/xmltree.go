// Package xmltree parses untrusted XML (SOAP requests in the SAM simulator, SOAP replies in the
// SAM adapter) into a small element tree under hard limits: total size, nesting depth and
// element count. Documents with a DOCTYPE (and so any entity declaration) are refused outright,
// which closes the door on entity-expansion attacks before encoding/xml sees them.
package xmltree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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

// Node is one element: its name, attributes, child elements and the concatenated character
// data directly inside it.
type Node struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*Node
	Text     string
}

// Child returns the first child element with the local name, or nil.
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

// AttrValue returns the value of the attribute with the local name.
func (n *Node) AttrValue(local string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// Parse reads one document from r and returns its root element.
func Parse(r io.Reader, lim Limits) (*Node, error) {
	lim = lim.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
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
	root, err := parse(data, lim, false)
	return root, err
}

// ParseFragment parses data holding zero or more sibling elements (the inner XML of an
// xsd:anyType element) and returns them as the children of a synthetic root.
func ParseFragment(data []byte, lim Limits) (*Node, error) {
	return parse(data, lim, true)
}

// Check verifies that data is a well-formed document within lim without keeping the tree.
func Check(data []byte, lim Limits) error {
	_, err := parse(data, lim, false)
	return err
}

func parse(data []byte, lim Limits, fragment bool) (*Node, error) {
	lim = lim.withDefaults()
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
		text     []strings.Builder
	)
	text = append(text, strings.Builder{})
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
			n := &Node{Name: t.Name, Attr: append([]xml.Attr(nil), t.Attr...)}
			parent.Children = append(parent.Children, n)
			stack = append(stack, n)
			text = append(text, strings.Builder{})
		case xml.EndElement:
			top := stack[len(stack)-1]
			top.Text = text[len(text)-1].String()
			stack = stack[:len(stack)-1]
			text = text[:len(text)-1]
		case xml.CharData:
			if len(stack) == 1 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("xml: character data outside the root element")
				}
				continue
			}
			text[len(text)-1].Write(t)
		case xml.Directive:
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
