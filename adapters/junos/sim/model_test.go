package sim

import (
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/xmltree"
)

func loadSet(lines string) *xmltree.Node {
	return el("load-configuration", tx("configuration-set", lines)).SetAttr("action", "set")
}

func loadXML(cfg *xmltree.Node) *xmltree.Node {
	return el("load-configuration", cfg)
}

func port1(kids ...*xmltree.Node) *xmltree.Node {
	return el("configuration", el("interfaces", el("interface", append([]*xmltree.Node{tx("name", "ge-0/0/1")}, kids...)...)))
}

// rpcErr is the parts of an rpc-error a test looks at.
type rpcErr struct{ path, message, bad string }

func rpcErrors(t *testing.T, reply string) []rpcErr {
	t.Helper()
	root, err := parseElem([]byte(reply))
	if err != nil {
		t.Fatalf("reply does not parse: %v\n%s", err, reply)
	}
	var out []rpcErr
	for _, e := range root.Find("rpc-error") {
		if e.ChildText("error-severity") != "error" {
			continue
		}
		bad := ""
		if info := e.Child("error-info"); info != nil {
			bad = info.ChildText("bad-element")
		}
		out = append(out, rpcErr{e.ChildText("error-path"), e.ChildText("error-message"), bad})
	}
	return out
}

// TestModelRefusesAtLoad: what Junos' schema refuses is refused when it is loaded, with
// Junos' error shape (error-path, error-message, bad-element), and the candidate is left as it
// was.
func TestModelRefusesAtLoad(t *testing.T) {
	tests := []struct {
		name string
		op   *xmltree.Node
		want rpcErr
	}{
		{"unknown top-level statement (set)", loadSet("set frobnicate widget w1 colour purple"),
			rpcErr{"[edit]", "syntax error", "frobnicate"}},
		{"unknown top-level statement (xml)", loadXML(el("configuration", el("frobnicate", el("widget", tx("name", "w1"), tx("colour", "purple"))))),
			rpcErr{"[edit]", "syntax error", "frobnicate"}},
		{"unknown leaf under an interface", loadXML(port1(tx("colour", "purple"))),
			rpcErr{"[edit interfaces ge-0/0/1]", "syntax error", "colour"}},
		{"unknown leaf under an interface (set)", loadSet("set interfaces ge-0/0/1 colour purple"),
			rpcErr{"[edit interfaces ge-0/0/1]", "syntax error", "colour"}},
		{"vlan-id out of range", loadXML(port1(el("unit", tx("name", "100"), tx("vlan-id", "9999")))),
			rpcErr{"[edit interfaces ge-0/0/1 unit 100]", "Value 9999 is not within range (1..4094)", "vlan-id"}},
		{"vlan-id out of range (set)", loadSet("set interfaces ge-0/0/1 unit 100 vlan-id 9999"),
			rpcErr{"[edit interfaces ge-0/0/1 unit 100]", "Value 9999 is not within range (1..4094)", "vlan-id"}},
		{"mtu not a number", loadSet("set interfaces ge-0/0/1 mtu banana"),
			rpcErr{"[edit interfaces ge-0/0/1]", "invalid numeric value: 'banana'", "mtu"}},
		{"garbage route distinguisher", loadSet("set routing-instances V route-distinguisher garbage"),
			rpcErr{"[edit routing-instances V route-distinguisher]", "invalid route-distinguisher 'garbage': expected AS-number:number or IPv4-address:number", "rd-type"}},
		{"garbage route distinguisher (xml)", loadXML(el("configuration", el("routing-instances", el("instance", tx("name", "V"), el("route-distinguisher", tx("rd-type", "1:2:3")))))),
			rpcErr{"[edit routing-instances V route-distinguisher]", "invalid route-distinguisher '1:2:3': expected AS-number:number or IPv4-address:number", "rd-type"}},
		{"garbage vrf-target", loadSet("set routing-instances V vrf-target 65000:1"),
			rpcErr{"[edit routing-instances V vrf-target]", "invalid community '65000:1': expected target:AS-number:number or target:IPv4-address:number", "community"}},
		{"bad enum", loadSet("set interfaces ge-0/0/1 encapsulation flexible-ethernet-service"),
			rpcErr{"[edit interfaces ge-0/0/1]", "syntax error", "encapsulation"}},
		{"bad interface name", loadSet("set interfaces gigabit1 unit 0"),
			rpcErr{"[edit interfaces]", "invalid interface type in 'gigabit1'", "gigabit1"}},
		{"list without a key", loadXML(port1(el("unit", tx("vlan-id", "5")))),
			rpcErr{"[edit interfaces ge-0/0/1]", "syntax error: unit needs a <name>", "unit"}},
		{"edit-config too", el("edit-config", candidate(), el("config", port1(tx("mtu", "99999")))),
			rpcErr{"[edit interfaces ge-0/0/1]", "Value 99999 is not within range (256..9216)", "mtu"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newTestDevice(t)
			s := simSession(t, d)
			before := strings.Join(d.CandidateSet(), "\n")
			errs := rpcErrors(t, rpc(t, s, tc.op))
			if len(errs) != 1 || errs[0] != tc.want {
				t.Fatalf("errors %+v, want [%+v]", errs, tc.want)
			}
			if got := strings.Join(d.CandidateSet(), "\n"); got != before {
				t.Fatalf("a refused load changed the candidate:\n%s", got)
			}
		})
	}
}

