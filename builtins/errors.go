package builtins

import "errors"

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
