package builtins

// Module pools, for designers.
//
// A pool hands out unique values (VC ids, VPLS ids, route distinguishers, route targets,
// VLANs, IP subnets) to services. Declare every pool in pack.json "pools"; a script may only
// use pools its pack declares.
//
//	pools.allocate(pool, key="", scope="global", field=None)      -> int or string
//	pools.claim(pool, value, key="", scope="global", field=None)  -> value
//	pools.lookup(pool, key="", scope="global")                    -> int, string or None
//	pools.release(pool, key="", scope="global")                   -> None
//
// allocate returns the value this service holds under (pool, scope, key), or takes the lowest
// free one. It is idempotent: rendering the same service again returns the same value, and the
// value stays with the service until the service is deleted. Use key to hold several values
// of one pool ("a", "b" for two route targets) and scope to make values unique only within a
// device or a port (scope=endpoint["device"] + ":" + endpoint["port"] for a VLAN per port).
// Keys and scopes may be strings or ints.
//
// claim takes a value the operator chose (a VLAN typed into the form) so that no other service
// claims it and no automatic allocation picks it later. It returns value. It is idempotent for
// the service: claiming a value the service already holds in (pool, scope), under any key,
// changes nothing; claiming another value under the same key replaces the old one (given back
// when the service's run records). value may lie outside the pool's start..end: a VLAN pool
// that allocates from 2000-3999 still records operator VLANs 1-1999, so two services cannot
// both claim VLAN 120 on one port. When another service holds value, claim fails naming it.
//
//	scope = ep["device"] + ":" + ep["port"]
//	if ep.get("vlan") in (None, "auto"):
//	    vlan = pools.allocate("access-vlan", scope=scope, field=ptr + "/vlan")
//	else:
//	    vlan = pools.claim("access-vlan", ep["vlan"], scope=scope, field=ptr + "/vlan")
//
// field, a JSON pointer into the intent, turns the two failures an operator can fix (an
// exhausted pool for allocate, a value held by another service for claim) into a field error
// at that pointer, like fail(msg, field=...): the operator sees it next to the input and the
// REST API answers 422. Without field they are script errors with file:line.
//
// What the value looks like follows the pool's type in pack.json:
//
//	{"type": "int", "start": 1000, "end": 1999}              -> 1000
//	{"type": "format", "start": 1, "end": 9999, "format": "65000:{}"} -> "65000:1"
//	{"type": "prefix", "prefix": "10.0.0.0/16", "length": 30} -> "10.0.0.0/30", "10.0.0.4/30", ...
//
// claim takes the value in the pool's own form: an int for "int" pools, the formatted string
// for "format" pools ("65000:120"), the subnet for "prefix" pools ("10.0.0.4/30").
//
// Errors: a pool not declared in pack.json ("pools.allocate: pool \"x\" is not declared in
// pack.json"), an exhausted pool ("pools.allocate: pool \"vc-id\" (scope \"global\", key
// \"\"): all 9000 values 1000-9999 taken: pool exhausted"), a claimed value held elsewhere
// ("pools.claim: value 120 of pool \"access-vlan\" (scope \"pe1:ge-0/0/1\") is held by
// service \"svc-7\""), a claim value that is not one of the pool's, and calls from a script's
// top level (pools only work while a service renders).

import (
	"errors"
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
		"claim":    starlark.NewBuiltin("pools.claim", poolsClaim),
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
	return resolvePool(thread, b, pool, key, scope)
}

// resolvePool checks key and scope and finds the run and the pool's definition.
func resolvePool(thread *starlark.Thread, b *starlark.Builtin, pool string, key, scope starlark.Value) (*Run, string, PoolDef, string, string, error) {
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

// fieldArg checks a field= argument: None or a JSON pointer.
func fieldArg(fn string, v starlark.Value) (string, error) {
	switch t := v.(type) {
	case starlark.NoneType:
		return "", nil
	case starlark.String:
		f := string(t)
		if f != "" && !strings.HasPrefix(f, "/") {
			return "", fmt.Errorf("%s: field must be a JSON pointer starting with \"/\", got %q", fn, f)
		}
		return f, nil
	}
	return "", fmt.Errorf("%s: field must be a string (JSON pointer), got %s", fn, v.Type())
}

func poolsAllocate(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pool string
	var key, scope starlark.Value = starlark.String(""), starlark.String("global")
	var fieldV starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pool", &pool, "key?", &key, "scope?", &scope, "field?", &fieldV); err != nil {
		return nil, err
	}
	field, err := fieldArg(b.Name(), fieldV)
	if err != nil {
		return nil, err
	}
	run, pool, def, scope2, key2, err := resolvePool(thread, b, pool, key, scope)
	if err != nil {
		return nil, err
	}
	lo, hi := def.Bounds()
	n, err := run.Pools.Allocate(run.ctx(), pool, scope2, key2, lo, hi)
	if err != nil {
		if field != "" && isExhausted(err) {
			return nil, &FailError{Field: field, Msg: exhaustedMsg(pool, scope2, lo, hi, def)}
		}
		return nil, fmt.Errorf("%s: pool %q (scope %q, key %q): %w", b.Name(), pool, scope2, key2, err)
	}
	return poolValue(b.Name(), pool, def, n)
}

// exhaustedMsg is the operator's message for an exhausted pool.
func exhaustedMsg(pool, scope string, lo, hi int64, def PoolDef) string {
	where := ""
	if scope != "global" {
		where = fmt.Sprintf(" for %s", scope)
	}
	first, err1 := def.Value(lo)
	last, err2 := def.Value(hi)
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("pool %s is exhausted%s", pool, where)
	}
	return fmt.Sprintf("pool %s is exhausted%s: all of %v-%v are taken", pool, where, first, last)
}

func poolsClaim(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pool string
	var value starlark.Value
	var key, scope starlark.Value = starlark.String(""), starlark.String("global")
	var fieldV starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pool", &pool, "value", &value, "key?", &key, "scope?", &scope, "field?", &fieldV); err != nil {
		return nil, err
	}
	field, err := fieldArg(b.Name(), fieldV)
	if err != nil {
		return nil, err
	}
	run, pool, def, scope2, key2, err := resolvePool(thread, b, pool, key, scope)
	if err != nil {
		return nil, err
	}
	var v any
	switch t := value.(type) {
	case starlark.Int:
		n, ok := t.Int64()
		if !ok {
			return nil, fmt.Errorf("%s: pool %q: value %s is out of range", b.Name(), pool, t)
		}
		v = n
	case starlark.String:
		v = string(t)
	default:
		return nil, fmt.Errorf("%s: pool %q: value must be an int or a string, got %s", b.Name(), pool, value.Type())
	}
	n, err := def.Offset(v)
	if err != nil {
		return nil, fmt.Errorf("%s: pool %q: %s is not one of its values: %w", b.Name(), pool, value, err)
	}
	if err := run.Pools.Claim(run.ctx(), pool, scope2, key2, n); err != nil {
		var he *HeldError
		if errors.As(err, &he) {
			// Show the value as the script gave it, not the pool's offset.
			msg := strings.Replace(he.Error(), fmt.Sprintf("value %d ", he.Value), fmt.Sprintf("value %s ", value), 1)
			if field != "" {
				return nil, &FailError{Field: field, Msg: msg}
			}
			return nil, fmt.Errorf("%s: %s: %w", b.Name(), msg, ErrValueHeld)
		}
		return nil, fmt.Errorf("%s: pool %q (scope %q, key %q): value %s: %w", b.Name(), pool, scope2, key2, value, err)
	}
	return value, nil
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
