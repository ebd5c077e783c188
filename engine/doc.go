// Package engine runs xprov's request path: validate an intent against its pack, allocate
// from pools and render desired configuration with the pack's scripts, diff it against what the
// service owned (reference-counted against other services), and apply the change sets as one
// transaction through the adapters, journaling every step in the store so that a crash at any
// point is finished or rolled back on restart.
//
// The seams are small interfaces owned here: Packs (engine/pack), adapters.Target (adapters/)
// and store.Store (engine/store). docs/architecture.md walks through the path.
package engine
