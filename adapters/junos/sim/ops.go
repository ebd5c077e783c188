package sim

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xprov/xprov/adapters/xmltree"
)

func (d *Device) systemInformation() *xmltree.Node {
	return el("system-information",
		tx("hardware-model", strings.ToLower(d.opts.Model)),
		tx("os-name", "junos"),
		tx("os-version", d.opts.Version),
		tx("serial-number", d.opts.Serial),
		tx("host-name", d.hostName()))
}

func (d *Device) hostName() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if h := d.running.at("system").leafValue("host-name"); h != "" {
		return h
	}
	return d.opts.Name
}

func (d *Device) softwareInformation() *xmltree.Node {
	return el("software-information",
		tx("host-name", d.hostName()),
		tx("product-model", strings.ToLower(d.opts.Model)),
		tx("product-name", strings.ToLower(d.opts.Model)),
		tx("junos-version", d.opts.Version))
}

func (d *Device) chassisInventory() *xmltree.Node {
	ch := el("chassis", tx("name", "Chassis"), tx("serial-number", d.opts.Serial), tx("description", d.opts.Model))
	ch.Add(el("chassis-module", tx("name", "Midplane"), tx("version", "REV 07"), tx("part-number", "750-047862"), tx("serial-number", "ACRB"+d.opts.Serial[len(d.opts.Serial)-4:]), tx("description", "Enhanced "+d.opts.Model+" Midplane")))
	ch.Add(el("chassis-module", tx("name", "Routing Engine 0"), tx("version", "REV 01"), tx("part-number", "750-072925"), tx("serial-number", "CAKZ"+d.opts.Serial[len(d.opts.Serial)-4:]), tx("description", "RE-S-X6-64G"), tx("model-number", "RE-S-X6-64G-S")))
	fpc := el("chassis-module", tx("name", "FPC 0"), tx("version", "REV 45"), tx("part-number", "750-044130"), tx("serial-number", "CAJV"+d.opts.Serial[len(d.opts.Serial)-4:]), tx("description", "MPC7E 3D 40XGE"), tx("model-number", "MPC7E-10G"))
	pic0 := el("chassis-sub-module", tx("name", "PIC 0"), tx("description", "10x 1GE(LAN) SFP"))
	pic1 := el("chassis-sub-module", tx("name", "PIC 1"), tx("description", "4x 10GE(LAN) SFP+"))
	fpc.Add(pic0, pic1)
	ch.Add(fpc)
	return el("chassis-inventory", ch)
}

// ifState is the operational view of one logical or physical interface.
type ifState struct {
	name, admin, oper, desc string
	speed                   int
	families                map[string][]string
	units                   []*ifState
}

// interfaces derives the operational interface table from ports and the running config.
func (d *Device) interfaces() []*ifState {
	d.mu.Lock()
	defer d.mu.Unlock()
	cfg := d.running.findName("interfaces")
	var out []*ifState
	add := func(name string, speed int, up bool) {
		st := &ifState{name: name, admin: "up", oper: "down", speed: speed}
		if up {
			st.oper = "up"
		}
		if cfg != nil {
			if p := cfg.entry("interface", name); p != nil {
				st.desc = p.leafValue("description")
				if p.findName("disable") != nil {
					st.admin, st.oper = "down", "down"
				}
				for _, u := range p.entries("unit") {
					us := &ifState{name: name + "." + u.key, admin: st.admin, oper: st.oper, desc: u.leafValue("description"), families: map[string][]string{}}
					if u.findName("disable") != nil {
						us.admin, us.oper = "down", "down"
					}
					if fam := u.findName("family"); fam != nil {
						for _, f := range fam.children() {
							var addrs []string
							for _, a := range f.entries("address") {
								addrs = append(addrs, a.key)
							}
							us.families[f.name] = addrs
						}
					}
					if enc := u.leafValue("encapsulation"); strings.HasSuffix(enc, "ccc") {
						us.families["ccc"] = nil
					}
					if enc := u.leafValue("encapsulation"); strings.HasSuffix(enc, "vpls") {
						us.families["vpls"] = nil
					}
					st.units = append(st.units, us)
				}
			}
		}
		out = append(out, st)
	}
	for _, p := range d.ports {
		add(p.name, p.speed, p.up)
	}
	add("lo0", 0, true)
	return out
}

