package sim

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/xprov/xprov/adapters/xmltree"
)

// The simulator answers a few operational SR OS commands per node
// (script.ScriptManager.executeCli), with output shaped like SR OS's and derived from the
// objects it holds:
//
//	show service id <id> base       the service's basics and its SAPs and SDP bindings on the node
//	show router <id> route-table    a VPRN's routes on the node: its interfaces' subnets, static routes
//	show router <id> bgp summary    a VPRN's BGP neighbours: Established when the neighbour is a
//	                                host of an up interface's subnet, Active otherwise
//	oam sdp-ping <sdp-id>           whether the node has that SDP, and the far end's view of it
//	ping <address> [router <id>]    an interface address, a host of an interface's subnet, or a
//	                                static route's destination answers when the interface is up
//
// SDPs are numbered from the far end's system address a.b.c.d as c*256+d (wrapped into
// 1..17407), the numbering plan the bundled packs' ops assume (common.star sros_sdp_id).

// SDPID is the SDP id the simulator gives the SDP from any node to far end addr.
func SDPID(addr string) int {
	ip := net.ParseIP(addr).To4()
	if ip == nil {
		return 0
	}
	n := int(ip[2])*256 + int(ip[3])
	if n > 17407 || n == 0 {
		n = n%17407 + 1
	}
	return n
}

// cliError is a command the node refuses; it becomes a SOAP fault carrying SR OS's words.
func cliError(command, site, msg string) *fault {
	return clientFault(excValidation, "", "CLI command %q on %s failed: %s", command, site, msg)
}

func (s *Server) executeCli(m *xmltree.Node) (func(*xmlWriter), *fault) {
	siteID := m.ChildText("siteId")
	command := strings.Join(strings.Fields(m.ChildText("command")), " ")
	s.mu.RLock()
	out, f := s.st.cli(siteID, command)
	s.mu.RUnlock()
	if f != nil {
		return nil, f
	}
	return func(w *xmlWriter) {
		w.startNS("script.ScriptManager.executeCliResponse")
		w.leaf("result", out)
		w.end("script.ScriptManager.executeCliResponse")
	}, nil
}

// CLI runs an operational command on the node with system address siteID as
// script.ScriptManager.executeCli does, without SOAP (for tests).
func (s *Server) CLI(siteID, command string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out, f := s.st.cli(siteID, strings.Join(strings.Fields(command), " "))
	if f != nil {
		return "", f
	}
	return out, nil
}

func (st *store) cli(siteID, command string) (string, *fault) {
	ne := st.nesByIP[siteID]
	if ne == nil {
		return "", clientFault(excNotFound, "", "network element with system address %s is not managed", siteID)
	}
	f := strings.Fields(command)
	bad := func() (string, *fault) { return "", cliError(command, ne.name, "Error: Bad command.") }
	switch {
	case len(f) == 5 && f[0] == "show" && f[1] == "service" && f[2] == "id" && f[4] == "base":
		return st.showServiceBase(ne, f[3], command)
	case len(f) == 4 && f[0] == "show" && f[1] == "router" && f[3] == "route-table":
		return st.showRouteTable(ne, f[2], command)
	case len(f) == 5 && f[0] == "show" && f[1] == "router" && f[3] == "bgp" && f[4] == "summary":
		return st.showBGPSummary(ne, f[2], command)
	case len(f) >= 3 && f[0] == "oam" && f[1] == "sdp-ping":
		id, err := strconv.Atoi(f[2])
		if err != nil || id < 1 || id > 17407 {
			return "", cliError(command, ne.name, fmt.Sprintf("Error: Invalid SDP id %q (1..17407).", f[2]))
		}
		return st.sdpPing(ne, id), nil
	case len(f) >= 2 && f[0] == "ping":
		addr, router := f[1], ""
		for i := 2; i+1 < len(f); i += 2 {
			switch f[i] {
			case "router":
				router = f[i+1]
			case "count", "size", "interval", "timeout":
			default:
				return bad()
			}
		}
		if net.ParseIP(addr) == nil {
			return "", cliError(command, ne.name, fmt.Sprintf("Error: Invalid IP address %q.", addr))
		}
		return st.ping(ne, addr, router, command)
	}
	return bad()
}

