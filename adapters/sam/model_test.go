package sam_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/diff"
)

// policies renders the sap-ingress/sap-egress policy pair id, as the bundled packs do.
func policies(id, pir string) []config.Object {
	return []config.Object{
		{Class: "sapingress.Policy", Key: id, Props: map[string]string{"displayedName": "p" + id}},
		{Class: "sapingress.Policer", Key: "1", Parent: "sapingress.Policy[" + id + "]", Props: map[string]string{"cir": "0", "pir": pir}},
		{Class: "sapegress.Policy", Key: id, Props: map[string]string{"displayedName": "p" + id}},
		{Class: "sapegress.Queue", Key: "1", Parent: "sapegress.Policy[" + id + "]", Props: map[string]string{"cir": "0", "pir": pir}},
	}
}

func policedEline(id, pir string) []config.Object {
	objs := eline("100")
	objs[2].Props["ingressQosPolicyId"] = id
	objs[2].Props["egressQosPolicyId"] = id
	return append(objs, policies(id, pir)...)
}

// TestQoSPolicySwitch changes a SAP's bandwidth profile: the new policies are created before
// the SAP names them, the old ones deleted after it stopped naming them (the simulator, like
// SAM, refuses a dangling reference and the deletion of a policy in use).
func TestQoSPolicySwitch(t *testing.T) {
	b := setup(t)
	commit(t, b, createCS(t, policedEline("103", "100000")...))
	if got := b.sim.Props("svc-mgr:service-100:10.255.2.1:sap-1/1/3:100")["ingressQosPolicyId"]; got != "103" {
		t.Fatalf("SAP ingress policy = %q", got)
	}
	cs, err := diff.Compute("sam1", leaves(t, policedEline("103", "100000")...), leaves(t, policedEline("106", "1000000")...), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.target.Render(cs)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(r.Text), "\n")
	first, last := lines[0], lines[len(lines)-2]+lines[len(lines)-1]
	if !strings.HasPrefix(first, "create sapegress.Policy[106]") || last != "delete sapingress.Policy[103]delete sapegress.Policy[103]" {
		t.Fatalf("order: policies must be created first and deleted last:\n%s", r.Text)
	}
	commit(t, b, cs)
	if got := b.sim.Props("svc-mgr:service-100:10.255.2.1:sap-1/1/3:100")["egressQosPolicyId"]; got != "106" {
		t.Fatalf("SAP egress policy = %q", got)
	}
	if b.sim.Exists("qos-mgr:sap-ingress-103") || !b.sim.Exists("qos-mgr:sap-egress-106") {
		t.Fatal("old policies left or new ones missing")
	}
	got, err := b.target.Fetch(ctxT(t), []config.Path{nil})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, l := range got {
		have[l.Path.String()] = l.Value
	}
	for _, l := range leaves(t, policedEline("106", "1000000")...) {
		if v, ok := have[l.Path.String()]; !ok || v != l.Value {
			t.Errorf("fetch %s = %q (present %v), want %q", l.Path, v, ok, l.Value)
		}
	}
	for p := range have {
		if strings.Contains(p, "[103]") || strings.Contains(p, "Policy[1]") {
			t.Errorf("fetch reports %s (an old policy, or a default one no service renders)", p)
		}
	}
}

// TestModelCheckBeforeSending: Render and Prepare refuse what the model refuses, naming the
// path, value and model path, without sending a request.
func TestModelCheckBeforeSending(t *testing.T) {
	tests := []struct {
		name string
		objs []config.Object
		path string
		msg  string
	}{
		{"vlan out of range", []config.Object{
			{Class: "epipe.Epipe", Key: "5", Props: map[string]string{"customerId": "1"}},
			{Class: "epipe.Site", Key: "10.255.2.1", Parent: "epipe.Epipe[5]"},
			{Class: "vll.L2AccessInterface", Key: "1/1/3:9999", Parent: "epipe.Epipe[5]/epipe.Site[10.255.2.1]"}},
			"epipe.Epipe[5]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[1/1/3:9999]/innerEncapValue",
			`invalid value "9999" for attribute innerEncapValue of class vll.L2AccessInterface: expected an integer in [0, 4094] (model: vll.L2AccessInterface.innerEncapValue)`},
		{"mtu banana", []config.Object{{Class: "epipe.Epipe", Key: "5", Props: map[string]string{"customerId": "1", "mtu": "banana"}}},
			"epipe.Epipe[5]/mtu", `invalid value "banana" for attribute mtu of class epipe.Epipe`},
		{"unknown attribute", []config.Object{{Class: "vpls.Vpls", Key: "5", Props: map[string]string{"customerId": "1", "colour": "purple"}}},
			"vpls.Vpls[5]/colour", "attribute colour is not valid for class vpls.Vpls (model: vpls.Vpls.colour)"},
		{"missing required", []config.Object{{Class: "vprn.Vprn", Key: "5"}},
			"vprn.Vprn[5]", "required attribute customerId of class vprn.Vprn is missing"},
		{"unknown class", []config.Object{{Class: "frobnicate.Widget", Key: "w1"}},
			"", `"frobnicate.Widget[w1]" is not a class[key] segment of a SAM class`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			_, err := b.target.Render(createCS(t, tc.objs...))
			var ae *adapters.Error
			if !errors.As(err, &ae) || !errors.Is(err, adapters.ErrRejected) || ae.Path != tc.path || !strings.Contains(ae.Msg, tc.msg) {
				t.Fatalf("render: %v (path %q); want %q at %q", err, pathOf(ae), tc.msg, tc.path)
			}
			before := b.sim.Requests()
			tx, err := prepare(t, b, createCS(t, tc.objs...))
			_ = tx.Rollback(ctxT(t))
			if !errors.As(err, &ae) || ae.Path != tc.path || !strings.Contains(ae.Msg, tc.msg) {
				t.Fatalf("prepare: %v; want %q at %q", err, tc.msg, tc.path)
			}
			if n := b.sim.Requests() - before; n != 0 {
				t.Fatalf("prepare sent %d requests for a change the model refuses", n)
			}
		})
	}
}

