package builtins

import (
	"context"
	"fmt"
	"sync"

	"go.starlark.net/starlark"
)

// PoolDef is what the builtins need of one pool a pack declares: the range of offsets to
// allocate from and how an offset becomes the value a script sees. engine/pack's PoolSpec
// implements it.
type PoolDef interface {
	// Bounds returns the inclusive range of offsets the pool hands out.
	Bounds() (lo, hi int64)
	// Value turns an allocated offset into the script's value: an int64 or a string.
	Value(n int64) (any, error)
	// Offset is Value's inverse, for pools.claim: the offset of a script's value (an int64
	// or a string), or an error saying why v is not a value of the pool.
	Offset(v any) (int64, error)
}

// Run is the data of one script call: who is being rendered and where pools and inventory come
// from. The engine attaches a fresh Run to each starlark.Thread (see Attach); builtins read it
// back with RunOf. A Run is used by one thread at a time.
type Run struct {
	// Ctx bounds the builtins' calls into Pools and Inventory.
	Ctx       context.Context
	ServiceID string
	Pools     Pools
	Inventory Inventory
	// PoolDefs are the pools the pack declares, by name; pools.* refuses any other name.
	PoolDefs map[string]PoolDef
	// Log receives log.* and print lines; nil drops them.
	Log func(level, msg string)

	devices map[string]starlark.Value
}

const runKey = "xprov.builtins.run"

// Attach makes r the run data of thread. Call it before the thread executes anything.
func (r *Run) Attach(thread *starlark.Thread) {
	thread.SetLocal(runKey, r)
	thread.Print = func(_ *starlark.Thread, msg string) { r.log("debug", msg) }
}

// RunOf returns the run data attached to thread, or an error wrapping ErrNoRun.
func RunOf(thread *starlark.Thread) (*Run, error) {
	r, ok := thread.Local(runKey).(*Run)
	if !ok || r == nil {
		return nil, ErrNoRun
	}
	return r, nil
}

func (r *Run) ctx() context.Context {
	if r.Ctx == nil {
		return context.Background()
	}
	return r.Ctx
}

func (r *Run) log(level, msg string) {
	if r != nil && r.Log != nil {
		r.Log(level, msg)
	}
}

// Predeclared returns the names every pack script sees besides Starlark's universe: the
// modules pools, inventory, log, json and ip, and the functions fail and struct. The dictionary
// and everything in it is frozen and shared by all threads; do not modify it.
func Predeclared() starlark.StringDict { return predeclared() }

var predeclared = sync.OnceValue(func() starlark.StringDict {
	d := starlark.StringDict{
		"pools":     poolsModule,
		"inventory": inventoryModule,
		"log":       logModule,
		"fail":      failBuiltin,
		"struct":    structBuiltin,
		"json":      jsonModule,
		"ip":        ipModule,
	}
	d.Freeze()
	return d
})

// keyString accepts a string or an int where a builtin takes a key or scope, so scripts can
// pass VLAN numbers as they are.
func keyString(fn, param string, v starlark.Value) (string, error) {
	switch t := v.(type) {
	case starlark.String:
		return string(t), nil
	case starlark.Int:
		return t.String(), nil
	case starlark.NoneType:
		return "", nil
	}
	return "", fmt.Errorf("%s: %s must be a string or an int, got %s", fn, param, v.Type())
}
