package sim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces used on the wire.
const (
	nsBase     = "urn:ietf:params:xml:ns:netconf:base:1.0"
	nsXNM      = "http://xml.juniper.net/xnm/1.1/xnm"
	nsJunosFmt = "http://xml.juniper.net/junos/%s/junos"
)

// elem is a parsed XML element: enough structure for NETCONF requests and replies, and the
// only way the simulator produces XML (through encoding/xml, so values are always escaped).
type elem struct {
	Name xml.Name
	Attr []xml.Attr
	Text string
	Kids []*elem
}

// el builds an element with local name name and children kids.
func el(name string, kids ...*elem) *elem { return &elem{Name: xml.Name{Local: name}, Kids: kids} }

// tx builds a text-only element.
func tx(name, text string) *elem { return &elem{Name: xml.Name{Local: name}, Text: text} }

// attr sets an attribute and returns e.
func (e *elem) attr(name, value string) *elem {
	e.Attr = append(e.Attr, xml.Attr{Name: xml.Name{Local: name}, Value: value})
	return e
}

// add appends children and returns e.
func (e *elem) add(kids ...*elem) *elem {
	for _, k := range kids {
		if k != nil {
			e.Kids = append(e.Kids, k)
		}
	}
	return e
}

// child returns the first child with local name name.
func (e *elem) child(name string) *elem {
	if e == nil {
		return nil
	}
	for _, k := range e.Kids {
		if k.Name.Local == name {
			return k
		}
	}
	return nil
}

// text returns the trimmed text of the named child, "" when absent.
func (e *elem) childText(name string) string {
	if c := e.child(name); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

// attrValue returns the value of the attribute with local name name (any namespace).
func (e *elem) attrValue(name string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space != "xmlns" {
			return a.Value, true
		}
	}
	return "", false
}

// parseElem parses one XML document into an element tree. Leading whitespace and an XML
// declaration are skipped; comments and processing instructions are ignored.
func parseElem(data []byte) (*elem, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*elem
	var root *elem
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			e := &elem{Name: t.Name}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				e.Attr = append(e.Attr, a)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Kids = append(p.Kids, e)
			} else if root == nil {
				root = e
			} else {
				return nil, errors.New("parse xml: more than one root element")
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("parse xml: text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("parse xml: no element")
	}
	return root, nil
}

// encode writes e through an xml.Encoder.
func (e *elem) encode(enc *xml.Encoder) error {
	start := xml.StartElement{Name: e.Name, Attr: e.Attr}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if e.Text != "" {
		if err := enc.EncodeToken(xml.CharData(e.Text)); err != nil {
			return err
		}
	}
	for _, k := range e.Kids {
		if err := k.encode(enc); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}

// marshal renders e as XML bytes.
func (e *elem) marshal() []byte {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := e.encode(enc); err != nil {
		// Only invalid names can fail, and the simulator only builds valid ones.
		panic(fmt.Sprintf("sim: marshal %s: %v", e.Name.Local, err))
	}
	if err := enc.Flush(); err != nil {
		panic(err)
	}
	return b.Bytes()
}
