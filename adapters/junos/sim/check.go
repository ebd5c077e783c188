package sim

import "sort"

// The incremental commit check. A running configuration that passed a check has no errors,
// so a candidate can only have errors that involve something the candidate changed: the
// check looks at the items the difference between running and candidate touches, plus the
// items those are compared with (the other units on a VLAN, the other users of a logical
// interface, the other interfaces with a virtual-circuit-id, the references to a unit that
// came or went). The comparisons come from an index of the running configuration, corrected
// by the touched items' state in the candidate; the device keeps the index up to date from
// the difference of every change of the running configuration.

// unitID names a unit: port and unit key.
type unitID struct{ port, unit string }

// ref is a reference to a logical interface: an interface of a routing instance or of an
// l2circuit neighbor.
type ref struct {
	l2           bool
	owner, iface string
}

func (r ref) user() string {
	if r.l2 {
		return "l2circuit neighbor " + r.owner
	}
	return "routing-instance " + r.owner
}

// touched lists the items a difference between two configurations touches.
type touched struct {
	ports     map[string]bool // port statements changed, or port added or removed
	portUnits map[string]bool // a port statement the units' rules read changed
	units     map[unitID]bool
	instances map[string]bool
	l2        map[ref]bool
}

func newTouched() *touched {
	return &touched{ports: map[string]bool{}, portUnits: map[string]bool{}, units: map[unitID]bool{}, instances: map[string]bool{}, l2: map[ref]bool{}}
}

// unitStatements are the port statements the unit rules depend on.
var unitStatements = map[string]bool{"encapsulation": true, "vlan-tagging": true, "flexible-vlan-tagging": true}

// touches classifies the differences between a and b.
func touches(a, b *cnode) *touched {
	t := newTouched()
	diff(a, b, nil, func(chain []*cnode, old, new *cnode) bool {
		t.add(chain, old, new)
		return true
	})
	return t
}

func (t *touched) add(chain []*cnode, old, new *cnode) {
	x := new
	if x == nil {
		x = old
	}
	path := append(chain[:len(chain):len(chain)], x)
	whole := func(f func(*cnode)) {
		if old != nil {
			f(old)
		}
		if new != nil {
			f(new)
		}
	}
	entry := func(i int, name string) bool { return len(path) > i && path[i].name == name && path[i].kind == kEntry }
	switch path[0].name {
	case "interfaces":
		switch {
		case len(path) == 1:
			whole(func(n *cnode) {
				for _, p := range n.entries("interface") {
					t.port(p)
				}
			})
		case !entry(1, "interface"):
		case len(path) == 2:
			whole(t.port)
		case entry(2, "unit"):
			t.units[unitID{path[1].key, path[2].key}] = true
		default:
			t.ports[path[1].key] = true
			if unitStatements[path[2].name] {
				t.portUnits[path[1].key] = true
			}
		}
	case "routing-instances":
		switch {
		case len(path) == 1:
			whole(func(n *cnode) {
				for _, ri := range n.entries("instance") {
					t.instances[ri.key] = true
				}
			})
		case entry(1, "instance"):
			t.instances[path[1].key] = true
		}
	case "protocols":
		switch {
		case len(path) == 1:
			whole(func(n *cnode) { t.l2circuit(n.findName("l2circuit")) })
		case path[1].name != "l2circuit":
		case len(path) == 2:
			whole(t.l2circuit)
		case !entry(2, "neighbor"):
		case len(path) == 3:
			whole(t.neighbor)
		case entry(3, "interface"):
			t.l2[ref{l2: true, owner: path[2].key, iface: path[3].key}] = true
		}
	}
}

func (t *touched) port(p *cnode) {
	t.ports[p.key], t.portUnits[p.key] = true, true
	for _, u := range p.entries("unit") {
		t.units[unitID{p.key, u.key}] = true
	}
}

