package audit

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/engine/store"
)

// Reader is what auditing one service needs of the store.
type Reader interface {
	Owners
	GetService(ctx context.Context, id string) (store.Service, error)
	Owned(ctx context.Context, service string) ([]store.OwnedLeaf, error)
	ListServices(ctx context.Context, f store.ServiceFilter) ([]store.Service, string, error)
	ListDevices(ctx context.Context) ([]store.Device, error)
}

// TargetFunc returns the adapter of a target by name.
type TargetFunc func(name string) (adapters.Target, bool)

// Check audits one service now, reading each of its targets, and returns its report; nothing
// is stored. A service that changed while it was audited (another version recorded, or a
// request in flight) is unknown when it looked drifted: what it owns and what the targets hold
// were not read at one point of its life.
//
// Extra nodes are confirmed by a second look: a node is extra when nobody owned it after a
// first read showed it, a second read still shows it, nobody owns it after that read either,
// and no request creating or modifying a service on its port was in flight at either check.
// A request records what it owns when it ends and marks its service busy before it touches a
// device, so a node some request put there (or is taking away) fails one of these.
func Check(ctx context.Context, st Reader, target TargetFunc, id string) (*Report, error) {
	first, before, err := look(ctx, st, target, id)
	if err != nil || first.Status != store.AuditDrifted {
		return first, err
	}
	if rep, err := settled(ctx, st, id, before, first); rep != nil || err != nil {
		return rep, err
	}
	if !hasExtra(first) {
		return first, nil
	}
	second, again, err := look(ctx, st, target, id)
	if err != nil {
		return nil, err
	}
	if again.Version != before.Version {
		return unsure(second, fmt.Sprintf("service %s changed while it was audited (version %d, now %d)", id, before.Version, again.Version)), nil
	}
	// Only extra nodes both looks saw count.
	seen := map[string]bool{}
	for _, d := range first.Drift {
		for _, x := range d.Extra {
			seen[d.Target+"\x00"+x.Path] = true
		}
	}
	parts := make([]TargetDrift, 0, len(second.Drift))
	for _, d := range second.Drift {
		kept := d.Extra[:0:0]
		for _, x := range d.Extra {
			if seen[d.Target+"\x00"+x.Path] {
				kept = append(kept, x)
			}
		}
		d.Extra = kept
		if d.drifted() || d.Error != "" {
			parts = append(parts, d)
		}
	}
	rep := report(id, parts)
	if rep.Status != store.AuditDrifted {
		return rep, nil
	}
	if r, err := settled(ctx, st, id, before, rep); r != nil || err != nil {
		return r, err
	}
	return rep, nil
}

func hasExtra(rep *Report) bool {
	for _, d := range rep.Drift {
		if len(d.Extra) > 0 {
			return true
		}
	}
	return false
}

// look reads what a service owns and its targets once and compares them (extras checked
// against the store's owners after the read).
func look(ctx context.Context, st Reader, target TargetFunc, id string) (*Report, store.Service, error) {
	before, err := st.GetService(ctx, id)
	if err != nil {
		return nil, before, fmt.Errorf("audit: service %s: %w", id, err)
	}
	owned, err := st.Owned(ctx, id)
	if err != nil {
		return nil, before, fmt.Errorf("audit: service %s: %w", id, err)
	}
	byTarget := map[string][]store.OwnedLeaf{}
	for _, l := range owned {
		byTarget[l.Target] = append(byTarget[l.Target], l)
	}
	names := make([]string, 0, len(byTarget))
	for t := range byTarget {
		names = append(names, t)
	}
	sort.Strings(names)
	var parts []TargetDrift
	for _, t := range names {
		set := store.OwnedSet{Service: id, Version: before.Version, State: before.State, Target: t, Leaves: byTarget[t]}
		d, err := checkTarget(ctx, st, target, t, []store.OwnedSet{set})
		if err != nil {
			return nil, before, err
		}
		if td := d[id]; td != nil {
			parts = append(parts, *td)
		}
	}
	return report(id, parts), before, nil
}

