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

// checkConfig runs the simulator's commit check. The rules are the ones that catch real
// service-provisioning mistakes; messages follow Junos wording where it is known.
func checkConfig(root *node) []editError {
	var errs []editError
	fail := func(path, bad, format string, args ...any) {
		errs = append(errs, editError{tag: "invalid-value", severity: "error", path: path, message: fmt.Sprintf(format, args...), bad: bad})
	}
	ifls := map[string]*node{} // "ge-0/0/1.100" -> unit
	encOf := map[string]string{}
	if ifs := root.findName("interfaces"); ifs != nil {
		for _, p := range ifs.entries("interface") {
			phys := p.leafValue("encapsulation")
			tagged := p.findName("vlan-tagging") != nil || p.findName("flexible-vlan-tagging") != nil
			physical := isPhysical(p.key)
			if taggedEncaps[phys] && !tagged {
				fail(fmt.Sprintf("[edit interfaces %s]", p.key), "encapsulation",
					"encapsulation %s requires vlan-tagging or flexible-vlan-tagging on %s", phys, p.key)
			}
			vlans := map[string]string{}
			units := p.entries("unit")
			for _, u := range units {
				name := p.key + "." + u.key
				ifls[name] = u
				uenc := u.leafValue("encapsulation")
				encOf[name] = uenc
				upath := fmt.Sprintf("[edit interfaces %s unit %s]", p.key, u.key)
				vlan := u.leafValue("vlan-id")
				if vlan != "" && !tagged {
					fail(upath, "vlan-id", "VLAN-ID can only be specified on tagged ethernet interfaces")
				}
				if physical && !tagged && u.key != "0" {
					fail(upath, u.key, "Only unit 0 is valid for this encapsulation")
				}
				if vlan != "" {
					if other, dup := vlans[vlan]; dup {
						fail(upath, "vlan-id", "duplicate VLAN-ID %s on interface %s: already used by unit %s", vlan, p.key, other)
					} else {
						vlans[vlan] = u.key
					}
				}
				if allowed, ok := unitEncapAllowed[uenc]; ok && !contains(allowed, phys) {
					fail(upath, "encapsulation",
						"encapsulation %s on %s requires the physical interface encapsulation to be one of %s", uenc, name, strings.Join(allowed, ", "))
				}
			}
		}
	}
	used := map[string]string{} // ifl -> user
	use := func(ifl, user, path string) {
		if prev, ok := used[ifl]; ok && prev != user {
			fail(path, ifl, "interface %s is already used by %s", ifl, prev)
			return
		}
		used[ifl] = user
	}
	if ris := root.findName("routing-instances"); ris != nil {
		for _, ri := range ris.entries("instance") {
			path := fmt.Sprintf("[edit routing-instances %s]", quote(ri.key))
			typ := ri.leafValue("instance-type")
			for _, i := range ri.entries("interface") {
				ifl := normIFL(i.key)
				if _, ok := ifls[ifl]; !ok {
					fail(path, i.key, "Referenced interface %s is not configured (routing-instance %s)", i.key, ri.key)
					continue
				}
				use(ifl, "routing-instance "+ri.key, path)
				if typ == "vpls" && encOf[ifl] != "vlan-vpls" && encOf[ifl] != "ethernet-vpls" {
					fail(path, i.key, "interface %s in vpls instance %s needs encapsulation vlan-vpls", i.key, ri.key)
				}
			}
			if typ == "vrf" {
				if ri.findName("route-distinguisher") == nil {
					fail(path, "route-distinguisher", "missing mandatory statement: 'route-distinguisher'")
				}
				hasTarget := ri.findName("vrf-target") != nil
				hasPolicies := hasLL(ri, "vrf-import") && hasLL(ri, "vrf-export")
				if !hasTarget && !hasPolicies {
					fail(path, "vrf-target", "vrf-target or vrf-import and vrf-export must be configured for instance-type vrf")
				}
			}
		}
	}
	if l2 := root.at("protocols", "l2circuit"); l2 != nil {
		for _, nb := range l2.entries("neighbor") {
			vcids := map[string]string{}
			for _, i := range nb.entries("interface") {
				path := fmt.Sprintf("[edit protocols l2circuit neighbor %s interface %s]", nb.key, i.key)
				ifl := normIFL(i.key)
				vc := i.leafValue("virtual-circuit-id")
				if vc == "" {
					fail(path, "virtual-circuit-id", "missing mandatory statement: 'virtual-circuit-id'")
				} else if other, dup := vcids[vc]; dup {
					fail(path, "virtual-circuit-id", "duplicate virtual-circuit-id %s for neighbor %s (also on %s)", vc, nb.key, other)
				} else {
					vcids[vc] = i.key
				}
				if _, ok := ifls[ifl]; !ok {
					fail(path, i.key, "Referenced interface %s is not configured", i.key)
					continue
				}
				use(ifl, "l2circuit neighbor "+nb.key, path)
				if e := encOf[ifl]; e != "vlan-ccc" && e != "ethernet-ccc" && e != "ccc" {
					fail(path, i.key, "interface %s must use a ccc encapsulation for l2circuit", i.key)
				}
			}
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].path < errs[j].path })
	return errs
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

func hasLL(n *node, name string) bool {
	for _, k := range n.kids {
		if k.name == name {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
