package audit

import "github.com/xprov/xprov/engine/store"

// ownedSetT is a set in tests: a service and its leaves as path, value pairs (sorted).
type ownedSetT struct {
	svc string
	kv  []string
}

func toSets(ts []ownedSetT) []store.OwnedSet {
	var out []store.OwnedSet
	for _, t := range ts {
		s := store.OwnedSet{Service: t.svc, Target: "pe1"}
		for i := 0; i < len(t.kv); i += 2 {
			s.Leaves = append(s.Leaves, store.OwnedLeaf{Target: "pe1", Path: t.kv[i], Value: t.kv[i+1]})
		}
		out = append(out, s)
	}
	return out
}
