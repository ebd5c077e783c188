package audit

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/store"
)

// Report is the audit of one service: its status and, per target, what differs.
type Report struct {
	Service string `json:"service"`
	// Status is store.AuditInSync, store.AuditDrifted or store.AuditUnknown.
	Status string `json:"status"`
	// InSync is Status == in-sync (kept for clients that read the boolean).
	InSync bool          `json:"in_sync"`
	Drift  []TargetDrift `json:"drift,omitempty"`
}

// TargetDrift lists the differences on one target, or why it could not be read.
type TargetDrift struct {
	Target string `json:"target"`
	// Missing are owned nodes the target does not hold (Want is the owned value).
	Missing []DriftLeaf `json:"missing,omitempty"`
	// Changed are owned leaves holding another value.
	Changed []DriftLeaf `json:"changed,omitempty"`
	// Extra are nodes nobody owns below an entry this service alone owns (Actual is the
	// value found).
	Extra []DriftLeaf `json:"extra,omitempty"`
	// Error says why the target could not be read (the service is then unknown, not drifted).
	Error string `json:"error,omitempty"`
}

// DriftLeaf is one node that differs. Path is config.Path.String().
type DriftLeaf struct {
	Path   string `json:"path"`
	Want   string `json:"want,omitempty"`
	Actual string `json:"actual,omitempty"`
}

func (d *TargetDrift) drifted() bool {
	return len(d.Missing) > 0 || len(d.Changed) > 0 || len(d.Extra) > 0
}

// Owners is what the comparison asks of the store about nodes owned outside the audited sets.
type Owners interface {
	Owners(ctx context.Context, target string, paths []string, exclude ...string) (map[string][]store.Owner, error)
}

// coarseAt is how many nodes below one container are read as the container itself: a target
// holding thousands of services' units is read as "interfaces", not unit by unit.
const coarseAt = 32

// fetchPaths returns what to read on a target for the given owned paths: each from its first
// list entry (a port, an object), top-most only; and a container (or the whole target, for
// entries at the top) instead of more than coarseAt entries below it.
func fetchPaths(paths []string) ([]config.Path, error) {
	roots := map[string]config.Path{}
	for _, s := range paths {
		p, err := config.ParsePath(s)
		if err != nil {
			return nil, fmt.Errorf("audit: owned path: %w", err)
		}
		cut := len(p)
		for i, seg := range p {
			if seg.IsEntry() {
				cut = i + 1
				break
			}
		}
		r := p[:cut]
		roots[r.String()] = r
	}
	byParent := map[string][]config.Path{}
	parents := map[string]config.Path{}
	for _, r := range roots {
		k := r.Parent().String()
		byParent[k] = append(byParent[k], r)
		parents[k] = r.Parent()
	}
	var out []config.Path
	for k, rs := range byParent {
		if len(rs) > coarseAt {
			if len(parents[k]) == 0 {
				return []config.Path{{}}, nil // everything the target holds
			}
			out = append(out, parents[k])
			continue
		}
		out = append(out, rs...)
	}
	sort.Slice(out, func(i, j int) bool { return config.Compare(out[i], out[j]) < 0 })
	// Drop paths below another (a root below a coarsened container).
	kept := out[:0]
	for _, p := range out {
		if len(kept) > 0 && p.HasPrefix(kept[len(kept)-1]) {
			continue
		}
		kept = append(kept, p)
	}
	return kept, nil
}

// readTarget fetches what t holds at the nodes the sets own, as path -> value.
func readTarget(ctx context.Context, t adapters.Target, sets []store.OwnedSet) (map[string]string, error) {
	var paths []string
	for _, s := range sets {
		for _, l := range s.Leaves {
			paths = append(paths, l.Path)
		}
	}
	fps, err := fetchPaths(paths)
	if err != nil {
		return nil, err
	}
	if len(fps) == 0 {
		return map[string]string{}, nil
	}
	leaves, err := t.Fetch(ctx, fps)
	if err != nil {
		return nil, err
	}
	actual := make(map[string]string, len(leaves))
	for _, l := range leaves {
		actual[l.Path.String()] = l.Value
	}
	return actual, nil
}

// extraCand is a node nobody in the audited sets owns, below an entry one of them alone owns.
type extraCand struct {
	service, path, value, entry string
}

