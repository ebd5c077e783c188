package sim

import (
	"fmt"
	"sort"
	"strings"
)

// ccc and vpls unit encapsulations, and the physical encapsulations that allow them.
var unitEncapAllowed = map[string][]string{
	"vlan-ccc":    {"flexible-ethernet-services", "extended-vlan-ccc", "vlan-ccc"},
	"vlan-vpls":   {"flexible-ethernet-services", "extended-vlan-vpls", "vlan-vpls"},
	"vlan-bridge": {"flexible-ethernet-services", "extended-vlan-bridge"},
}

// taggedEncaps are physical encapsulations that need VLAN tagging on the port.
var taggedEncaps = map[string]bool{
	"flexible-ethernet-services": true, "extended-vlan-ccc": true, "vlan-ccc": true,
	"extended-vlan-vpls": true, "vlan-vpls": true, "extended-vlan-bridge": true,
}

// The commit check runs the same rules on every item it looks at (a port, a unit, a
// routing instance, an l2circuit interface); only the lookups that relate an item to the
// others differ. checkConfig looks at every item with lookups from one scan of the tree; the
// device's incremental check (check.go) looks at the items a change touches, with lookups
// from an index of the running configuration. A rule that compares items (duplicate VLAN
// IDs, duplicate virtual-circuit-ids, an interface used twice) reports every item after the
// first, in configuration order, so both agree on which item is "first".

// lookups relate an item to the rest of the configuration being checked.
type lookups interface {
	// vlanFirst returns the key of the first unit of port that uses vlan.
	vlanFirst(port *cnode, vlan string) string
	// firstUser returns who first uses the logical interface ifl ("routing-instance x" or
	// "l2circuit neighbor y").
	firstUser(ifl string) string
	// vcFirst returns the first interface of neighbor nb with virtual-circuit-id vc.
	vcFirst(nb *cnode, vc string) string
}

// checker collects the errors of one commit check.
type checker struct {
	root *cnode
	q    lookups
	errs []editError
}

func (c *checker) fail(path, bad, format string, args ...any) {
	c.errs = append(c.errs, editError{tag: "invalid-value", severity: "error", path: path, message: fmt.Sprintf(format, args...), bad: bad})
}

// sorted returns the errors in the order Junos lists them.
func (c *checker) sorted() []editError {
	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].path < c.errs[j].path })
	return c.errs
}

func isTagged(p *cnode) bool {
	return p.findName("vlan-tagging") != nil || p.findName("flexible-vlan-tagging") != nil
}

func (c *checker) port(p *cnode) {
	if phys := p.leafValue("encapsulation"); taggedEncaps[phys] && !isTagged(p) {
		c.fail(fmt.Sprintf("[edit interfaces %s]", p.key), "encapsulation",
			"encapsulation %s requires vlan-tagging or flexible-vlan-tagging on %s", phys, p.key)
	}
}

func (c *checker) unit(p, u *cnode) {
	phys := p.leafValue("encapsulation")
	tagged := isTagged(p)
	name := p.key + "." + u.key
	uenc := u.leafValue("encapsulation")
	upath := fmt.Sprintf("[edit interfaces %s unit %s]", p.key, u.key)
	vlan := u.leafValue("vlan-id")
	if vlan != "" && !tagged {
		c.fail(upath, "vlan-id", "VLAN-ID can only be specified on tagged ethernet interfaces")
	}
	if isPhysical(p.key) && !tagged && u.key != "0" {
		c.fail(upath, u.key, "Only unit 0 is valid for this encapsulation")
	}
	if vlan != "" {
		if other := c.q.vlanFirst(p, vlan); other != u.key {
			c.fail(upath, "vlan-id", "duplicate VLAN-ID %s on interface %s: already used by unit %s", vlan, p.key, other)
		}
	}
	if allowed, ok := unitEncapAllowed[uenc]; ok && !contains(allowed, phys) {
		c.fail(upath, "encapsulation",
			"encapsulation %s on %s requires the physical interface encapsulation to be one of %s", uenc, name, strings.Join(allowed, ", "))
	}
}

// ifl returns the unit a logical interface name refers to, or nil.
func ifl(root *cnode, name string) *cnode {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return nil
	}
	return root.at("interfaces", "interface="+name[:i], "unit="+name[i+1:])
}

func (c *checker) use(ifl, user, path string) {
	if first := c.q.firstUser(ifl); first != user {
		c.fail(path, ifl, "interface %s is already used by %s", ifl, first)
	}
}