func (t *touched) l2circuit(l2 *cnode) {
	for _, nb := range l2.entries("neighbor") {
		t.neighbor(nb)
	}
}

func (t *touched) neighbor(nb *cnode) {
	for _, i := range nb.entries("interface") {
		t.l2[ref{l2: true, owner: nb.key, iface: i.key}] = true
	}
}

// index relates the items of one configuration (the running one).
type index struct {
	vlans map[string]map[string]map[string]bool // port -> vlan -> units
	users map[string]map[ref]bool               // logical interface -> references
	vcs   map[string]map[string]map[string]bool // neighbor -> vc -> interfaces
}

func newIndex() *index {
	return &index{vlans: map[string]map[string]map[string]bool{}, users: map[string]map[ref]bool{}, vcs: map[string]map[string]map[string]bool{}}
}

func set3(m map[string]map[string]map[string]bool, a, b, c string, on bool) {
	if on {
		if m[a] == nil {
			m[a] = map[string]map[string]bool{}
		}
		if m[a][b] == nil {
			m[a][b] = map[string]bool{}
		}
		m[a][b][c] = true
		return
	}
	delete(m[a][b], c)
	if len(m[a][b]) == 0 {
		delete(m[a], b)
	}
	if len(m[a]) == 0 {
		delete(m, a)
	}
}

func (x *index) setUser(ifl string, r ref, on bool) {
	if on {
		if x.users[ifl] == nil {
			x.users[ifl] = map[ref]bool{}
		}
		x.users[ifl][r] = true
		return
	}
	delete(x.users[ifl], r)
	if len(x.users[ifl]) == 0 {
		delete(x.users, ifl)
	}
}

// mark adds (on) or removes the index entries of the touched items as root holds them.
func (x *index) mark(root *cnode, t *touched, on bool) {
	for id := range t.units {
		if u := root.at("interfaces", "interface="+id.port, "unit="+id.unit); u != nil {
			if v := u.leafValue("vlan-id"); v != "" {
				set3(x.vlans, id.port, v, id.unit, on)
			}
		}
	}
	for name := range t.instances {
		if ri := root.at("routing-instances", "instance="+name); ri != nil {
			for _, i := range ri.entries("interface") {
				x.setUser(normIFL(i.key), ref{owner: name, iface: i.key}, on)
			}
		}
	}
	for r := range t.l2 {
		if i := root.at("protocols", "l2circuit", "neighbor="+r.owner, "interface="+r.iface); i != nil {
			x.setUser(normIFL(r.iface), r, on)
			if v := i.leafValue("virtual-circuit-id"); v != "" {
				set3(x.vcs, r.owner, v, r.iface, on)
			}
		}
	}
}

// update moves the index from configuration a to b.
func (x *index) update(a, b *cnode) {
	t := touches(a, b)
	x.mark(a, t, false)
	x.mark(b, t, true)
}

// overlay answers the checker's lookups for a candidate: the running index, with the
// touched items as the candidate holds them.
type overlay struct {
	root *cnode
	idx  *index
	t    *touched
	// The touched items by what the lookups ask for, as the candidate holds them.
	vlans map[unitID][]string // port and vlan -> units
	refs  map[string][]ref    // logical interface -> references
	vcs   map[unitID][]string // neighbor and vc -> interfaces
}

func newOverlay(root *cnode, idx *index, t *touched) *overlay {
	o := &overlay{root: root, idx: idx, t: t, vlans: map[unitID][]string{}, refs: map[string][]ref{}, vcs: map[unitID][]string{}}
	for id := range t.units {
		if v := root.at("interfaces", "interface="+id.port, "unit="+id.unit).leafValue("vlan-id"); v != "" {
			k := unitID{id.port, v}
			o.vlans[k] = append(o.vlans[k], id.unit)
		}
	}
	for ri := range t.instances {
		for _, i := range root.at("routing-instances", "instance="+ri).entries("interface") {
			name := normIFL(i.key)
			o.refs[name] = append(o.refs[name], ref{owner: ri, iface: i.key})
		}
	}
	for r := range t.l2 {
		name := normIFL(r.iface)
		o.refs[name] = append(o.refs[name], r)
		if v := root.at("protocols", "l2circuit", "neighbor="+r.owner, "interface="+r.iface).leafValue("virtual-circuit-id"); v != "" {
			k := unitID{r.owner, v}
			o.vcs[k] = append(o.vcs[k], r.iface)
		}
	}
	return o
}