// siteOf returns the service with SR OS service id id and its site on ne.
func (st *store) siteOf(ne *neInfo, id string) (svc, site *object) {
	fdn, ok := st.svcIDs[id]
	if !ok {
		return nil, nil
	}
	svc = st.objs[fdn]
	return svc, st.objs[fdn+":"+ne.addr]
}

func upDown(s string) string {
	if s == "down" {
		return "Down"
	}
	return "Up"
}

var serviceTypes = map[string]string{"epipe.Epipe": "Epipe", "vpls.Vpls": "VPLS", "vprn.Vprn": "VPRN", "ies.Ies": "IES"}

func sortedChildren(o *object) []*object {
	out := make([]*object, 0, len(o.children))
	for _, c := range o.children {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fdn < out[j].fdn })
	return out
}

const (
	rule2 = "==============================================================================="
	rule1 = "-------------------------------------------------------------------------------"
)

func (st *store) showServiceBase(ne *neInfo, id, command string) (string, *fault) {
	svc, site := st.siteOf(ne, id)
	if svc == nil || site == nil {
		return "", cliError(command, ne.name, fmt.Sprintf("MINOR: SVCMGR #1003 Service %s does not exist.", id))
	}
	var saps, sdps [][]string
	for _, c := range sortedChildren(site) {
		switch {
		case hasEncap(c.class):
			typ := "null"
			switch {
			case c.props["outerEncapValue"] != "" && c.props["innerEncapValue"] != "":
				typ = "qinq"
			case encap(c.props) != "":
				typ = "q-tag"
			}
			sapID := "sap:" + c.props["portName"]
			if e := encap(c.props); e != "" {
				sapID += ":" + e
			}
			saps = append(saps, []string{sapID, typ, upDown(c.props["administrativeState"]), upDown(st.operState(c))})
		case c.class == "svt.SpokeSdpBinding" || c.class == "svt.MeshSdpBinding":
			far := c.props["tunnelSelectionTerminationSiteId"]
			kind := "Spok"
			if c.class == "svt.MeshSdpBinding" {
				kind = "Mesh"
			}
			sdps = append(sdps, []string{fmt.Sprintf("sdp:%d:%s S(%s)", SDPID(far), c.props["vcId"], far), kind,
				upDown(c.props["administrativeState"]), upDown(st.operState(c))})
		}
	}
	mtu := svc.props["mtu"]
	if mtu == "" {
		mtu = "1514"
	}
	if svc.class == "vprn.Vprn" || svc.class == "ies.Ies" {
		mtu = "0"
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w(rule2)
	w("Service Basic Information")
	w(rule2)
	w("%-18s: %-19s %-18s: %s", "Service Id", id, "Vpn Id", "0")
	w("%-18s: %s", "Service Type", serviceTypes[svc.class])
	w("%-18s: %s", "Name", orDash(svc.props["displayedName"]))
	w("%-18s: %s", "Description", orDash(svc.props["description"]))
	w("%-18s: %-19s %-18s: %s", "Customer Id", svc.props["customerId"], "Creation Origin", "manual")
	w("%-18s: %-19s %-18s: %s", "Admin State", upDown(svc.props["administrativeState"]), "Oper State", upDown(st.operState(site)))
	w("%-18s: %s", "MTU", mtu)
	w("%-18s: %-19d %-18s: %d", "SAP Count", len(saps), "SDP Bind Count", len(sdps))
	w(rule1)
	w("Service Access & Destination Points")
	w(rule1)
	w("%-40s %-12s %-4s %-4s", "Identifier", "Type", "Adm", "Opr")
	w(rule1)
	for _, r := range append(saps, sdps...) {
		w("%-40s %-12s %-4s %-4s", r[0], r[1], r[2], r[3])
	}
	if len(saps)+len(sdps) == 0 {
		w("No Matching Entries")
	}
	w(rule2)
	return b.String(), nil
}

func orDash(s string) string {
	if s == "" {
		return "(Not Specified)"
	}
	return s
}

// l3Site returns the VPRN (or, with router "", the node's IES interfaces in the base
// router) sites on ne a routing command looks at.
func (st *store) l3Sites(ne *neInfo, router string) ([]*object, bool) {
	if router != "" && router != "Base" {
		svc, site := st.siteOf(ne, router)
		if svc == nil || site == nil || svc.class != "vprn.Vprn" {
			return nil, false
		}
		return []*object{site}, true
	}
	var out []*object
	for _, o := range st.byClass["ies.Site"] {
		if o.ne == ne {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fdn < out[j].fdn })
	return out, true
}

type route struct {
	prefix, typ, proto, nextHop string
	pref                        string
}

func (st *store) routes(sites []*object) []route {
	var rs []route
	for _, site := range sites {
		for _, c := range sortedChildren(site) {
			switch {
			case strings.HasSuffix(c.class, ".L3AccessInterface") && st.operState(c) == "up":
				for _, a := range []string{c.props["ipAddress"], c.props["ipv6Address"]} {
					if _, n, err := net.ParseCIDR(a); err == nil {
						rs = append(rs, route{n.String(), "Local", "Local", c.props["interfaceName"], "0"})
					}
				}
			case c.class == "rtr.StaticRoute":
				pref := c.props["preference"]
				if pref == "" {
					pref = "5"
				}
				rs = append(rs, route{c.props["destination"], "Remote", "Static", c.props["nextHop"], pref})
			}
		}
	}
	return rs
}

func (st *store) showRouteTable(ne *neInfo, router, command string) (string, *fault) {
	sites, ok := st.l3Sites(ne, router)
	if !ok {
		return "", cliError(command, ne.name, fmt.Sprintf("MINOR: CLI Invalid router \"%s\".", router))
	}
	rs := st.routes(sites)
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w(rule2)
	w("Route Table (Service: %s)", router)
	w(rule2)
	w("%-45s %-7s %-9s %-11s %s", "Dest Prefix[Flags]", "Type", "Proto", "Age", "Pref")
	w("      %-59s %s", "Next Hop[Interface Name]", "Metric")
	w(rule1)
	for _, r := range rs {
		w("%-45s %-7s %-9s %-11s %s", r.prefix, r.typ, r.proto, "00h00m00s", r.pref)
		w("       %-58s %s", r.nextHop, "0")
	}
	w(rule1)
	w("No. of Routes: %d", len(rs))
	w(rule2)
	return b.String(), nil
}

func (st *store) sdpPing(ne *neInfo, id int) string {
	far := ""
	adm, opr := "Up", "Down"
	for _, class := range []string{"svt.SpokeSdpBinding", "svt.MeshSdpBinding"} {
		for _, o := range st.byClass[class] {
			if o.ne == ne && SDPID(o.props["tunnelSelectionTerminationSiteId"]) == id {
				far = o.props["tunnelSelectionTerminationSiteId"]
				opr = "Up"
			}
		}
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	if far == "" {
		w("Request Result: Sent - Request Timeout")
		w("Err SDP-ID Info             Local          Remote")
		w("--- -------------------     -------------  -------------")
		w("    SDP-ID:                 %-14d Not Specified", id)
		w("==> Err Code 5 = SDP %d does not exist on %s", id, ne.name)
		return b.String()
	}
	remote := "Not Specified"
	if fne := st.nesByIP[far]; fne != nil {
		remote = "Down"
		for _, class := range []string{"svt.SpokeSdpBinding", "svt.MeshSdpBinding"} {
			for _, o := range st.byClass[class] {
				if o.ne == fne && o.props["tunnelSelectionTerminationSiteId"] == ne.addr {
					remote = "Up"
				}
			}
		}
	}
	w("Request Result: Sent - Reply Received")
	w("RTT: 1.20ms")
	w("Err SDP-ID Info             Local          Remote")
	w("--- -------------------     -------------  -------------")
	w("    SDP-ID:                 %-14d Not Specified", id)
	w("    Administrative State:   %-14s %s", adm, remote)
	w("    Operative State:        %-14s %s", opr, remote)
	w("    Path MTU:               %-14s Not Specified", "9190")
	w("    Response SDP Used:                     No")
	w("Err System IP Interface Info")
	w("    Local Interface Name:   \"system\"")
	w("    Local IP Address:       %s", ne.addr)
	w("    Expected Peer IP:       %s", far)
	w("    Actual Peer IP:         %s", far)
	w("==> Err Code 0 = ok")
	return b.String()
}

func (st *store) ping(ne *neInfo, addr, router, command string) (string, *fault) {
	sites, ok := st.l3Sites(ne, router)
	if !ok {
		return "", cliError(command, ne.name, fmt.Sprintf("MINOR: CLI Invalid router \"%s\".", router))
	}
	ip := net.ParseIP(addr)
	reach := router == "" && st.nesByIP[addr] != nil // another node's system address, in the base router
	for _, site := range sites {
		for _, c := range sortedChildren(site) {
			switch {
			case strings.HasSuffix(c.class, ".L3AccessInterface") && st.operState(c) == "up":
				for _, a := range []string{c.props["ipAddress"], c.props["ipv6Address"]} {
					own, n, err := net.ParseCIDR(a)
					if err != nil {
						continue
					}
					if own.Equal(ip) || n.Contains(ip) && !ip.Equal(n.IP) {
						reach = true
					}
				}
			case c.class == "rtr.StaticRoute":
				if _, n, err := net.ParseCIDR(c.props["destination"]); err == nil && n.Contains(ip) {
					reach = true
				}
			}
		}
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("PING %s 56 data bytes", addr)
	for i := 1; i <= 5; i++ {
		if reach {
			w("64 bytes from %s: icmp_seq=%d ttl=64 time=1.10ms.", addr, i)
		} else {
			w("Request timed out. icmp_seq=%d.", i)
		}
	}
	w("")
	w("---- %s PING Statistics ----", addr)
	if reach {
		w("5 packets transmitted, 5 packets received, 0.00%% packet loss")
		w("round-trip min = 1.10ms, avg = 1.10ms, max = 1.10ms, stddev = 0.000ms")
	} else {
		w("5 packets transmitted, 0 packets received, 100%% packet loss")
	}
	return b.String(), nil
}

// onLink tells whether ip is a host of the subnet of an up interface of site (not its own
// address, not the subnet's network address).
func (st *store) onLink(site *object, ip net.IP) bool {
	for _, c := range site.children {
		if !strings.HasSuffix(c.class, ".L3AccessInterface") || st.operState(c) != "up" {
			continue
		}
		for _, a := range []string{c.props["ipAddress"], c.props["ipv6Address"]} {
			own, n, err := net.ParseCIDR(a)
			if err == nil && n.Contains(ip) && !own.Equal(ip) && !ip.Equal(n.IP) {
				return true
			}
		}
	}
	return false
}

func (st *store) showBGPSummary(ne *neInfo, router, command string) (string, *fault) {
	svc, site := st.siteOf(ne, router)
	if svc == nil || site == nil || svc.class != "vprn.Vprn" {
		return "", cliError(command, ne.name, fmt.Sprintf("MINOR: CLI Invalid router \"%s\".", router))
	}
	as := site.props["autonomousSystemNumber"]
	if as == "" {
		as = "0"
	}
	rid := site.props["routerId"]
	if rid == "" {
		rid = ne.addr
	}
	var peers []*object
	for _, c := range sortedChildren(site) {
		if c.class == "bgp.Peer" {
			peers = append(peers, c)
		}
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w(rule2)
	w(" BGP Router ID:%-15s AS:%-10s Local AS:%s", rid, as, as)
	w(rule2)
	w("BGP Admin State         : Up          BGP Oper State              : Up")
	w("Total Peers             : %d", len(peers))
	w(rule2)
	w("BGP Summary")
	w(rule2)
	w("Neighbor")
	w("Description")
	w("                   AS PktRcvd InQ  Up/Down   State|Rcv/Act/Sent (Addr Family)")
	w("                      PktSent OutQ")
	w(rule1)
	for _, p := range peers {
		addr := p.props["peerAddress"]
		fam := "IPv4"
		if strings.Contains(addr, ":") {
			fam = "IPv6"
		}
		state := "Active"
		if p.props["administrativeState"] != "down" && st.onLink(site, net.ParseIP(addr)) {
			state = "0/0/0 (" + fam + ")"
		}
		w("%s", addr)
		w("%s", orDash(p.props["description"]))
		w("%21s %7d %4d %s %s", p.props["peerAS"], 0, 0, "00h00m00s", state)
		w("%29d %4d", 0, 0)
	}
	if len(peers) == 0 {
		w("No Peers Found")
	}
	w(rule1)
	return b.String(), nil
}