func (c *checker) instance(ri *cnode) {
	path := fmt.Sprintf("[edit routing-instances %s]", quote(ri.key))
	typ := ri.leafValue("instance-type")
	for _, i := range ri.entries("interface") {
		name := normIFL(i.key)
		u := ifl(c.root, name)
		if u == nil {
			c.fail(path, i.key, "Referenced interface %s is not configured (routing-instance %s)", i.key, ri.key)
			continue
		}
		c.use(name, "routing-instance "+ri.key, path)
		if enc := u.leafValue("encapsulation"); typ == "vpls" && enc != "vlan-vpls" && enc != "ethernet-vpls" {
			c.fail(path, i.key, "interface %s in vpls instance %s needs encapsulation vlan-vpls", i.key, ri.key)
		}
	}
	// route-distinguisher for vrf is the model's (mandatory when instance-type=vrf).
	if typ == "vrf" {
		hasTarget := ri.findName("vrf-target") != nil
		hasPolicies := ri.hasName("vrf-import") && ri.hasName("vrf-export")
		if !hasTarget && !hasPolicies {
			c.fail(path, "vrf-target", "vrf-target or vrf-import and vrf-export must be configured for instance-type vrf")
		}
	}
	protos := ri.findName("protocols")
	forwarding := typ == "vrf" || typ == "virtual-router"
	for _, p := range []string{"bgp", "ospf", "pim"} {
		if protos.findName(p) != nil && !forwarding {
			c.fail(path, p, "protocols %s is not supported in a routing instance of type %s (use vrf or virtual-router)", p, orNone(typ))
		}
	}
	if vpls := protos.findName("vpls"); vpls != nil {
		c.vpls(ri, vpls, path, typ)
	}
	if bgp := protos.findName("bgp"); bgp != nil {
		c.bgp(bgp, path)
	}
	if pim := protos.findName("pim"); pim != nil && forwarding {
		for _, i := range pim.entries("interface") {
			if i.key != "all" && ri.entry("interface", i.key) == nil && ri.entry("interface", normIFL(i.key)) == nil {
				c.fail(path, i.key, "PIM interface %s is not an interface of routing-instance %s", i.key, ri.key)
			}
		}
	}
	mvpn := protos.findName("mvpn")
	if mvpn != nil {
		if typ != "vrf" {
			c.fail(path, "mvpn", "protocols mvpn is supported only in routing instances of type vrf")
		}
		if protos.findName("pim") != nil && !c.hasLoopback(ri) {
			c.fail(path, "mvpn", "multicast VPN with PIM needs a loopback unit (lo0.N) with an IPv4 address in routing-instance %s", ri.key)
		}
	}
	if pt := ri.findName("provider-tunnel"); pt != nil && mvpn == nil && pt.findName("pim-asm") == nil && pt.findName("pim-ssm") == nil {
		c.fail(path, "provider-tunnel", "provider-tunnel %s requires protocols mvpn in routing-instance %s", firstChild(pt), ri.key)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func firstChild(n *cnode) string {
	if ks := n.children(); len(ks) > 0 {
		return ks[0].name
	}
	return ""
}

// vpls checks the signalling of a VPLS instance: LDP (neighbors, with a vpls-id) or BGP
// (sites, with a route distinguisher and route targets).
func (c *checker) vpls(ri, vpls *cnode, path, typ string) {
	if typ != "vpls" {
		c.fail(path, "vpls", "protocols vpls requires instance-type vpls (routing-instance %s is %s)", ri.key, orNone(typ))
		return
	}
	if vpls.hasName("neighbor") && vpls.findName("vpls-id") == nil {
		c.fail(path, "vpls-id", "LDP-signalled VPLS needs a vpls-id (protocols vpls neighbor is configured)")
	}
	if vpls.hasName("site") {
		if ri.findName("route-distinguisher") == nil {
			c.fail(path, "route-distinguisher", "BGP-signalled VPLS (protocols vpls site) needs a route-distinguisher")
		}
		if ri.findName("vrf-target") == nil && !(ri.hasName("vrf-import") && ri.hasName("vrf-export")) {
			c.fail(path, "vrf-target", "BGP-signalled VPLS (protocols vpls site) needs vrf-target or vrf-import and vrf-export")
		}
	}
	if !vpls.hasName("neighbor") && !vpls.hasName("site") && vpls.findName("vpls-id") == nil {
		c.fail(path, "vpls", "protocols vpls needs neighbors with a vpls-id (LDP) or sites (BGP)")
	}
}

// bgp checks the peers of a BGP configuration: an external peer needs its AS.
func (c *checker) bgp(bgp *cnode, path string) {
	for _, g := range bgp.entries("group") {
		typ := g.leafValue("type")
		for _, nb := range g.entries("neighbor") {
			if typ != "internal" && nb.leafValue("peer-as") == "" && g.leafValue("peer-as") == "" {
				c.fail(fmt.Sprintf("%s protocols bgp group %s neighbor %s]", strings.TrimSuffix(path, "]"), quote(g.key), nb.key), "peer-as",
					"peer-as must be configured for external BGP peer %s (group %s)", nb.key, g.key)
			}
		}
	}
}

// hasLoopback reports whether one of ri's interfaces is a lo0 unit with an IPv4 address.
func (c *checker) hasLoopback(ri *cnode) bool {
	for _, i := range ri.entries("interface") {
		name := normIFL(i.key)
		if !strings.HasPrefix(name, "lo0.") {
			continue
		}
		if u := ifl(c.root, name); u != nil && u.at("family", "inet").hasName("address") {
			return true
		}
	}
	return false
}

func (c *checker) l2Interface(nb, i *cnode) {
	path := fmt.Sprintf("[edit protocols l2circuit neighbor %s interface %s]", nb.key, i.key)
	name := normIFL(i.key)
	// A missing virtual-circuit-id is the model's (mandatory).
	if vc := i.leafValue("virtual-circuit-id"); vc != "" {
		if other := c.q.vcFirst(nb, vc); other != i.key {
			c.fail(path, "virtual-circuit-id", "duplicate virtual-circuit-id %s for neighbor %s (also on %s)", vc, nb.key, other)
		}
	}
	u := ifl(c.root, name)
	if u == nil {
		c.fail(path, i.key, "Referenced interface %s is not configured", i.key)
		return
	}
	c.use(name, "l2circuit neighbor "+nb.key, path)
	if e := u.leafValue("encapsulation"); e != "vlan-ccc" && e != "ethernet-ccc" && e != "ccc" {
		c.fail(path, i.key, "interface %s must use a ccc encapsulation for l2circuit", i.key)
	}
}

// scanned are lookups computed by walking the whole configuration once.
type scanned struct {
	vlans map[string]map[string]string // port -> vlan -> first unit
	users map[string]string            // ifl -> first user
	vcs   map[string]map[string]string // neighbor -> vc -> first interface
}

func (s *scanned) vlanFirst(p *cnode, vlan string) string { return s.vlans[p.key][vlan] }
func (s *scanned) firstUser(ifl string) string            { return s.users[ifl] }
func (s *scanned) vcFirst(nb *cnode, vc string) string    { return s.vcs[nb.key][vc] }

func first(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func scan(root *cnode) *scanned {
	s := &scanned{vlans: map[string]map[string]string{}, users: map[string]string{}, vcs: map[string]map[string]string{}}
	for _, p := range root.at("interfaces").entries("interface") {
		m := map[string]string{}
		for _, u := range p.entries("unit") {
			if v := u.leafValue("vlan-id"); v != "" {
				first(m, v, u.key)
			}
		}
		s.vlans[p.key] = m
	}
	for _, ri := range root.at("routing-instances").entries("instance") {
		for _, i := range ri.entries("interface") {
			if name := normIFL(i.key); ifl(root, name) != nil {
				first(s.users, name, "routing-instance "+ri.key)
			}
		}
	}
	for _, nb := range root.at("protocols", "l2circuit").entries("neighbor") {
		m := map[string]string{}
		for _, i := range nb.entries("interface") {
			if v := i.leafValue("virtual-circuit-id"); v != "" {
				first(m, v, i.key)
			}
			if name := normIFL(i.key); ifl(root, name) != nil {
				first(s.users, name, "l2circuit neighbor "+nb.key)
			}
		}
		s.vcs[nb.key] = m
	}
	return s
}

// checkConfig runs the simulator's commit check on a whole configuration. The rules are the
// ones that catch real service-provisioning mistakes; messages follow Junos wording where it
// is known.
func checkConfig(root *cnode) []editError {
	c := &checker{root: root, q: scan(root)}
	for _, p := range root.at("interfaces").entries("interface") {
		c.port(p)
		for _, u := range p.entries("unit") {
			c.unit(p, u)
		}
	}
	for _, ri := range root.at("routing-instances").entries("instance") {
		c.instance(ri)
	}
	for _, nb := range root.at("protocols", "l2circuit").entries("neighbor") {
		for _, i := range nb.entries("interface") {
			c.l2Interface(nb, i)
		}
	}
	c.errs = append(c.errs, modelFull(root)...)
	return c.sorted()
}

func isPhysical(name string) bool {
	for _, p := range []string{"ge-", "xe-", "et-", "ae"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// normIFL names a logical interface: "ge-0/0/1" means unit 0.
func normIFL(s string) string {
	if strings.Contains(s, ".") {
		return s
	}
	return s + ".0"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
