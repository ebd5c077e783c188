// Package samo is the SAM-O (5620 SAM XML API) SOAP contract xprov uses: the WSDL in samo.wsdl
// and the client that gowsdl v0.5.0 generates from it into samo.go. Both the adapter
// (adapters/sam) and the simulator (adapters/sam/sim) build on this package, so they cannot
// drift apart.
package samo

import _ "embed"

//go:generate go run github.com/hooklift/gowsdl/cmd/gowsdl -d .. -o samo.go -p samo samo.wsdl

// WSDL is the contract samo.go was generated from; the simulator serves it at GET /wsdl.
//
//go:embed samo.wsdl
var WSDL []byte

// Namespace is the XML namespace of every SAM-O method and of the header.
const Namespace = "xmlapi_1.0"
