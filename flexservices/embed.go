// Package flexservices holds the bundled service packs, each in its own directory: eline/,
// elan/, l3vpn/, iptv-l3vpn/ and dia/. FS embeds their pack files (pack.json, schema.json,
// form.json and every *.star, not the tests) so the binary can ship them:
//
//	sub, _ := fs.Sub(flexservices.FS, "eline")
//	p, err := pack.LoadFS(sub, "flexservices/eline", pack.Options{})
package flexservices

import "embed"

// FS holds the bundled packs' files, one directory per pack (see Names).
//
//go:embed eline/*.json eline/*.star
//go:embed elan/*.json elan/*.star
//go:embed l3vpn/*.json l3vpn/*.star
//go:embed iptv-l3vpn/*.json iptv-l3vpn/*.star
//go:embed dia/*.json dia/*.star
var FS embed.FS

// Names lists the bundled packs, in the order the demo shows them.
var Names = []string{"eline", "elan", "l3vpn", "iptv-l3vpn", "dia"}
