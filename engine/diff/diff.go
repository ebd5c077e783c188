// Package diff computes the minimal change set that takes a target from what one service owned
// before to what it wants now, respecting what other services own there (reference counting)
// and refusing silent conflicts.
package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/xprov/xprov/adapters/config"
)

// Owner is another owner of a node on the same target.
type Owner struct {
	// Service is the owning service id; External marks configuration that was on the device
	// before any service created it (never removed by xprov).
	Service string
	Value   string
}

// External is the Owner.Service of pre-existing device configuration.
const External = "~device"

// Others reports, for a path string, the owners of that node other than the service being
// diffed, and whether any other owner holds a node strictly below it.
type Others interface {
	Owners(path string) []Owner
	HasDescendants(path string) bool
}

// Conflict is a refused change: the service wants a value at a path that another service owns
// with a different value.
type Conflict struct {
	Target  string
	Path    string
	Want    string
	Owner   string
	Holding string
}

// ConflictError lists every conflict of a plan.
type ConflictError struct{ Conflicts []Conflict }

func (e *ConflictError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		parts[i] = fmt.Sprintf("%s %s: wants %q but service %s owns it with %q", c.Target, c.Path, c.Want, c.Owner, c.Holding)
	}
	return "conflict: " + strings.Join(parts, "; ")
}

// Compute returns the change set for one target. old is what the service owned there, want
// what it wants now (both as leaves); others describes the rest of the target's owners (nil
// when the service is alone).
//
// Rules: a node wanted and owned by nobody is created; a node whose value changes is updated
// unless another service holds it with the old value (conflict); a node wanted with the value
// another owner already holds is shared and needs no device change; a node no longer wanted is
// deleted only when no other owner holds it or anything below it, and only at the top-most such
// node (deleting a list entry removes its subtree in one change).
func Compute(target string, old, want []config.Leaf, others Others) (config.ChangeSet, error) {
	if others == nil {
		others = none{}
	}
	oldM := make(map[string]config.Leaf, len(old))
	for _, l := range old {
		oldM[l.Path.String()] = l
	}
	wantM := make(map[string]config.Leaf, len(want))
	for _, l := range want {
		wantM[l.Path.String()] = l
	}
	cs := config.ChangeSet{Target: target}
	var conflicts []Conflict
	for k, l := range wantM {
		prev, had := oldM[k]
		owners := others.Owners(k)
		if had && prev.Value == l.Value {
			continue
		}
		var holder *Owner
		for i := range owners {
			if owners[i].Value != l.Value && owners[i].Service != External {
				holder = &owners[i]
				break
			}
		}
		if holder != nil {
			conflicts = append(conflicts, Conflict{Target: target, Path: k, Want: l.Value, Owner: holder.Service, Holding: holder.Value})
			continue
		}
		switch {
		case had:
			cs.Changes = append(cs.Changes, config.Change{Op: config.Update, Path: l.Path, Value: l.Value, Old: prev.Value})
		case len(owners) > 0:
			// Shared with another owner. An external (pre-existing) node with another value is
			// taken over with an update; a service-owned one already has this value.
			if owners[0].Service == External && owners[0].Value != l.Value {
				cs.Changes = append(cs.Changes, config.Change{Op: config.Update, Path: l.Path, Value: l.Value, Old: owners[0].Value})
			}
		default:
			cs.Changes = append(cs.Changes, config.Change{Op: config.Create, Path: l.Path, Value: l.Value})
		}
	}
	if len(conflicts) > 0 {
		sort.Slice(conflicts, func(i, j int) bool { return conflicts[i].Path < conflicts[j].Path })
		return config.ChangeSet{}, &ConflictError{Conflicts: conflicts}
	}
	// Deletes: nodes owned before, no longer wanted, held by nobody else and with nothing
	// wanted or held by others below them.
	var dels []config.Leaf
	for k, l := range oldM {
		if _, ok := wantM[k]; ok {
			continue
		}
		if len(others.Owners(k)) > 0 || others.HasDescendants(k) {
			continue
		}
		dels = append(dels, l)
	}
	config.SortLeaves(dels)
	deleted := map[string]bool{}
	for _, l := range dels {
		if wantsBelow(wantM, l.Path) {
			continue
		}
		if ancestorDeleted(deleted, l.Path) {
			continue
		}
		deleted[l.Path.String()] = true
		cs.Changes = append(cs.Changes, config.Change{Op: config.Delete, Path: l.Path, Old: l.Value})
	}
	config.SortChanges(cs.Changes)
	return cs, nil
}

func wantsBelow(want map[string]config.Leaf, p config.Path) bool {
	prefix := p.String() + "/"
	for k := range want {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func ancestorDeleted(deleted map[string]bool, p config.Path) bool {
	for i := len(p) - 1; i > 0; i-- {
		if deleted[p[:i].String()] {
			return true
		}
	}
	return false
}

type none struct{}

func (none) Owners(string) []Owner      { return nil }
func (none) HasDescendants(string) bool { return false }

// MapOthers is an Others backed by a map of path to owners, for tests and small plans.
type MapOthers map[string][]Owner

// Owners implements Others.
func (m MapOthers) Owners(p string) []Owner { return m[p] }

// HasDescendants implements Others.
func (m MapOthers) HasDescendants(p string) bool {
	prefix := p + "/"
	for k := range m {
		if strings.HasPrefix(k, prefix) && len(m[k]) > 0 {
			return true
		}
	}
	return false
}