// compareTarget compares the sets on target with what it holds and returns the drift of each
// service that has some, plus the extra candidates (nodes no audited set owns, below an entry
// one set alone owns), which the caller checks against the store's other owners.
func compareTarget(target string, sets []store.OwnedSet, actual map[string]string) (map[string]*TargetDrift, []extraCand) {
	drift := map[string]*TargetDrift{}
	owned := make(map[string]bool)
	entries := map[string]string{} // entry path -> its one owner ("" when shared)
	for _, s := range sets {
		var d TargetDrift
		lastMissing := ""
		for _, l := range s.Leaves {
			owned[l.Path] = true
			if isEntry(l.Path) {
				if prev, ok := entries[l.Path]; ok && prev != s.Service {
					entries[l.Path] = ""
				} else {
					entries[l.Path] = s.Service
				}
			}
			v, ok := actual[l.Path]
			switch {
			case !ok:
				if lastMissing != "" && strings.HasPrefix(l.Path, lastMissing+"/") {
					continue // below a missing node: the top-most says it
				}
				lastMissing = l.Path
				d.Missing = append(d.Missing, DriftLeaf{Path: l.Path, Want: l.Value})
			case v != l.Value:
				d.Changed = append(d.Changed, DriftLeaf{Path: l.Path, Want: l.Value, Actual: v})
			}
		}
		if d.drifted() {
			d.Target = target
			drift[s.Service] = &d
		}
	}
	var cands []extraCand
	for p, v := range actual {
		if owned[p] || restatesKey(p, v) {
			continue
		}
		// The deepest owned entry above p. Keys may hold "/" (ge-0/0/1): a cut inside a key
		// gives a string that is no owned entry, so it is passed over.
		for i := strings.LastIndexByte(p, '/'); i > 0; i = strings.LastIndexByte(p[:i], '/') {
			svc, ok := entries[p[:i]]
			if !ok {
				continue
			}
			if svc != "" {
				cands = append(cands, extraCand{service: svc, path: p, value: v, entry: p[:i]})
			}
			break
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].path < cands[j].path })
	return drift, cands
}

// restatesKey reports whether a leaf directly below a list entry holds the entry's key or a
// part of a composite key ("1/1/1:100" has parts "1/1/1" and "100"): an NMS returns an
// object's key properties (serviceId, portName) with it, and they are its identity, not
// configuration anyone added.
func restatesKey(p, v string) bool {
	i := strings.LastIndexByte(p, '/')
	if i < 0 || v == "" || !isEntry(p[:i]) {
		return false
	}
	parent := p[:i]
	open := strings.LastIndexByte(parent, '[')
	if open < 0 {
		return false
	}
	key := strings.ReplaceAll(parent[open+1:len(parent)-1], `\]`, "]")
	if v == key {
		return true
	}
	for _, part := range strings.Split(key, ":") {
		if part == v {
			return true
		}
	}
	return false
}

// isEntry reports whether a path string ends in a list entry ("unit[100]"): its last segment
// is keyed, so the string ends with "]" (an escaped "]" in a key is followed by the closing
// one).
func isEntry(p string) bool { return strings.HasSuffix(p, "]") }

// checkExtras keeps the candidates that are extra indeed: the node has no owner in the store
// (a service outside the audit, or configuration that was there before any service) and the
// entry above it has no owner but the candidate's service. It adds them to drift.
func checkExtras(ctx context.Context, st Owners, target string, cands []extraCand, drift map[string]*TargetDrift) error {
	bySvc := map[string][]extraCand{}
	for _, c := range cands {
		bySvc[c.service] = append(bySvc[c.service], c)
	}
	svcs := make([]string, 0, len(bySvc))
	for s := range bySvc {
		svcs = append(svcs, s)
	}
	sort.Strings(svcs)
	for _, svc := range svcs {
		cs := bySvc[svc]
		// The entries first: below one somebody else owns too (a port, as one service's own
		// look at its target sees it), nothing is anyone's extra, and its nodes need no
		// question of their own.
		var entries []string
		seen := map[string]bool{}
		for _, c := range cs {
			if !seen[c.entry] {
				seen[c.entry] = true
				entries = append(entries, c.entry)
			}
		}
		shared, err := st.Owners(ctx, target, entries, svc)
		if err != nil {
			return fmt.Errorf("audit: owners on %s: %w", target, err)
		}
		var ask []string
		var alone []extraCand
		for _, c := range cs {
			if len(shared[c.entry]) == 0 {
				ask = append(ask, c.path)
				alone = append(alone, c)
			}
		}
		if len(alone) == 0 {
			continue
		}
		others, err := st.Owners(ctx, target, ask, svc)
		if err != nil {
			return fmt.Errorf("audit: owners on %s: %w", target, err)
		}
		for _, c := range alone {
			if len(others[c.path]) > 0 {
				continue
			}
			d := drift[svc]
			if d == nil {
				d = &TargetDrift{Target: target}
				drift[svc] = d
			}
			d.Extra = append(d.Extra, DriftLeaf{Path: c.path, Actual: c.value})
		}
	}
	return nil
}

// ErrUnknownTarget means no adapter is registered for a target services own configuration on.
var ErrUnknownTarget = errors.New("no adapter for the target")
