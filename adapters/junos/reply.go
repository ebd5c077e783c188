package junos

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// xelem is a parsed XML element of a reply.
type xelem struct {
	Name xml.Name
	Attr []xml.Attr
	Text string
	Kids []*xelem
}

func (e *xelem) child(name string) *xelem {
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

// text returns the trimmed text of the named child (Junos wraps values in newlines).
func (e *xelem) text(name string) string {
	if c := e.child(name); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

// find returns every descendant (at any depth) with local name name, in document order.
func (e *xelem) find(name string) []*xelem {
	var out []*xelem
	var walk func(x *xelem)
	walk = func(x *xelem) {
		for _, k := range x.Kids {
			if k.Name.Local == name {
				out = append(out, k)
				continue
			}
			walk(k)
		}
	}
	if e != nil {
		walk(e)
	}
	return out
}

// maxDepth bounds nesting so a hostile reply cannot exhaust the stack of recursive walkers.
const maxDepth = 256

// parseXML parses one XML document into an element tree.
func parseXML(data []byte) (*xelem, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xelem
	var root *xelem
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse reply: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, errors.New("parse reply: nesting too deep")
			}
			e := &xelem{Name: t.Name, Attr: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Kids = append(p.Kids, e)
			} else if root == nil {
				root = e
			} else {
				return nil, errors.New("parse reply: more than one root element")
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("parse reply: empty")
	}
	return root, nil
}

// RPCError is one rpc-error (or Junos xnm:error) of a reply.
type RPCError struct {
	Type     string
	Tag      string
	Severity string
	Path     string
	Message  string
	// BadElement is error-info/bad-element; SessionID is error-info/session-id (lock holder).
	BadElement string
	SessionID  string
}

func (e RPCError) String() string {
	s := e.Message
	if e.BadElement != "" && !strings.Contains(s, e.BadElement) {
		s += " (" + e.BadElement + ")"
	}
	if e.Path != "" {
		s = e.Path + ": " + s
	}
	return s
}

// Reply is a parsed rpc-reply.
type Reply struct {
	Root     *xelem
	OK       bool       // an <ok/> was found (go-netconf's RPCReply.Ok never is)
	Errors   []RPCError // severity error, at any depth
	Warnings []RPCError
}

// ParseReply parses an rpc-reply and collects every rpc-error and xnm:error at any depth,
// because Junos nests them inside load-configuration-results and commit-results where
// go-netconf does not look. It also reports whether an <ok/> is present anywhere.
func ParseReply(raw []byte) (*Reply, error) {
	root, err := parseXML(bytes.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	if root.Name.Local != "rpc-reply" {
		return nil, fmt.Errorf("parse reply: root is <%s>, want <rpc-reply>", root.Name.Local)
	}
	r := &Reply{Root: root}
	var walk func(x *xelem, depth int)
	walk = func(x *xelem, depth int) {
		for _, k := range x.Kids {
			switch k.Name.Local {
			case "data", "configuration":
				continue // configuration data, never status
			case "ok":
				r.OK = true
			case "rpc-error", "error":
				if k.Name.Local == "error" && k.child("message") == nil && k.child("error-message") == nil {
					walk(k, depth+1)
					continue
				}
				e := RPCError{
					Type: k.text("error-type"), Tag: k.text("error-tag"), Severity: k.text("error-severity"),
					Path: k.text("error-path"), Message: k.text("error-message"),
				}
				if k.Name.Local == "error" { // Junos XML protocol <xnm:error>
					if e.Message == "" {
						e.Message = k.text("message")
					}
					if e.Path == "" {
						e.Path = k.text("edit-path")
					}
					if e.BadElement == "" {
						e.BadElement = k.text("statement")
					}
				}
				if info := k.child("error-info"); info != nil {
					e.BadElement = info.text("bad-element")
					e.SessionID = info.text("session-id")
				}
				if e.Severity == "" {
					e.Severity = "error"
				}
				if e.Severity == "warning" {
					r.Warnings = append(r.Warnings, e)
				} else {
					r.Errors = append(r.Errors, e)
				}
				continue
			case "xnm:warning", "warning":
				if k.child("message") != nil {
					r.Warnings = append(r.Warnings, RPCError{Severity: "warning", Message: k.text("message")})
					continue
				}
			}
			if depth < maxDepth {
				walk(k, depth+1)
			}
		}
	}
	walk(root, 0)
	return r, nil
}
