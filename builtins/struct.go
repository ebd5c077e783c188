package builtins

// Function struct, for designers.
//
//	struct(**kwargs) -> struct
//
// An immutable record with named fields: s = struct(vlan=100, port="ge-0/0/1"); s.vlan.
// Inventory returns devices and ports as structs. A struct returned from service() or render()
// converts to a JSON object (its fields sorted by name).

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

var structBuiltin = starlark.NewBuiltin("struct", starlarkstruct.Make)