func (d *Device) interfaceInformation(terse bool, only string) *xmltree.Node {
	info := el("interface-information")
	if terse {
		info.Attr = append(info.Attr, attrJunos(d, "style", "terse"))
	}
	for _, st := range d.interfaces() {
		if only != "" && st.name != only {
			continue
		}
		pi := el("physical-interface", tx("name", st.name), tx("admin-status", st.admin), tx("oper-status", st.oper))
		if !terse {
			if st.desc != "" {
				pi.Add(tx("description", st.desc))
			}
			if st.speed > 0 {
				pi.Add(tx("speed", speedText(st.speed)))
				pi.Add(tx("mtu", "1514"))
			} else {
				pi.Add(tx("speed", "Unlimited"))
			}
		}
		for _, u := range st.units {
			li := el("logical-interface", tx("name", u.name), tx("admin-status", u.admin), tx("oper-status", u.oper))
			if !terse && u.desc != "" {
				li.Add(tx("description", u.desc))
			}
			li.Add(el("filter-information"))
			for _, fam := range sortedKeys(u.families) {
				af := el("address-family", tx("address-family-name", fam))
				for _, a := range u.families[fam] {
					af.Add(el("interface-address", tx("ifa-local", a)))
				}
				li.Add(af)
			}
			pi.Add(li)
		}
		info.Add(pi)
	}
	return info
}

func attrJunos(d *Device, name, value string) (a xml.Attr) {
	a.Name = xmlName(d.junosNS(), name)
	a.Value = value
	return a
}

func speedText(mbps int) string {
	if mbps >= 1000 {
		return fmt.Sprintf("%dGbps", mbps/1000)
	}
	return fmt.Sprintf("%dmbps", mbps)
}

// command runs a CLI command (the Junos <command> RPC) and answers in text or XML.
func (s *session) command(r *reply, op *xmltree.Node) {
	d := s.dev
	cmd := strings.Join(strings.Fields(op.Text), " ")
	format, _ := op.AttrValue("format")
	text, x, ok := d.runCommand(cmd)
	if !ok {
		r.e.Add(errElem(editError{tag: "operation-failed", message: "syntax error, expecting <command>: " + cmd, bad: lastWord(cmd)}, "protocol"))
		return
	}
	if format == "text" || x == nil {
		r.e.Add(tx("output", text))
		return
	}
	r.e.Add(x)
}

func lastWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// runCommand returns the text and XML forms of an operational command.
func (d *Device) runCommand(cmd string) (string, *xmltree.Node, bool) {
	w := strings.Fields(cmd)
	abbrev := func(i int, full string) bool { return i < len(w) && len(w[i]) >= 2 && strings.HasPrefix(full, w[i]) }
	if len(w) >= 2 && w[0] == "ping" {
		return d.ping(w[1], optArgs(w[2:]))
	}
	if !abbrev(0, "show") {
		return "", nil, false
	}
	switch {
	case abbrev(1, "version"):
		x := d.softwareInformation()
		return fmt.Sprintf("Hostname: %s\nModel: %s\nJunos: %s\n", d.hostName(), strings.ToLower(d.opts.Model), d.opts.Version), x, true
	case abbrev(1, "system") && abbrev(2, "information"):
		x := d.systemInformation()
		return fmt.Sprintf("Model: %s\nFamily: junos\nJunos: %s\nHostname: %s\n", strings.ToLower(d.opts.Model), d.opts.Version, d.hostName()), x, true
	case abbrev(1, "chassis") && abbrev(2, "hardware"):
		x := d.chassisInventory()
		var b strings.Builder
		fmt.Fprintf(&b, "Hardware inventory:\nItem             Version  Part number  Serial number     Description\nChassis                                %-17s %s\n", d.opts.Serial, d.opts.Model)
		return b.String(), x, true
	case abbrev(1, "interfaces") && (abbrev(2, "terse") || (len(w) == 4 && abbrev(3, "terse"))):
		only := ""
		if len(w) == 4 {
			only = w[2]
		}
		x := d.interfaceInformation(true, only)
		return terseText(d.interfaces(), only), x, true
	case abbrev(1, "configuration"):
		d.mu.Lock()
		t := d.running
		d.mu.Unlock()
		sub := t
		if len(w) > 2 {
			// Read the words as a set path and show that part of the tree.
			if top, _, _ := parseStatement(w[2:]); top != nil {
				sub = selectPath(t, &node{name: "configuration", kids: []*node{top}})
			} else {
				sub = &cnode{name: "configuration"}
			}
		}
		return curly(sub), d.configElem(sub, true), true
	case abbrev(1, "l2circuit") && abbrev(2, "connections"):
		return d.l2circuitConnections(optArgs(w[3:]))
	case abbrev(1, "vpls") && abbrev(2, "connections"):
		return d.vplsConnections(optArgs(w[3:])["instance"])
	case abbrev(1, "mvpn") && abbrev(2, "instance"):
		name := ""
		if len(w) > 3 {
			name = w[3]
		}
		return d.mvpnInstance(name)
	case abbrev(1, "bgp") && abbrev(2, "summary"):
		return d.bgpSummary(optArgs(w[3:])["instance"])
	case abbrev(1, "route"):
		table := "inet.0"
		if len(w) >= 4 && abbrev(2, "table") {
			table = w[3]
		}
		return d.routeTable(table)
	}
	return "", nil, false
}