func pathOf(e *adapters.Error) string {
	if e == nil {
		return ""
	}
	return e.Path
}

// TestBreadthRoundTrip applies and fetches the classes the model's breadth added: IES with a
// dual-stack interface, a VPRN with an IPv6 interface, a BGP peer with a prefix limit and a
// static PIM RP.
func TestBreadthRoundTrip(t *testing.T) {
	b := setup(t)
	objs := append(policies("203", "100000"),
		config.Object{Class: "ies.Ies", Key: "400", Props: map[string]string{"customerId": "1", "displayedName": "dia-400"}},
		config.Object{Class: "ies.Site", Key: "10.255.2.2", Parent: "ies.Ies[400]", Props: map[string]string{"administrativeState": "up"}},
		config.Object{Class: "ies.L3AccessInterface", Key: "to-dia", Parent: "ies.Ies[400]/ies.Site[10.255.2.2]", Props: map[string]string{
			"portName": "1/1/4", "innerEncapValue": "40", "ipAddress": "198.51.100.0/31", "ipv6Address": "2001:db8::/127",
			"ingressQosPolicyId": "203", "egressQosPolicyId": "203"}},
		config.Object{Class: "vprn.Vprn", Key: "500", Props: map[string]string{"customerId": "1"}},
		config.Object{Class: "vprn.Site", Key: "10.255.2.1", Parent: "vprn.Vprn[500]", Props: map[string]string{"routeDistinguisher": "65000:500", "vrfTarget": "target:65000:500"}},
		config.Object{Class: "vprn.L3AccessInterface", Key: "to-ce", Parent: "vprn.Vprn[500]/vprn.Site[10.255.2.1]", Props: map[string]string{
			"portName": "1/1/5", "innerEncapValue": "50", "ipAddress": "192.0.2.1/30", "ipv6Address": "2001:db8:5::1/64"}},
		config.Object{Class: "bgp.Peer", Key: "2001:db8:5::2", Parent: "vprn.Vprn[500]/vprn.Site[10.255.2.1]", Props: map[string]string{"peerAS": "65101", "prefixLimit": "500"}},
		config.Object{Class: "pim.StaticRp", Key: "10.10.10.10", Parent: "vprn.Vprn[500]/vprn.Site[10.255.2.1]", Props: map[string]string{"groupPrefix": "239.0.0.0/8"}},
		config.Object{Class: "pim.Interface", Key: "to-ce", Parent: "vprn.Vprn[500]/vprn.Site[10.255.2.1]", Props: map[string]string{"mode": "sparse"}},
	)
	commit(t, b, createCS(t, objs...))
	got, err := b.target.Fetch(ctxT(t), []config.Path{mustPath(t, "ies.Ies[400]"), mustPath(t, "vprn.Vprn[500]/vprn.Site[10.255.2.1]/bgp.Peer[2001:db8:5::2]/prefixLimit")})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, l := range got {
		have[l.Path.String()] = l.Value
	}
	for p, v := range map[string]string{
		"ies.Ies[400]/ies.Site[10.255.2.2]/ies.L3AccessInterface[to-dia]/ipv6Address":        "2001:db8::/127",
		"ies.Ies[400]/ies.Site[10.255.2.2]/ies.L3AccessInterface[to-dia]/ingressQosPolicyId": "203",
		"vprn.Vprn[500]/vprn.Site[10.255.2.1]/bgp.Peer[2001:db8:5::2]/prefixLimit":           "500",
	} {
		if have[p] != v {
			t.Errorf("fetch %s = %q, want %q (got %v)", p, have[p], v, have)
		}
	}
	// Deleting everything again: the interface PIM runs on goes after PIM, the policy after
	// the IES interface naming it.
	inv := createCS(t, objs...).Inverse()
	commit(t, b, inv)
	if b.sim.Count("ies.Ies") != 0 || b.sim.Count("sapingress.Policy") != 1 {
		t.Fatalf("left: %d IES, %d ingress policies (the default one stays)", b.sim.Count("ies.Ies"), b.sim.Count("sapingress.Policy"))
	}
}

// TestOpSpeaksSROS runs real SR OS operational commands through the SAM: the answers are
// SR OS-shaped and follow what was applied.
func TestOpSpeaksSROS(t *testing.T) {
	b := setup(t)
	commit(t, b, createCS(t, eline("100")...))
	for _, tc := range []struct{ command, want string }{
		{"show service id 100 base", "sdp:514:100 S(10.255.2.2)"},
		{"show service id 100 base", "sap:1/1/3:100                            q-tag        Up   Up"},
		{"oam sdp-ping 514", "Request Result: Sent - Reply Received"},
		{"oam sdp-ping 515", "SDP 515 does not exist on sr1"},
		{"ping 10.255.2.2", "5 packets received"},
	} {
		r, err := b.target.Op(ctxT(t), "sr1", tc.command)
		if err != nil {
			t.Fatalf("%s: %v", tc.command, err)
		}
		if !strings.Contains(r.Text, tc.want) {
			t.Errorf("%s: output lacks %q:\n%s", tc.command, tc.want, r.Text)
		}
	}
	_, err := b.target.Op(ctxT(t), "sr1", "show service id 999 base")
	var ae *adapters.Error
	if !errors.As(err, &ae) || !errors.Is(err, adapters.ErrRejected) || !strings.Contains(ae.Msg, "Service 999 does not exist") {
		t.Fatalf("missing service: %v", err)
	}
}
