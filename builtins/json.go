package builtins

// Module json, for designers.
//
//	json.encode(x) -> string          json.decode(s) -> value
//	json.indent(s, prefix="", indent="\t") -> string
//	json.encode_indent(x, prefix="", indent="\t") -> string
//
// The standard Starlark JSON module (go.starlark.net/lib/json). Dict keys are encoded in
// the dict's order; integers of any size stay exact.
//
// The engine converts values between JSON and Starlark the same way when it hands the intent
// to a script and takes a script's result back: objects become dicts with sorted keys, integers
// become ints (exact, any size), other numbers floats, null None; back from Starlark, dicts
// (string keys only), lists, tuples, structs, ints, floats, strings, bools and None convert;
// anything else (a function, a set) is an error naming where it was found.

import (
	"go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// jsonModule is a copy of lib/json's module, so that freezing our predeclared names never
// touches another package's variable.
var jsonModule = func() *starlarkstruct.Module {
	m := &starlarkstruct.Module{Name: "json", Members: starlark.StringDict{}}
	for k, v := range json.Module.Members {
		m.Members[k] = v
	}
	return m
}()