func (o *overlay) vlanFirst(p *cnode, vlan string) string {
	best, seq := "", uint64(0)
	for _, key := range o.vlanUnits(p, vlan) {
		u := p.entry("unit", key)
		if best == "" || u.seq < seq {
			best, seq = key, u.seq
		}
	}
	return best
}

// vlanUnits returns the units of port p that use vlan in the candidate.
func (o *overlay) vlanUnits(p *cnode, vlan string) []string {
	cands := map[string]bool{}
	for k := range o.idx.vlans[p.key][vlan] {
		cands[k] = true
	}
	for _, k := range o.vlans[unitID{p.key, vlan}] {
		cands[k] = true
	}
	var out []string
	for k := range cands {
		if u := p.entry("unit", k); u != nil && u.leafValue("vlan-id") == vlan {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// position orders references the way the full check meets them.
func (o *overlay) position(r ref) (pos [3]uint64, ok bool) {
	if r.l2 {
		nb := o.root.at("protocols", "l2circuit", "neighbor="+r.owner)
		i := nb.entry("interface", r.iface)
		if i == nil {
			return pos, false
		}
		return [3]uint64{1, nb.seq, i.seq}, true
	}
	ri := o.root.at("routing-instances", "instance="+r.owner)
	i := ri.entry("interface", r.iface)
	if i == nil {
		return pos, false
	}
	return [3]uint64{0, ri.seq, i.seq}, true
}

func less(a, b [3]uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// users returns the candidate's references to the logical interface name, in check order.
func (o *overlay) users(name string) []ref {
	cands := map[ref]bool{}
	for r := range o.idx.users[name] {
		cands[r] = true
	}
	for _, r := range o.refs[name] {
		cands[r] = true
	}
	type placed struct {
		r   ref
		pos [3]uint64
	}
	var ps []placed
	for r := range cands {
		if pos, ok := o.position(r); ok {
			ps = append(ps, placed{r, pos})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return less(ps[i].pos, ps[j].pos) })
	out := make([]ref, len(ps))
	for i, p := range ps {
		out[i] = p.r
	}
	return out
}

func (o *overlay) firstUser(name string) string {
	if us := o.users(name); len(us) > 0 {
		return us[0].user()
	}
	return ""
}

// vcInterfaces returns the interfaces of neighbor nb with virtual-circuit-id vc.
func (o *overlay) vcInterfaces(nb *cnode, vc string) []string {
	cands := map[string]bool{}
	for k := range o.idx.vcs[nb.key][vc] {
		cands[k] = true
	}
	for _, k := range o.vcs[unitID{nb.key, vc}] {
		cands[k] = true
	}
	var out []string
	for k := range cands {
		if i := nb.entry("interface", k); i != nil && i.leafValue("virtual-circuit-id") == vc {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (o *overlay) vcFirst(nb *cnode, vc string) string {
	best, seq := "", uint64(0)
	for _, key := range o.vcInterfaces(nb, vc) {
		i := nb.entry("interface", key)
		if best == "" || i.seq < seq {
			best, seq = key, i.seq
		}
	}
	return best
}

// checkChange runs the commit check on cand, whose difference from the valid configuration
// run is what changed; idx indexes run.
func checkChange(run *cnode, idx *index, cand *cnode) []editError {
	// One walk of the difference classifies it and checks the model's constraints.
	t, mc := newTouched(), newModelChecker()
	diff(run, cand, nil, func(chain []*cnode, old, new *cnode) bool {
		t.add(chain, old, new)
		mc.visit(chain, old, new)
		return true
	})
	o := newOverlay(cand, idx, t)
	c := &checker{root: cand, q: o}

	// What to look at: the touched items and those they are compared with.
	ports := map[string]bool{}
	units := map[unitID]bool{}
	instances := map[string]bool{}
	l2 := map[ref]bool{}
	addUsers := func(name string) {
		for _, r := range o.users(name) {
			if r.l2 {
				l2[r] = true
			} else {
				instances[r.owner] = true
			}
		}
	}
	for port := range t.ports {
		p := cand.at("interfaces", "interface="+port)
		if p == nil {
			continue
		}
		ports[port] = true
		if t.portUnits[port] {
			for _, u := range p.entries("unit") {
				units[unitID{port, u.key}] = true
				addUsers(port + "." + u.key)
			}
		}
	}
	for id := range t.units {
		// A unit that came, went or changed encapsulation changes the checks of the
		// references to it.
		addUsers(id.port + "." + id.unit)
		p := cand.at("interfaces", "interface="+id.port)
		u := p.entry("unit", id.unit)
		if u == nil {
			continue
		}
		units[id] = true
		if v := u.leafValue("vlan-id"); v != "" {
			for _, k := range o.vlanUnits(p, v) {
				units[unitID{id.port, k}] = true
			}
		}
	}
	for name := range t.instances {
		ri := cand.at("routing-instances", "instance="+name)
		if ri == nil {
			continue
		}
		instances[name] = true
		for _, i := range ri.entries("interface") {
			addUsers(normIFL(i.key))
		}
	}
	for r := range t.l2 {
		nb := cand.at("protocols", "l2circuit", "neighbor="+r.owner)
		i := nb.entry("interface", r.iface)
		if i == nil {
			continue
		}
		l2[r] = true
		addUsers(normIFL(r.iface))
		if v := i.leafValue("virtual-circuit-id"); v != "" {
			for _, k := range o.vcInterfaces(nb, v) {
				l2[ref{l2: true, owner: r.owner, iface: k}] = true
			}
		}
	}

	// Look at them in configuration order, as the full check does.
	byPort := map[string][]*cnode{}
	for id := range units {
		ports[id.port] = true
		if u := cand.at("interfaces", "interface="+id.port, "unit="+id.unit); u != nil {
			byPort[id.port] = append(byPort[id.port], u)
		}
	}
	var ps []*cnode
	for port := range ports {
		if p := cand.at("interfaces", "interface="+port); p != nil {
			ps = append(ps, p)
		}
	}
	for _, p := range bySeq(ps) {
		if t.ports[p.key] {
			c.port(p)
		}
		for _, u := range bySeq(byPort[p.key]) {
			c.unit(p, u)
		}
	}
	var ris []*cnode
	for name := range instances {
		if ri := cand.at("routing-instances", "instance="+name); ri != nil {
			ris = append(ris, ri)
		}
	}
	for _, ri := range bySeq(ris) {
		c.instance(ri)
	}
	type placed struct {
		nb, i *cnode
	}
	var ls []placed
	for r := range l2 {
		nb := cand.at("protocols", "l2circuit", "neighbor="+r.owner)
		if i := nb.entry("interface", r.iface); i != nil {
			ls = append(ls, placed{nb, i})
		}
	}
	sort.Slice(ls, func(a, b int) bool {
		if ls[a].nb.seq != ls[b].nb.seq {
			return ls[a].nb.seq < ls[b].nb.seq
		}
		return ls[a].i.seq < ls[b].i.seq
	})
	for _, l := range ls {
		c.l2Interface(l.nb, l.i)
	}
	c.errs = append(c.errs, mc.errs...)
	return c.sorted()
}
