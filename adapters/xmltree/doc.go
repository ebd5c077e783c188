// Package xmltree is a bounded, hostile-input-safe XML element tree for the southbound
// protocols: SOAP requests and replies of SAM-O (adapters/sam and its simulator) and NETCONF
// messages of Junos (adapters/junos and its simulator).
//
// Parse reads a document under hard limits (total size, nesting depth, element count) so
// that a hostile peer cannot exhaust memory or the stack of the recursive walkers built on
// the tree. Only the five predefined entities exist: encoding/xml never expands a declared
// entity, and by default a document with a DOCTYPE (or any other directive) is refused
// outright, which SOAP requires (SOAP 1.1 §3, WS-I BP R1008).
//
// The protocols disagree on a few details, so these are options rather than one silent
// choice (see Options): NETCONF peers have always been allowed a directive and stray text
// around the root element, and the Junos simulator drops namespace declarations so that
// trees it echoes back do not carry the client's xmlns attributes.
//
// A Node keeps the character data directly inside an element as one string (mixed content
// loses the order of text and child elements), untrimmed; ChildText trims, because both
// Junos and SAM wrap values in whitespace.
package xmltree
