package builtins

// Module pools, for designers.
//
// A pool hands out unique values (VC ids, VPLS ids, route distinguishers, route targets,
// VLANs, IP subnets) to services. Declare every pool in pack.json "pools"; a script may only
// use pools its pack declares.
//
//	pools.allocate(pool, key="", scope="global")  -> int or string
//	pools.lookup(pool, key="", scope="global")    -> int, string or None
//	pools.release(pool, key="", scope="global")   -> None
//
// allocate returns the value this service holds under (pool, scope, key), or takes the lowest
// free one. It is idempotent: rendering the same service again returns the same value, and the
// value stays with the service until the service is deleted. Use key to hold several values
// of one pool ("a", "b" for two route targets) and scope to make values unique only within a
// device or a port (scope=endpoint["device"] + ":" + endpoint["port"] for a VLAN per port).
// Keys and scopes may be strings or ints.
//
// What the value looks like follows the pool's type in pack.json:
//
//	{"type": "int", "start": 1000, "end": 1999}              -> 1000
//	{"type": "format", "start": 1, "end": 9999, "format": "65000:{}"} -> "65000:1"
//	{"type": "prefix", "prefix": "10.0.0.0/16", "length": 30} -> "10.0.0.0/30", "10.0.0.4/30", ...
//
// Errors: a pool not declared in pack.json ("pools.allocate: pool \"x\" is not declared in
// pack.json"), an exhausted pool ("pools.allocate: pool \"vc-id\" is exhausted: ..."), and
// calls from a script's top level (pools only work while a service renders).

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

var poolsModule = &starlarkstruct.Module{
	Name: "pools",
	Members: starlark.StringDict{
		"allocate": starlark.NewBuiltin("pools.allocate", poolsAllocate),
		"lookup":   starlark.NewBuiltin("pools.lookup", poolsLookup),
		"release":  starlark.NewBuiltin("pools.release", poolsRelease),
	},
}

// poolArgs unpacks (pool, key="", scope="global") and finds the pool's definition.
func poolArgs(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*Run, string, PoolDef, string, string, error) {
	var pool string
	var key, scope starlark.Value = starlark.String(""), starlark.String("global")
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pool", &pool, "key?", &key, "scope?", &scope); err != nil {
		return nil, "", nil, "", "", err
	}
	k, err := keyString(b.Name(), "key", key)
	if err != nil {
		return nil, "", nil, "", "", err
	}
	s, err := keyString(b.Name(), "scope", scope)
	if err != nil {
		return nil, "", nil, "", "", err
	}
	if s == "" {
		s = "global"
	}
	run, err := RunOf(thread)
	if err != nil {
		return nil, "", nil, "", "", fmt.Errorf("%s: %w", b.Name(), err)
	}
	def, ok := run.PoolDefs[pool]
	if !ok {
		names := make([]string, 0, len(run.PoolDefs))
		for n := range run.PoolDefs {
			names = append(names, n)
		}
		sort.Strings(names)
		declared := "none"
		if len(names) > 0 {
			declared = strings.Join(names, ", ")
		}
		return nil, "", nil, "", "", fmt.Errorf("%s: pool %q is not declared in pack.json (declared: %s): %w", b.Name(), pool, declared, ErrUnknownPool)
	}
	if run.Pools == nil {
		return nil, "", nil, "", "", fmt.Errorf("%s: pool %q: no pools in this run", b.Name(), pool)
	}
	return run, pool, def, s, k, nil
}

func poolsAllocate(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	run, pool, def, scope, key, err := poolArgs(thread, b, args, kwargs)
	if err != nil {
		return nil, err
	}
	lo, hi := def.Bounds()
	n, err := run.Pools.Allocate(run.ctx(), pool, scope, key, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("%s: pool %q (scope %q, key %q): %w", b.Name(), pool, scope, key, err)
	}
	return poolValue(b.Name(), pool, def, n)
}

func poolsLookup(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	run, pool, def, scope, key, err := poolArgs(thread, b, args, kwargs)
	if err != nil {
		return nil, err
	}
	n, ok, err := run.Pools.Lookup(run.ctx(), pool, scope, key)
	if err != nil {
		return nil, fmt.Errorf("%s: pool %q (scope %q, key %q): %w", b.Name(), pool, scope, key, err)
	}
	if !ok {
		return starlark.None, nil
	}
	return poolValue(b.Name(), pool, def, n)
}

func poolsRelease(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	run, pool, _, scope, key, err := poolArgs(thread, b, args, kwargs)
	if err != nil {
		return nil, err
	}
	if err := run.Pools.Release(run.ctx(), pool, scope, key); err != nil {
		return nil, fmt.Errorf("%s: pool %q (scope %q, key %q): %w", b.Name(), pool, scope, key, err)
	}
	return starlark.None, nil
}

func poolValue(fn, pool string, def PoolDef, n int64) (starlark.Value, error) {
	v, err := def.Value(n)
	if err != nil {
		return nil, fmt.Errorf("%s: pool %q: value %d: %w", fn, pool, n, err)
	}
	switch t := v.(type) {
	case int64:
		return starlark.MakeInt64(t), nil
	case string:
		return starlark.String(t), nil
	}
	return nil, fmt.Errorf("%s: pool %q: value of type %T", fn, pool, v)
}
