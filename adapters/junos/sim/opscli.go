package sim

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xprov/xprov/adapters/xmltree"
)

// The operational commands the bundled packs' ops send, answered from the device's running
// configuration and, for what depends on the other end (a pseudowire, a VPLS or BGP peer, a
// ping), from the other devices of the fleet, found by loopback address. Output follows the
// layout of Junos' own CLI output; a remote end the simulator does not know (a CE, a PE
// outside the fleet) does not answer: its pseudowire shows OL (no outgoing label), its BGP
// session stays Active.

// optArgs reads "keyword value" pairs after a command ("interface ge-0/0/1.100 count 3");
// a lone keyword maps to "".
func optArgs(w []string) map[string]string {
	m := map[string]string{}
	for i := 0; i < len(w); i++ {
		if i+1 < len(w) {
			m[w[i]] = w[i+1]
			i++
		} else {
			m[w[i]] = ""
		}
	}
	return m
}

// runningTree returns the device's running configuration (a persistent tree: safe to read after
// the lock is released).
func (d *Device) runningTree() *cnode {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.running
}

// unitsUp maps each configured logical interface to whether it is operationally up.
func (d *Device) unitsUp() map[string]bool {
	up := map[string]bool{}
	for _, st := range d.interfaces() {
		for _, u := range st.units {
			up[u.name] = u.oper == "up"
		}
	}
	return up
}

const l2Legend = `Legend for connection status (St)
EI -- encapsulation invalid      NP -- interface h/w not present
MM -- mtu mismatch               Dn -- down
EM -- encapsulation mismatch     VC-Dn -- Virtual circuit Down
CM -- control-word mismatch      Up -- operational
VM -- vlan id mismatch           CF -- Call admission control failure
OL -- no outgoing label          IB -- TDM incompatible bitrate
NC -- intf encaps not CCC/TCC    TM -- TDM misconfiguration
BK -- Backup Connection          ST -- Standby Connection
CB -- rcvd cell-bundle size bad  SP -- Static Pseudowire
LD -- local site signaled down   RS -- remote site standby
RD -- remote site signaled down  HS -- Hot-standby Connection
XX -- unknown
`

// label is a stable MPLS label for a pseudowire or VPLS id.
func label(base int, id string) int { return base + int(hash32(id)%4096)*16 }

// l2circuitConnections answers `show l2circuit connections [interface X] [neighbor N]`.
func (d *Device) l2circuitConnections(args map[string]string) (string, *xmltree.Node, bool) {
	run := d.runningTree()
	up := d.unitsUp()
	x := el("l2circuit-connection-information")
	var b strings.Builder
	b.WriteString("Layer-2 Circuit Connections:\n\n" + l2Legend + "\n")
	since := d.boot.Format("Jan _2 15:04:05 2006")
	for _, nb := range run.at("protocols", "l2circuit").entries("neighbor") {
		if n, ok := args["neighbor"]; ok && n != nb.key {
			continue
		}
		var ifs []*cnode
		for _, i := range nb.entries("interface") {
			if want, ok := args["interface"]; !ok || normIFL(want) == normIFL(i.key) {
				ifs = append(ifs, i)
			}
		}
		if len(ifs) == 0 {
			continue
		}
		peer := d.fleet.byLoopback(nb.key)
		xn := el("l2circuit-neighbor", tx("neighbor-address", nb.key))
		fmt.Fprintf(&b, "Neighbor: %s\n    Interface                 Type  St     Time last up          # Up trans\n", nb.key)
		for _, i := range ifs {
			vc := i.leafValue("virtual-circuit-id")
			st := d.pwStatus(run, i, up, peer, nb.key, vc)
			id := fmt.Sprintf("%s(vc %s)", i.key, vc)
			in, out := label(299776, d.Loopback()+"/"+vc), label(299776, nb.key+"/"+vc)
			enc := "VLAN"
			if i.leafValue("encapsulation-type") == "ethernet" {
				enc = "ETHERNET"
			}
			cw := "Yes"
			if i.findName("no-control-word") != nil {
				cw = "No"
			}
			lst := "Up"
			if !up[normIFL(i.key)] {
				lst = "Down"
			}
			conn := el("connection", tx("connection-id", id), tx("connection-type", "rmt"), tx("connection-status", st),
				tx("last-change", since), tx("up-transitions", "1"), tx("remote-pe", nb.key), tx("control-word", cw),
				el("local-interface", tx("interface-name", normIFL(i.key)), tx("interface-status", lst), tx("interface-encapsulation", enc)))
			fmt.Fprintf(&b, "    %-25s rmt   %-6s %s           1\n", id, st, since)
			fmt.Fprintf(&b, "      Remote PE: %s, Negotiated control-word: %s\n", nb.key, cw)
			if st == "Up" {
				fmt.Fprintf(&b, "      Incoming label: %d, Outgoing label: %d\n", in, out)
				conn.Add(tx("inbound-label", strconv.Itoa(in)), tx("outbound-label", strconv.Itoa(out)))
			} else {
				fmt.Fprintf(&b, "      Incoming label: %d, Outgoing label: NA\n", in)
				conn.Add(tx("inbound-label", strconv.Itoa(in)))
			}
			fmt.Fprintf(&b, "      Local interface: %s, Status: %s, Encapsulation: %s\n", normIFL(i.key), lst, enc)
			xn.Add(conn)
		}
		x.Add(xn)
	}
	return b.String(), x, true
}

