// Package flexservices holds the bundled service packs, each in its own directory: eline/,
// elan/, l3vpn/, iptv-l3vpn/ and dia/. FS embeds their pack files (pack.json, schema.json,
// form.json and every *.star, not the tests) and the shared libraries of lib/ they load as
// load("../lib/common.star", ...), so the binary can ship them:
//
//	reg := pack.NewRegistry(pack.Options{}, pack.Source{Name: "flexservices", FS: flexservices.FS})
//
// or, for one pack:
//
//	sub, _ := fs.Sub(flexservices.FS, "eline")
//	lib, _ := fs.Sub(flexservices.FS, "lib")
//	p, err := pack.LoadFSLib(sub, lib, "flexservices/eline", pack.Options{})
package flexservices

import "embed"

// FS holds the bundled packs' files, one directory per pack (see Names).
//
//go:embed eline/*.json eline/*.star
//go:embed elan/*.json elan/*.star
//go:embed l3vpn/*.json l3vpn/*.star
//go:embed iptv-l3vpn/*.json iptv-l3vpn/*.star
//go:embed lib/*.star
//go:embed dia/*.json dia/*.star
var FS embed.FS

// Names lists the bundled packs, in the order the demo shows them.
var Names = []string{"eline", "elan", "l3vpn", "iptv-l3vpn", "dia"}
