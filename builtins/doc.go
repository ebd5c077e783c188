// Package builtins holds the Starlark modules that pack scripts see: pools, inventory, log,
// fail, struct, json and ip. Scripts reach the world only through these modules; run data (the
// service being rendered, its pools and inventory view) reaches them through thread-locals.
//
// The engine provides the data sources through the small interfaces below.
package builtins

import (
	"context"

	"github.com/xprov/xprov/adapters"
)

// Pools allocates integers from named pools, atomically and idempotently per
// (pool, scope, service, key). Values are offsets in [lo, hi]; a pool's pack-level spec turns
// them into route distinguishers, prefixes and so on. The engine binds one Pools to each run.
type Pools interface {
	// Allocate returns the value held by this service under (pool, scope, key), or takes the
	// lowest free one in [lo, hi]. It fails with an error wrapping ErrPoolExhausted when none is
	// free.
	Allocate(ctx context.Context, pool, scope, key string, lo, hi int64) (int64, error)
	// Lookup returns the value held by this service under (pool, scope, key).
	Lookup(ctx context.Context, pool, scope, key string) (int64, bool, error)
	// Release gives back the value held by this service under (pool, scope, key); no error when
	// nothing is held.
	Release(ctx context.Context, pool, scope, key string) error
	// Claim makes this service hold exactly value in (pool, scope): a value the operator chose
	// rather than one the pool picks. value need not lie in the pool's [lo, hi]; claims outside
	// it only guard against other claims. It is idempotent: nothing changes when the service
	// already holds value in (pool, scope), under key or under any other key (an earlier
	// automatic allocation that equals the operator's value stays as it is). When the service
	// holds another value under (pool, scope, key), the claim replaces it (the engine gives the
	// old one back when the run records, like every allocation a new render no longer uses).
	// When another service holds value, Claim fails with a *HeldError (wrapping ErrValueHeld),
	// naming the holder when the implementation knows it.
	Claim(ctx context.Context, pool, scope, key string, value int64) error
}

// Inventory is the read-only view of devices and ports a script gets.
type Inventory interface {
	// Device returns the named device with its ports.
	Device(ctx context.Context, name string) (adapters.Device, bool, error)
	// Devices lists devices, optionally only of one vendor ("" for all).
	Devices(ctx context.Context, vendor string) ([]adapters.Device, error)
}
