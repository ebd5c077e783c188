package sim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"

	"github.com/xprov/xprov/adapters/xmltree"
)

// Namespaces used on the wire.
const (
	nsBase     = "urn:ietf:params:xml:ns:netconf:base:1.0"
	nsXNM      = "http://xml.juniper.net/xnm/1.1/xnm"
	nsJunosFmt = "http://xml.juniper.net/junos/%s/junos"
)

// The simulator reads and writes NETCONF as xmltree nodes: the only way it produces XML is
// through encoding/xml, so values are always escaped.

// el builds an element with local name name and children kids.
func el(name string, kids ...*xmltree.Node) *xmltree.Node {
	return &xmltree.Node{Name: xml.Name{Local: name}, Children: kids}
}

// tx builds a text-only element.
func tx(name, text string) *xmltree.Node {
	return &xmltree.Node{Name: xml.Name{Local: name}, Text: text}
}

// parseOptions keep what the simulator always accepted: the framer already bounds a message
// (maxMessage), directives are skipped, and namespace declarations are dropped so that
// subtrees echoed back (stored configuration) do not carry the client's xmlns attributes.
var parseOptions = xmltree.Options{
	Limits:             xmltree.Limits{MaxBytes: math.MaxInt64, MaxDepth: math.MaxInt, MaxElements: math.MaxInt},
	AllowDirectives:    true,
	DropNamespaceDecls: true,
}

// parseElem parses one XML document into an element tree. Leading whitespace and an XML
// declaration are skipped; comments and processing instructions are ignored.
func parseElem(data []byte) (*xmltree.Node, error) {
	return xmltree.ParseBytesWith(data, parseOptions)
}

// marshal renders e as XML bytes.
func marshal(e *xmltree.Node) []byte {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := e.Encode(enc); err != nil {
		// Only invalid names can fail, and the simulator only builds valid ones.
		panic(fmt.Sprintf("sim: marshal %s: %v", e.Name.Local, err))
	}
	if err := enc.Flush(); err != nil {
		panic(err)
	}
	return b.Bytes()
}