// selectPath returns the part of t along the single chain of sel (a parsed set path).
func selectPath(t *cnode, sel *node) *cnode {
	var chain []*cnode
	src, s := t, sel
	for len(s.kids) > 0 {
		k := s.kids[0]
		m := src.child(k.id())
		if m == nil {
			return &cnode{name: "configuration"}
		}
		chain = append(chain, m)
		if len(k.kids) == 0 {
			break
		}
		src, s = m, k
	}
	// Rebuild the chain bottom up: the last node whole, its ancestors with it alone.
	var out *cnode
	for i := len(chain) - 1; i >= 0; i-- {
		if out == nil {
			out = chain[i]
		} else {
			out = chain[i].shallow().with(out)
		}
	}
	if out == nil {
		return t.shallow()
	}
	return t.shallow().with(out)
}

func terseText(ifs []*ifState, only string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "Interface\tAdmin\tLink\tProto\tLocal\tRemote")
	for _, st := range ifs {
		if only != "" && st.name != only {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\n", st.name, st.admin, st.oper)
		for _, u := range st.units {
			fams := sortedKeys(u.families)
			if len(fams) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\n", u.name, u.admin, u.oper)
			}
			for i, f := range fams {
				name, admin, oper := u.name, u.admin, u.oper
				if i > 0 {
					name, admin, oper = "", "", ""
				}
				addr := strings.Join(u.families[f], " ")
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", name, admin, oper, f, addr)
			}
		}
	}
	tw.Flush()
	return b.String()
}

func (d *Device) routeTable(table string) (string, *xmltree.Node, bool) {
	inst := strings.TrimSuffix(table, ".inet.0")
	if table == "inet.0" {
		inst = ""
	} else if inst == table {
		return "", nil, false
	}
	d.mu.Lock()
	var ifls map[string]bool
	var statics []*cnode
	if inst != "" {
		ri := d.running.at("routing-instances", "instance="+inst)
		if ri == nil {
			d.mu.Unlock()
			return "", nil, false
		}
		ifls = map[string]bool{}
		for _, i := range ri.entries("interface") {
			ifls[normIFL(i.key)] = true
		}
		if st := ri.at("routing-options", "static"); st != nil {
			statics = st.entries("route")
		}
	} else if st := d.running.at("routing-options", "static"); st != nil {
		statics = st.entries("route")
	}
	d.mu.Unlock()
	type rt struct{ prefix, proto, via string }
	var routes []rt
	for _, st := range d.interfaces() {
		for _, u := range st.units {
			if inst != "" && !ifls[u.name] {
				continue
			}
			if inst == "" && ifls != nil {
				continue
			}
			for _, a := range u.families["inet"] {
				routes = append(routes, rt{networkOf(a), "Direct", u.name}, rt{strings.SplitN(a, "/", 2)[0] + "/32", "Local", u.name})
			}
		}
	}
	for _, s := range statics {
		routes = append(routes, rt{s.key, "Static", s.leafValue("next-hop")})
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].prefix < routes[j].prefix })
	x := el("route-information")
	tbl := el("route-table", tx("table-name", table), tx("total-route-count", fmt.Sprint(len(routes))))
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s: %d destinations, %d routes (%d active, 0 holddown, 0 hidden)\n+ = Active Route, - = Last Active, * = Both\n\n", table, len(routes), len(routes), len(routes))
	age := time.Since(d.boot).Round(time.Second)
	for _, r := range routes {
		tbl.Add(el("rt", tx("rt-destination", r.prefix), el("rt-entry", tx("active-tag", "*"), tx("protocol-name", r.proto), tx("age", age.String()), el("nh", tx("via", r.via)))))
		fmt.Fprintf(&b, "%-18s *[%s/0] %s\n                    > via %s\n", r.prefix, r.proto, age, r.via)
	}
	x.Add(tbl)
	return b.String(), x, true
}

// networkOf returns the network prefix of an interface address such as 192.0.2.1/30.
func networkOf(a string) string {
	ip, bits, ok := strings.Cut(a, "/")
	if !ok {
		return a
	}
	var o [4]int
	if n, _ := fmt.Sscanf(ip, "%d.%d.%d.%d", &o[0], &o[1], &o[2], &o[3]); n != 4 {
		return a
	}
	var nb int
	fmt.Sscanf(bits, "%d", &nb)
	v := uint32(o[0])<<24 | uint32(o[1])<<16 | uint32(o[2])<<8 | uint32(o[3])
	if nb < 32 {
		v &^= (1<<(32-nb) - 1)
	}
	return fmt.Sprintf("%d.%d.%d.%d/%d", v>>24, v>>16&255, v>>8&255, v&255, nb)
}