// TestModelAcceptsServiceConfig: the statements the bundled packs render load and commit.
func TestModelAcceptsServiceConfig(t *testing.T) {
	d := newTestDevice(t)
	s := simSession(t, d)
	mustOK(t, s, loadSet(strings.Join([]string{
		"set interfaces ge-0/0/1 flexible-vlan-tagging",
		"set interfaces ge-0/0/1 encapsulation flexible-ethernet-services",
		"set interfaces ge-0/0/1 unit 100 encapsulation vlan-ccc vlan-id 100",
		"set interfaces ge-0/0/1 unit 100 input-vlan-map pop",
		"set interfaces ge-0/0/1 unit 100 output-vlan-map push",
		"set interfaces ge-0/0/1 unit 100 family ccc policer input xprov-10m",
		"set firewall policer xprov-10m if-exceeding bandwidth-limit 10m burst-size-limit 12500",
		"set firewall policer xprov-10m then discard",
		"set protocols l2circuit neighbor 10.255.1.2 interface ge-0/0/1.100 virtual-circuit-id 7 mtu 1500 encapsulation-type ethernet no-control-word",
		"set interfaces ge-0/0/1 unit 200 encapsulation vlan-vpls vlan-id 200 family vpls",
		"set routing-instances VPLS-5 instance-type vpls vlan-id none interface ge-0/0/1.200",
		"set routing-instances VPLS-5 protocols vpls vpls-id 5 no-tunnel-services mtu 1500 neighbor 10.255.1.2",
		"set interfaces ge-0/0/1 unit 300 vlan-id 300 family inet address 192.0.2.1/30",
		"set interfaces lo0 unit 10 family inet address 10.100.0.1/32",
		"set routing-instances IPTV instance-type vrf interface ge-0/0/1.300",
		"set routing-instances IPTV interface lo0.10",
		"set routing-instances IPTV route-distinguisher 65000:300 vrf-target target:65000:300 vrf-table-label",
		"set routing-instances IPTV protocols bgp group CE type external neighbor 192.0.2.2 peer-as 65101",
		"set routing-instances IPTV protocols pim interface ge-0/0/1.300 mode sparse",
		"set routing-instances IPTV protocols pim rp static address 10.10.10.10",
		"set routing-instances IPTV protocols mvpn",
		"set routing-instances IPTV provider-tunnel rsvp-te label-switched-path-template default-template",
	}, "\n")))
	mustOK(t, s, el("commit"))
	if !d.RunningHas("set routing-instances IPTV route-distinguisher 65000:300") {
		t.Fatalf("running:\n%s", strings.Join(d.RunningSet(), "\n"))
	}
}

