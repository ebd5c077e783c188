package pack

import (
	"encoding/json"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/xprov/xprov/builtins"
	"go.starlark.net/starlark"
)

// DefaultMaxSteps is the default Starlark step budget of one script call.
const DefaultMaxSteps = 1_000_000

// Options tune how packs load and run.
type Options struct {
	// MaxSteps bounds every script call (service, render, a file's top level); 0 means
	// DefaultMaxSteps.
	MaxSteps uint64
}

func (o Options) maxSteps() uint64 {
	if o.MaxSteps == 0 {
		return DefaultMaxSteps
	}
	return o.MaxSteps
}

// Pack is one loaded, compiled service pack. It is immutable and safe for concurrent use.
type Pack struct {
	// Meta is pack.json.
	Meta Meta
	// Dir is where the pack was loaded from, for messages.
	Dir string
	// Version is pack.json's version plus a short hash of the pack's files
	// ("1.2.0+3fa9c1d2e4b5"); services record it.
	Version string
	// Hash is the full content hash (hex sha256 over every file the pack is made of).
	Hash string
	// Schema and Form are schema.json and form.json as read (Form is nil without form.json).
	Schema json.RawMessage
	Form   json.RawMessage

	schema   *jsonschema.Schema
	scripts  map[string]*script // by file name, entry files and libraries
	poolDefs map[string]builtins.PoolDef
	opts     Options
}

// Name returns the pack's name (the service type).
func (p *Pack) Name() string { return p.Meta.Name }

// Vendors returns the vendors the pack renders for.
func (p *Pack) Vendors() []string { return append([]string(nil), p.Meta.Vendors...) }

// HasScript reports whether the pack has the named .star file (e.g. "ops.star").
func (p *Pack) HasScript(file string) bool { _, ok := p.scripts[file]; return ok }

// script is one compiled .star file and its frozen globals.
type script struct {
	file    string
	prog    *starlark.Program
	globals starlark.StringDict
}

func (p *Pack) endpointsField() string {
	if p.Meta.EndpointsField != "" {
		return p.Meta.EndpointsField
	}
	return "/endpoints"
}
