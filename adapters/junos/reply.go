package junos

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/xprov/xprov/adapters/xmltree"
)

// maxDepth bounds nesting so a hostile reply cannot exhaust the stack of recursive walkers.
const maxDepth = 256

// replyOptions parse a reply as parseXML always did: the transport already bounds a message
// (Config.MaxReplyBytes), so only nesting is limited here; a directive and stray text around
// the root element are tolerated, and namespace declarations are kept.
var replyOptions = xmltree.Options{
	Limits:                xmltree.Limits{MaxBytes: math.MaxInt64, MaxDepth: maxDepth, MaxElements: math.MaxInt},
	AllowDirectives:       true,
	IgnoreTextOutsideRoot: true,
}

// parseXML parses one XML document into an element tree.
func parseXML(data []byte) (*xmltree.Node, error) {
	root, err := xmltree.ParseBytesWith(data, replyOptions)
	if err != nil {
		return nil, fmt.Errorf("parse reply: %w", err)
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
	Root     *xmltree.Node
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
	var walk func(x *xmltree.Node, depth int)
	walk = func(x *xmltree.Node, depth int) {
		for _, k := range x.Children {
			switch k.Name.Local {
			case "data", "configuration":
				continue // configuration data, never status
			case "ok":
				r.OK = true
			case "rpc-error", "error":
				if k.Name.Local == "error" && k.Child("message") == nil && k.Child("error-message") == nil {
					walk(k, depth+1)
					continue
				}
				e := RPCError{
					Type: k.ChildText("error-type"), Tag: k.ChildText("error-tag"), Severity: k.ChildText("error-severity"),
					Path: k.ChildText("error-path"), Message: k.ChildText("error-message"),
				}
				if k.Name.Local == "error" { // Junos XML protocol <xnm:error>
					if e.Message == "" {
						e.Message = k.ChildText("message")
					}
					if e.Path == "" {
						e.Path = k.ChildText("edit-path")
					}
					if e.BadElement == "" {
						e.BadElement = k.ChildText("statement")
					}
				}
				if info := k.Child("error-info"); info != nil {
					e.BadElement = info.ChildText("bad-element")
					e.SessionID = info.ChildText("session-id")
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
				if k.Child("message") != nil {
					r.Warnings = append(r.Warnings, RPCError{Severity: "warning", Message: k.ChildText("message")})
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
