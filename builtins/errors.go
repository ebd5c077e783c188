package builtins

import "errors"

// ErrPoolExhausted is wrapped by Pools.Allocate when a pool has no free value.
var ErrPoolExhausted = errors.New("pool exhausted")
