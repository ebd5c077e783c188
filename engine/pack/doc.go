// Package pack loads service packs and runs their scripts.
//
// A pack is a directory: pack.json (the manifest, checked against schemas/pack.schema.json),
// schema.json (the intent's JSON Schema, draft 2020-12, compiled once), form.json (the
// operator's form, checked against schemas/form.schema.json, every scope resolved against
// schema.json) and Starlark files: service.star (optional vendor-neutral logic), one
// <vendor>.star per vendor of pack.json, optional workflow.star and ops.star, and any helper
// files they load(). Load collects every problem of a pack, each with file:line:col, into one
// *LoadError; a Registry loads every pack under its roots, keeps going past broken ones and
// reloads at runtime.
//
// The pipeline per request is Validate (every failing field as a JSON pointer) then Render:
// service(intent) on a fresh thread, then render(svc, endpoint) of each endpoint's vendor
// script, each on its own fresh thread with a step limit and the request's context, the
// results flattened into config leaves per device. Op runs one troubleshooting op of ops.star,
// name(svc, endpoint), on the same svc and endpoint a render sees, with pools read-only, and
// returns the command to send to the endpoint's device.
//
// # Starlark dialect
//
// Files compile once, with these syntax.FileOptions: while loops allowed (the step limit
// bounds them), recursion not allowed (it protects the Go stack; walk trees with loops), set()
// allowed, top-level if/for allowed (to build constant tables), global reassignment not
// allowed (a second assignment to a top-level name is almost always a typo).
//
// load("lib.star", "name") works for other .star files of the same pack directory only;
// there is no way to reach files outside the pack. A file's top level runs once when the pack
// loads and its globals are frozen: scripts share constants and functions, never state.
// Builtins that need a service (pools, inventory) fail at top level.
package pack