// settled returns rep made unknown when the drift it shows may be a request's doing: the
// service changed or is busy since before, or a request in flight on the port of an extra node
// may own it; nil when the drift stands.
func settled(ctx context.Context, st Reader, id string, before store.Service, rep *Report) (*Report, error) {
	after, err := st.GetService(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("audit: service %s: %w", id, err)
	}
	if after.Version != before.Version || busy(after.State) || busy(before.State) {
		return unsure(rep, fmt.Sprintf("service %s changed while it was audited (version %d, now %d, state %s)",
			id, before.Version, after.Version, after.State)), nil
	}
	for _, d := range rep.Drift {
		if len(d.Extra) == 0 {
			continue
		}
		svc, err := inFlight(ctx, st, d.Target, d.Extra)
		if err != nil {
			return nil, fmt.Errorf("audit: service %s: %w", id, err)
		}
		if svc != "" {
			return unsure(rep, fmt.Sprintf("a request on service %s is in flight on %s and may own the extra nodes", svc, d.Target)), nil
		}
	}
	return nil, nil
}

// unsure turns a drifted report into an unknown one, saying why.
func unsure(rep *Report, why string) *Report {
	rep.Status, rep.InSync = store.AuditUnknown, false
	rep.Drift = append(rep.Drift, TargetDrift{Error: why})
	return rep
}

// inFlight returns a service being created or modified on a device of target (the device
// itself, or those the NMS target manages) with an endpoint whose port appears in one of the
// extra paths (or with no port), "" when there is none.
func inFlight(ctx context.Context, st Reader, target string, extra []DriftLeaf) (string, error) {
	devs := map[string]bool{target: true}
	all, err := st.ListDevices(ctx)
	if err != nil {
		return "", err
	}
	for _, d := range all {
		if d.NMS == target {
			devs[d.Name] = true
		}
	}
	// Services in flight are few: walk them by state, not the device's services.
	for _, state := range []string{store.StateCreating, store.StateModifying} {
		f := store.ServiceFilter{State: state, Limit: store.MaxPageSize}
		for {
			page, next, err := st.ListServices(ctx, f)
			if err != nil {
				return "", err
			}
			for _, s := range page {
				for _, ep := range s.Endpoints {
					if !devs[ep.Device] {
						continue
					}
					for _, x := range extra {
						if ep.Port == "" || strings.Contains(x.Path, ep.Port) {
							return s.ID, nil
						}
					}
				}
			}
			if next == "" {
				break
			}
			f.After = next
		}
	}
	return "", nil
}

// checkTarget reads one target and compares it with the sets, extras included. A target that
// cannot be read gives every set's service a TargetDrift with Error. It fails only when the
// store does.
func checkTarget(ctx context.Context, st Owners, target TargetFunc, t string, sets []store.OwnedSet) (map[string]*TargetDrift, error) {
	tg, ok := target(t)
	var actual map[string]string
	var err error
	if !ok {
		err = fmt.Errorf("%s: %w", t, ErrUnknownTarget)
	} else {
		actual, err = readTarget(ctx, tg, sets)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("audit: read %s: %w", t, ctx.Err())
		}
		out := make(map[string]*TargetDrift, len(sets))
		for _, s := range sets {
			out[s.Service] = &TargetDrift{Target: t, Error: err.Error()}
		}
		return out, nil
	}
	drift, cands := compareTarget(t, sets, actual)
	if err := checkExtras(ctx, st, t, cands, drift); err != nil {
		return nil, err
	}
	return drift, nil
}

// report sums a service's parts: drifted when a target drifted, else unknown when one could not
// be read, else in sync.
func report(id string, parts []TargetDrift) *Report {
	rep := &Report{Service: id, Status: store.AuditInSync, Drift: parts}
	for _, p := range parts {
		switch {
		case p.drifted():
			rep.Status = store.AuditDrifted
		case p.Error != "" && rep.Status == store.AuditInSync:
			rep.Status = store.AuditUnknown
		}
	}
	rep.InSync = rep.Status == store.AuditInSync
	sort.Slice(rep.Drift, func(i, j int) bool { return rep.Drift[i].Target < rep.Drift[j].Target })
	return rep
}

// busy reports whether a service state means a request on it is in flight.
func busy(state string) bool {
	switch state {
	case store.StateCreating, store.StateModifying, store.StateDeleting:
		return true
	}
	return false
}