// pwStatus derives a pseudowire's status: the local unit, then the remote PE's side.
func (d *Device) pwStatus(run, i *cnode, up map[string]bool, peer *Device, nbAddr, vc string) string {
	name := normIFL(i.key)
	u := ifl(run, name)
	switch {
	case u == nil:
		return "NP"
	case !strings.HasSuffix(u.leafValue("encapsulation"), "ccc"):
		return "NC"
	case !up[name]:
		return "Dn"
	case peer == nil:
		return "OL"
	}
	prun := peer.runningTree()
	for _, pi := range prun.at("protocols", "l2circuit", "neighbor="+d.Loopback()).entries("interface") {
		if pi.leafValue("virtual-circuit-id") != vc {
			continue
		}
		switch {
		case pi.leafValue("mtu") != i.leafValue("mtu"):
			return "MM"
		case pi.leafValue("encapsulation-type") != i.leafValue("encapsulation-type"):
			return "EM"
		case (pi.findName("no-control-word") == nil) != (i.findName("no-control-word") == nil):
			return "CM"
		case !peer.unitsUp()[normIFL(pi.key)]:
			return "RD"
		}
		return "Up"
	}
	return "OL"
}

// vplsConnections answers `show vpls connections [instance X]` for LDP-signalled VPLS.
func (d *Device) vplsConnections(only string) (string, *xmltree.Node, bool) {
	run := d.runningTree()
	var b strings.Builder
	b.WriteString("Layer-2 VPN connections:\n\n" + l2Legend + "\n")
	since := d.boot.Format("Jan _2 15:04:05 2006")
	found := false
	for _, ri := range run.at("routing-instances").entries("instance") {
		vpls := ri.at("protocols", "vpls")
		if ri.leafValue("instance-type") != "vpls" || vpls == nil || (only != "" && ri.key != only) {
			continue
		}
		found = true
		id := vpls.leafValue("vpls-id")
		fmt.Fprintf(&b, "Instance: %s\n  VPLS-id: %s\n    Neighbor                  Type  St     Time last up          # Up trans\n", ri.key, id)
		for _, nb := range vpls.entries("neighbor") {
			st := "OL"
			if peer := d.fleet.byLoopback(nb.key); peer != nil && peerHasVPLS(peer.runningTree(), id, d.Loopback()) {
				st = "Up"
			}
			fmt.Fprintf(&b, "    %-25s rmt   %-6s %s           1\n", fmt.Sprintf("%s(vpls-id %s)", nb.key, id), st, since)
			fmt.Fprintf(&b, "      Remote PE: %s, Negotiated control-word: No\n", nb.key)
			if st == "Up" {
				fmt.Fprintf(&b, "      Incoming label: %d, Outgoing label: %d\n", label(262145, d.Loopback()+"/"+id), label(262145, nb.key+"/"+id))
			}
			fmt.Fprintf(&b, "      Local interface: lsi.%d, Status: %s, Encapsulation: ETHERNET\n", 1048576+hash32(ri.key+nb.key)%4096, map[bool]string{true: "Up", false: "Down"}[st == "Up"])
		}
	}
	if only != "" && !found {
		return "", nil, false
	}
	return b.String(), nil, true
}

func peerHasVPLS(run *cnode, id, neighbor string) bool {
	for _, ri := range run.at("routing-instances").entries("instance") {
		vpls := ri.at("protocols", "vpls")
		if vpls != nil && vpls.leafValue("vpls-id") == id && vpls.entry("neighbor", neighbor) != nil {
			return true
		}
	}
	return false
}

