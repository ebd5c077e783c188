package builtins

import (
	"errors"
	"fmt"
)

// ErrPoolExhausted is wrapped by Pools.Allocate when a pool has no free value.
var ErrPoolExhausted = errors.New("pool exhausted")

// ErrUnknownPool is wrapped when a script names a pool its pack.json does not declare.
var ErrUnknownPool = errors.New("unknown pool")

// ErrUnknownDevice is wrapped when a script asks inventory for a device it does not hold.
var ErrUnknownDevice = errors.New("unknown device")

// ErrUnknownPort is wrapped when a script asks inventory for a port a device does not have.
var ErrUnknownPort = errors.New("unknown port")

// ErrNoRun is returned by builtins that need run data (pools, inventory) when they are called
// outside a run, e.g. from a script's top level while the pack loads.
var ErrNoRun = errors.New("no run: builtin called at load time (call it from a function)")

// ErrValueHeld is wrapped by Pools.Claim when another service holds the value.
var ErrValueHeld = errors.New("value held by another service")

// HeldError is Pools.Claim's refusal: Value of Pool (in Scope) is held by another service,
// Holder when the Pools implementation can tell which ("" otherwise).
type HeldError struct {
	Pool, Scope string
	Value       int64
	Holder      string
}

func (e *HeldError) Error() string {
	who := "another service"
	if e.Holder != "" {
		who = fmt.Sprintf("service %q", e.Holder)
	}
	return fmt.Sprintf("value %d of pool %q (scope %q) is held by %s", e.Value, e.Pool, e.Scope, who)
}

// Unwrap makes errors.Is(err, ErrValueHeld) true.
func (e *HeldError) Unwrap() error { return ErrValueHeld }

// isExhausted reports whether a Pools error means the pool is full: implementations wrap
// ErrPoolExhausted (the engine wraps its store's sentinel into it).
func isExhausted(err error) bool {
	return errors.Is(err, ErrPoolExhausted)
}
