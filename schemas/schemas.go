// Package schemas carries xprov's JSON Schemas in the binary: the meta-schemas of a pack's
// pack.json and form.json, and common.json, the shared definitions packs $ref. Nothing is
// fetched from the network: the engine preloads these documents under their $id.
package schemas

import (
	"embed"
	"io/fs"
)

// Base is the URL prefix of every $id in this package.
const Base = "https://xprov.dev/schemas/"

// The $ids of the embedded documents.
const (
	CommonURL = Base + "common.json"
	PackURL   = Base + "pack.schema.json"
	FormURL   = Base + "form.schema.json"
)

//go:embed *.json
var files embed.FS

// FS returns the embedded schema files (common.json, pack.schema.json, form.schema.json).
func FS() fs.FS { return files }

// ByURL returns the embedded document whose $id is url, or false when there is none.
func ByURL(url string) ([]byte, bool) {
	if len(url) <= len(Base) || url[:len(Base)] != Base {
		return nil, false
	}
	b, err := files.ReadFile(url[len(Base):])
	if err != nil {
		return nil, false
	}
	return b, true
}