// tunnelName names an instance's inclusive provider tunnel as Junos shows it.
func tunnelName(ri *cnode, root string) string {
	pt := ri.findName("provider-tunnel")
	switch {
	case pt.findName("rsvp-te") != nil:
		return "RSVP-TE P2MP:" + root + ", 9," + root
	case pt.findName("ldp-p2mp") != nil:
		return "LDP P2MP:" + root + ", lsp-id 16777217"
	case pt.findName("ingress-replication") != nil:
		return "INGRESS-REPLICATION:MPLS Label " + strconv.Itoa(label(16, root)) + ":" + root
	}
	return "none"
}

// mvpnInstance answers `show mvpn instance [X]`: the MVPN neighbors are the PEs of the fleet
// with an MVPN instance importing the same route target.
func (d *Device) mvpnInstance(only string) (string, *xmltree.Node, bool) {
	run := d.runningTree()
	var b strings.Builder
	b.WriteString("MVPN instance:\nLegend for provider tunnel\nS- Selective provider tunnel\n\nLegend for c-multicast routes properties (Pr)\nDS -- derived from (*, c-g)       RM -- remote VPN route\nFamily : INET\n\n")
	found := false
	for _, ri := range run.at("routing-instances").entries("instance") {
		if ri.at("protocols", "mvpn") == nil || (only != "" && ri.key != only) {
			continue
		}
		found = true
		target := ri.leafValue("vrf-target")
		fmt.Fprintf(&b, "Instance : %s\n  MVPN Mode : SPT-ONLY\n  Provider tunnel: I-P-tnl:%s\n", ri.key, tunnelName(ri, d.Loopback()))
		b.WriteString("  Neighbor                              Inclusive Provider Tunnel\n")
		if d.fleet != nil {
			for _, peer := range d.fleet.devices {
				if peer == d {
					continue
				}
				for _, pri := range peer.runningTree().at("routing-instances").entries("instance") {
					if pri.at("protocols", "mvpn") != nil && target != "" && pri.leafValue("vrf-target") == target {
						fmt.Fprintf(&b, "    %-37s %s\n", peer.Loopback(), tunnelName(pri, peer.Loopback()))
					}
				}
			}
		}
		b.WriteString("\n")
	}
	if only != "" && !found {
		return "", nil, false
	}
	return b.String(), nil, true
}