// TestCommitChecks: the commit checks for l2circuit, VPLS, VRF, BGP, PIM and MVPN, and the
// model's mandatory and one-of statements, refuse the commit with the path and reason.
func TestCommitChecks(t *testing.T) {
	const port = "set interfaces ge-0/0/1 flexible-vlan-tagging\nset interfaces ge-0/0/1 encapsulation flexible-ethernet-services\n"
	const vrf = port + "set interfaces ge-0/0/1 unit 300 vlan-id 300 family inet address 192.0.2.1/30\n" +
		"set routing-instances V instance-type vrf interface ge-0/0/1.300\nset routing-instances V route-distinguisher 65000:1 vrf-target target:65000:1\n"
	tests := []struct {
		name  string
		lines string
		want  rpcErr
	}{
		{"l2circuit without virtual-circuit-id", port + "set interfaces ge-0/0/1 unit 100 encapsulation vlan-ccc vlan-id 100\nset protocols l2circuit neighbor 10.255.1.2 interface ge-0/0/1.100 mtu 1500",
			rpcErr{"[edit protocols l2circuit neighbor 10.255.1.2 interface ge-0/0/1.100]", "Missing mandatory statement: 'virtual-circuit-id'", "virtual-circuit-id"}},
		{"vrf without route-distinguisher", port + "set interfaces ge-0/0/1 unit 300 vlan-id 300\nset routing-instances V instance-type vrf interface ge-0/0/1.300\nset routing-instances V vrf-target target:65000:1",
			rpcErr{"[edit routing-instances V]", "Missing mandatory statement: 'route-distinguisher' (instance-type vrf)", "route-distinguisher"}},
		{"vrf without targets", port + "set interfaces ge-0/0/1 unit 300 vlan-id 300\nset routing-instances V instance-type vrf interface ge-0/0/1.300\nset routing-instances V route-distinguisher 65000:1",
			rpcErr{"[edit routing-instances V]", "vrf-target or vrf-import and vrf-export must be configured for instance-type vrf", "vrf-target"}},
		{"vpls neighbors without vpls-id", port + "set interfaces ge-0/0/1 unit 200 encapsulation vlan-vpls vlan-id 200 family vpls\nset routing-instances E instance-type vpls interface ge-0/0/1.200\nset routing-instances E protocols vpls neighbor 10.255.1.2",
			rpcErr{"[edit routing-instances E]", "LDP-signalled VPLS needs a vpls-id (protocols vpls neighbor is configured)", "vpls-id"}},
		{"vpls in a vrf", vrf + "set routing-instances V protocols vpls vpls-id 4",
			rpcErr{"[edit routing-instances V]", "protocols vpls requires instance-type vpls (routing-instance V is vrf)", "vpls"}},
		{"bgp in a vpls instance", port + "set interfaces ge-0/0/1 unit 200 encapsulation vlan-vpls vlan-id 200\nset routing-instances E instance-type vpls interface ge-0/0/1.200\nset routing-instances E protocols vpls vpls-id 3\nset routing-instances E protocols bgp group CE type external peer-as 65001",
			rpcErr{"[edit routing-instances E]", "protocols bgp is not supported in a routing instance of type vpls (use vrf or virtual-router)", "bgp"}},
		{"external bgp peer without peer-as", vrf + "set routing-instances V protocols bgp group CE type external neighbor 192.0.2.2",
			rpcErr{"[edit routing-instances V protocols bgp group CE neighbor 192.0.2.2]", "peer-as must be configured for external BGP peer 192.0.2.2 (group CE)", "peer-as"}},
		{"pim on an interface outside the vrf", vrf + "set routing-instances V protocols pim interface ge-0/0/1.999 mode sparse",
			rpcErr{"[edit routing-instances V]", "PIM interface ge-0/0/1.999 is not an interface of routing-instance V", "ge-0/0/1.999"}},
		{"mvpn with pim and no loopback", vrf + "set routing-instances V protocols pim interface ge-0/0/1.300 mode sparse\nset routing-instances V protocols mvpn",
			rpcErr{"[edit routing-instances V]", "multicast VPN with PIM needs a loopback unit (lo0.N) with an IPv4 address in routing-instance V", "mvpn"}},
		{"provider-tunnel without mvpn", vrf + "set routing-instances V provider-tunnel ldp-p2mp",
			rpcErr{"[edit routing-instances V]", "provider-tunnel ldp-p2mp requires protocols mvpn in routing-instance V", "provider-tunnel"}},
		{"policer without burst size", "set firewall policer P if-exceeding bandwidth-limit 10m\nset firewall policer P then discard",
			rpcErr{"[edit firewall policer P if-exceeding]", "Missing mandatory statement: 'burst-size-limit'", "burst-size-limit"}},
		{"two tagging modes", port + "set interfaces ge-0/0/1 vlan-tagging",
			rpcErr{"[edit interfaces ge-0/0/1]", "'vlan-tagging' and 'flexible-vlan-tagging' are mutually exclusive (at most one of: vlan-tagging, flexible-vlan-tagging, stacked-vlan-tagging)", "flexible-vlan-tagging"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newTestDevice(t)
			s := simSession(t, d)
			mustOK(t, s, loadSet(tc.lines))
			errs := rpcErrors(t, rpc(t, s, el("commit-configuration")))
			if len(errs) != 2 || errs[0] != tc.want || errs[1].message != "configuration check-out failed" {
				t.Fatalf("errors %+v, want [%+v, check-out failed]", errs, tc.want)
			}
			// The full check (a running configuration stored without a check) agrees.
			if full := checkConfig(d.candidate); len(full) != 1 || full[0].message != tc.want.message {
				t.Fatalf("full check: %+v", full)
			}
		})
	}
}
