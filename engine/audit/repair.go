package audit

import (
	"fmt"

	"github.com/xprov/xprov/adapters/config"
)

// RestoreShared completes a re-deploy's change set on one target. A re-deploy diffs what the
// service wants against what the target holds (actual); diff.Compute leaves out a wanted node
// other services own with the same value, because such a node is normally there already. When
// the device lost it (a configuration wiped and restored in part), nobody puts it back, and
// the next service on the port fails ("VLAN-ID can only be specified on tagged ethernet
// interfaces"). RestoreShared adds a create for every wanted node the target lacks that cs
// does not create or update, and returns the change set in apply order.
//
// The request path calls it for OpRedeploy after diffing against the fetched state (engine/plan.go,
// compute); it reads nothing itself.
func RestoreShared(cs config.ChangeSet, actual, want []config.Leaf) config.ChangeSet {
	have := make(map[string]bool, len(actual))
	for _, l := range actual {
		have[l.Path.String()] = true
	}
	planned := make(map[string]bool, len(cs.Changes))
	for _, c := range cs.Changes {
		if c.Op != config.Delete {
			planned[c.Path.String()] = true
		}
	}
	out := config.ChangeSet{Target: cs.Target, Changes: append([]config.Change(nil), cs.Changes...)}
	added := false
	for _, l := range want {
		k := l.Path.String()
		if have[k] || planned[k] {
			continue
		}
		out.Changes = append(out.Changes, config.Change{Op: config.Create, Path: l.Path, Value: l.Value})
		added = true
	}
	if added {
		config.SortChanges(out.Changes)
	}
	return out
}

// ExtraDeletes returns the deletes that remove the extra nodes a report found on target (a
// "disable" added under a service's unit), top-most first, for a re-deploy to add to its
// change set: a re-deploy diffs only the nodes the service owns or wants, so without them it
// leaves what was added under them. The request path gets the report from Check just before.
func ExtraDeletes(rep *Report, target string) ([]config.Change, error) {
	var out []config.Change
	for _, d := range rep.Drift {
		if d.Target != target {
			continue
		}
		for _, x := range d.Extra {
			p, err := config.ParsePath(x.Path)
			if err != nil {
				return nil, fmt.Errorf("audit: extra node on %s: %w", target, err)
			}
			out = append(out, config.Change{Op: config.Delete, Path: p, Old: x.Actual})
		}
	}
	config.SortChanges(out)
	return out, nil
}