// bgpSummary answers `show bgp summary [instance X]`. A peer is Established when it is a
// device of the fleet that has this device's address as a BGP neighbor; others stay Active.
func (d *Device) bgpSummary(only string) (string, *xmltree.Node, bool) {
	run := d.runningTree()
	type peer struct{ addr, as, state, table string }
	var peers []peer
	groups := 0
	collect := func(bgp *cnode, table string) {
		for _, g := range bgp.entries("group") {
			groups++
			for _, nb := range g.entries("neighbor") {
				as := nb.leafValue("peer-as")
				if as == "" {
					as = g.leafValue("peer-as")
				}
				if as == "" {
					as = run.at("routing-options").leafValue("autonomous-system")
				}
				st := "Active"
				if p := d.fleet.byLoopback(nb.key); p != nil && hasBGPNeighbor(p.runningTree(), d.Loopback()) {
					st = "Establ"
				}
				peers = append(peers, peer{nb.key, as, st, table})
			}
		}
	}
	if only == "" {
		collect(run.at("protocols", "bgp"), "inet.0")
	}
	found := only == ""
	for _, ri := range run.at("routing-instances").entries("instance") {
		if only == "" || ri.key == only {
			if bgp := ri.at("protocols", "bgp"); bgp != nil {
				found = true
				collect(bgp, ri.key+".inet.0")
			} else if ri.key == only {
				found = true
			}
		}
	}
	if !found {
		return "", nil, false
	}
	down := 0
	for _, p := range peers {
		if p.state != "Establ" {
			down++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Threading mode: BGP I/O\nDefault eBGP mode: advertise - accept, receive - accept\nGroups: %d Peers: %d Down peers: %d\n", groups, len(peers), down)
	b.WriteString("Table          Tot Paths  Act Paths Suppressed    History Damp State    Pending\n")
	tables := map[string]bool{}
	for _, p := range peers {
		tables[p.table] = true
	}
	for _, t := range sortedKeys(tables) {
		fmt.Fprintf(&b, "%s\n                       0          0          0          0          0          0\n", t)
	}
	b.WriteString("Peer                     AS      InPkt     OutPkt    OutQ   Flaps Last Up/Dwn State|#Active/Received/Accepted/Damped...\n")
	sort.Slice(peers, func(i, j int) bool { return peers[i].addr < peers[j].addr })
	age := fmtAge(d)
	for _, p := range peers {
		state := p.state
		if state == "Establ" {
			state = "Establ\n  " + p.table + ": 0/0/0/0"
		}
		fmt.Fprintf(&b, "%-20s %8s %10d %10d %7d %7d %11s %s\n", p.addr, p.as, 0, 0, 0, 0, age, state)
	}
	return b.String(), nil, true
}

func hasBGPNeighbor(run *cnode, addr string) bool {
	for _, g := range run.at("protocols", "bgp").entries("group") {
		if g.entry("neighbor", addr) != nil {
			return true
		}
	}
	return false
}

func fmtAge(d *Device) string {
	s := int(time.Since(d.boot).Seconds())
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// ping answers `ping <host> [routing-instance X] [count N] [rapid]`. The destination answers
// when it is an address of this device, a host of a connected subnet of an up interface of
// the instance (the CE on a PE-CE link), the loopback of a fleet device (default instance), or
// an address of another fleet PE's instance with the same route target.
func (d *Device) ping(host string, args map[string]string) (string, *xmltree.Node, bool) {
	dst, err := netip.ParseAddr(host)
	if err != nil || !dst.Is4() {
		return "", nil, false
	}
	count := 5
	if c, ok := args["count"]; ok {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > 1000000 {
			return "", nil, false
		}
		count = n
	}
	inst := args["routing-instance"]
	run := d.runningTree()
	if inst != "" && run.at("routing-instances", "instance="+inst) == nil {
		return "", nil, false
	}
	reach := d.reaches(run, inst, dst)
	var b strings.Builder
	fmt.Fprintf(&b, "PING %s (%s): 56 data bytes\n", host, host)
	_, rapid := args["rapid"]
	received := 0
	if reach {
		received = count
	}
	switch {
	case rapid && reach:
		b.WriteString(strings.Repeat("!", count) + "\n")
	case rapid:
		b.WriteString(strings.Repeat(".", count) + "\n")
	case reach:
		for i := 0; i < count; i++ {
			fmt.Fprintf(&b, "64 bytes from %s: icmp_seq=%d ttl=64 time=%.3f ms\n", host, i, 0.5+float64(hash32(host+strconv.Itoa(i))%400)/1000)
		}
	}
	fmt.Fprintf(&b, "\n--- %s ping statistics ---\n%d packets transmitted, %d packets received, %d%% packet loss\n", host, count, received, 100-100*received/count)
	if reach {
		b.WriteString("round-trip min/avg/max/stddev = 0.512/0.701/0.899/0.112 ms\n")
	}
	return b.String(), nil, true
}

// reaches decides whether dst answers a ping from instance inst ("" the default instance).
func (d *Device) reaches(run *cnode, inst string, dst netip.Addr) bool {
	if d.reachesLocal(run, inst, dst) {
		return true
	}
	if inst == "" {
		return dst.String() == d.Loopback() || d.fleet.byLoopback(dst.String()) != nil
	}
	target := run.at("routing-instances", "instance="+inst).leafValue("vrf-target")
	if d.fleet == nil || target == "" {
		return false
	}
	for _, peer := range d.fleet.devices {
		if peer == d {
			continue
		}
		prun := peer.runningTree()
		for _, ri := range prun.at("routing-instances").entries("instance") {
			if ri.leafValue("vrf-target") == target && peer.reachesLocal(prun, ri.key, dst) {
				return true
			}
		}
	}
	return false
}

// reachesLocal: dst is an address of the instance's interfaces or a host of a connected
// subnet of one that is up.
func (d *Device) reachesLocal(run *cnode, inst string, dst netip.Addr) bool {
	units := map[string]bool{}
	if inst != "" {
		for _, i := range run.at("routing-instances", "instance="+inst).entries("interface") {
			units[normIFL(i.key)] = true
		}
	} else {
		for _, ri := range run.at("routing-instances").entries("instance") {
			for _, i := range ri.entries("interface") {
				units[normIFL(i.key)] = false // in a VRF: not reachable from the default instance
			}
		}
	}
	for _, st := range d.interfaces() {
		for _, u := range st.units {
			in, listed := units[u.name]
			if inst != "" && !in || inst == "" && listed {
				continue
			}
			for _, a := range u.families["inet"] {
				p, err := netip.ParsePrefix(a)
				if err != nil {
					continue
				}
				if p.Addr() == dst {
					return true
				}
				if u.oper == "up" && p.Bits() < 32 && p.Masked().Contains(dst) {
					return true
				}
			}
		}
	}
	return false
}
