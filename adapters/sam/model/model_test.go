package model

import (
	"os"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	seam "github.com/xprov/xprov/adapters/model"
)

func TestEmbeddedModelParses(t *testing.T) {
	m := SAM()
	for _, c := range []string{"epipe.Epipe", "vll.L2AccessInterface", "sapingress.Policy", "sapingress.Queue", "sapegress.Policer",
		"ies.Ies", "ies.L3AccessInterface", "pim.StaticRp", "bgp.Peer"} {
		if m.Class(c) == nil {
			t.Errorf("class %s missing from the model", c)
		}
	}
	if p := m.Class("bgp.Peer").Props["prefixLimit"]; p == nil || p.Type != Int {
		t.Errorf("bgp.Peer.prefixLimit = %+v", p)
	}
	if p := m.Class("vprn.L3AccessInterface").Props["ipv6Address"]; p == nil || p.Type != IPv6Prefix {
		t.Errorf("vprn.L3AccessInterface.ipv6Address = %+v", p)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown type", "manager a.B x\nclass x.Y\n  parent a.B\n  key id\n  fdn {id}\n  prop id colour naming\n", "m:6: property id: unknown type \"colour\""},
		{"bad range", "manager a.B x\nclass x.Y\n  prop id int:9..1\n", "m:3: property id: want int:<min>..<max>"},
		{"unknown parent", "class x.Y\n  parent q.Q\n  key id\n  fdn {id}\n  prop id int:1..2 naming\n", "m:1: class x.Y: parent q.Q is neither a class nor a manager"},
		{"key not naming", "manager a.B x\nclass x.Y\n  parent a.B\n  key id\n  fdn {id}\n  prop id int:1..2\n", "m:2: class x.Y: key property id is not a naming property"},
		{"unknown ref", "manager a.B x\nclass x.Y\n  parent a.B\n  key id\n  fdn {id}\n  prop id int:1..2 naming\n  prop p int:1..2 ref=no.Such\n", "m:7: property p of x.Y refers to unknown class no.Such"},
		{"statement outside class", "prop id int:1..2\n", "m:1: \"prop\" outside a class"},
		{"unknown statement", "manager a.B x\nclass x.Y\n  colour red\n", "m:3: unknown statement \"colour\""},
		{"twice", "manager a.B x\nclass x.Y\n  parent a.B\nclass x.Y\n", "m:4: class x.Y defined twice (first at line 2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("m", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCheckValue(t *testing.T) {
	m := SAM()
	tests := []struct {
		class, prop, value, want string
	}{
		{"vll.L2AccessInterface", "innerEncapValue", "4094", ""},
		{"vll.L2AccessInterface", "innerEncapValue", "9999", `invalid value "9999" for attribute innerEncapValue of class vll.L2AccessInterface: expected an integer in [0, 4094]`},
		{"epipe.Epipe", "mtu", "banana", `expected an integer in [1, 9194]`},
		{"epipe.Epipe", "administrativeState", "sideways", "expected one of up, down"},
		{"vprn.Site", "routeDistinguisher", "65000:300", ""},
		{"vprn.Site", "routeDistinguisher", "10.0.0.1:7", ""},
		{"vprn.Site", "routeDistinguisher", "garbage", "expected a route distinguisher"},
		{"vprn.Site", "vrfTarget", "65000:300", "expected a route target"},
		{"vprn.Site", "vrfTarget", "target:65000:300", ""},
		{"vprn.L3AccessInterface", "ipAddress", "192.0.2.1/30", ""},
		{"vprn.L3AccessInterface", "ipAddress", "2001:db8::1/127", "expected an IPv4 address/length"},
		{"vprn.L3AccessInterface", "ipv6Address", "2001:db8::1/127", ""},
		{"vprn.L3AccessInterface", "portName", "ge-0/0/1", "expected a port name"},
		{"vprn.L3AccessInterface", "portName", "1/1/c1/1", ""},
		{"vprn.L3AccessInterface", "interfaceName", strings.Repeat("x", 33), "longer than 32 characters"},
		{"rtr.StaticRoute", "destination", "10.1.0.0/16", ""},
		{"rtr.StaticRoute", "destination", "10.1.0.1/16", "a prefix without host bits (10.1.0.0/16)"},
		{"rtr.StaticRoute", "destination", "2001:db8:1::/48", ""},
		{"bgp.Peer", "peerAddress", "2001:db8::2", ""},
		{"mvpn.Mvpn", "autoDiscovery", "yes", "expected true or false"},
		{"sapingress.Queue", "pir", "0", "expected an integer in [1, 2000000000]"},
	}
	for _, tc := range tests {
		c := m.Class(tc.class)
		err := c.CheckValue(c.Props[tc.prop], tc.value)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s.%s=%q: %v", tc.class, tc.prop, tc.value, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s.%s=%q: err %v, want %q", tc.class, tc.prop, tc.value, err, tc.want)
		}
	}
}

func objs(t *testing.T, os ...config.Object) []config.Leaf {
	t.Helper()
	ls, err := config.FromObjects(os)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestCheckerRegisteredAndChecks(t *testing.T) {
	c := seam.For("sros")
	if c == nil {
		t.Fatal("no checker registered for sros")
	}
	svc := config.Object{Class: "epipe.Epipe", Key: "100", Props: map[string]string{"customerId": "1"}}
	site := config.Object{Class: "epipe.Site", Key: "10.255.2.1", Parent: "epipe.Epipe[100]"}
	sap := func(key string, props map[string]string) config.Object {
		return config.Object{Class: "vll.L2AccessInterface", Key: key, Parent: "epipe.Epipe[100]/epipe.Site[10.255.2.1]", Props: props}
	}
	pol := config.Object{Class: "sapingress.Policy", Key: "203"}
	tests := []struct {
		name string
		objs []config.Object
		want []string // Violation.String()s
	}{
		{"valid", []config.Object{svc, site, sap("1/1/3:100", map[string]string{"ingressQosPolicyId": "203", "egressQosPolicyId": "1"}), pol}, nil},
		{"unknown class", []config.Object{{Class: "vll.Epipe", Key: "5"}},
			[]string{`vll.Epipe[5]: unknown class vll.Epipe (model: vll.Epipe)`}},
		{"unknown property", []config.Object{svc, site, sap("1/1/3:100", map[string]string{"colour": "red"})},
			[]string{`epipe.Epipe[100]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[1/1/3:100]/colour = "red": attribute colour is not valid for class vll.L2AccessInterface (model: vll.L2AccessInterface.colour)`}},
		{"vlan out of range in the key", []config.Object{svc, site, sap("1/1/3:9999", nil)},
			[]string{`epipe.Epipe[100]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[1/1/3:9999] = "9999": invalid value "9999" for attribute innerEncapValue of class vll.L2AccessInterface: expected an integer in [0, 4094] (model: vll.L2AccessInterface.innerEncapValue)`}},
		{"wrong parent", []config.Object{svc, {Class: "vpls.Site", Key: "10.255.2.1", Parent: "epipe.Epipe[100]"}},
			[]string{`epipe.Epipe[100]/vpls.Site[10.255.2.1]: class vpls.Site cannot be created below epipe.Epipe (allowed: vpls.Vpls) (model: vpls.Site)`}},
		{"site at the top", []config.Object{{Class: "epipe.Site", Key: "10.255.2.1"}},
			[]string{`epipe.Site[10.255.2.1]: class epipe.Site cannot be top-level: it is created below epipe.Epipe (model: epipe.Site)`}},
		{"missing required", []config.Object{{Class: "vpls.Vpls", Key: "7"}},
			[]string{`vpls.Vpls[7]: required attribute customerId of class vpls.Vpls is missing (model: vpls.Vpls.customerId)`}},
		{"dangling policy", []config.Object{svc, site, sap("1/1/3:100", map[string]string{"egressQosPolicyId": "204"})},
			[]string{`epipe.Epipe[100]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[1/1/3:100]/egressQosPolicyId = "204": sapegress.Policy 204 does not exist: render it too (egressQosPolicyId refers to it) (model: vll.L2AccessInterface.egressQosPolicyId)`}},
		{"pim on a missing interface", []config.Object{
			{Class: "vprn.Vprn", Key: "9", Props: map[string]string{"customerId": "1"}},
			{Class: "vprn.Site", Key: "10.255.2.1", Parent: "vprn.Vprn[9]", Props: map[string]string{"routeDistinguisher": "65000:9"}},
			{Class: "pim.Interface", Key: "to-ce", Parent: "vprn.Vprn[9]/vprn.Site[10.255.2.1]"}},
			[]string{`vprn.Vprn[9]/vprn.Site[10.255.2.1]/pim.Interface[to-ce] = "to-ce": vprn.L3AccessInterface to-ce does not exist in vprn.Vprn[9]/vprn.Site[10.255.2.1] (interfaceName refers to it) (model: pim.Interface.interfaceName)`}},
		{"cir above pir", []config.Object{pol, {Class: "sapingress.Queue", Key: "1", Parent: "sapingress.Policy[203]", Props: map[string]string{"cir": "20", "pir": "10"}}},
			[]string{`sapingress.Policy[203]/sapingress.Queue[1]/cir = "20": invalid value "20" for attribute cir of class sapingress.Queue: greater than pir (10) (model: sapingress.Queue.cir)`}},
		{"next hop of the other family", []config.Object{
			{Class: "vprn.Vprn", Key: "9", Props: map[string]string{"customerId": "1"}},
			{Class: "vprn.Site", Key: "10.255.2.1", Parent: "vprn.Vprn[9]", Props: map[string]string{"routeDistinguisher": "65000:9"}},
			{Class: "rtr.StaticRoute", Key: "2001:db8::/32", Parent: "vprn.Vprn[9]/vprn.Site[10.255.2.1]", Props: map[string]string{"nextHop": "192.0.2.2"}}},
			[]string{`vprn.Vprn[9]/vprn.Site[10.255.2.1]/rtr.StaticRoute[2001:db8::/32]/nextHop = "192.0.2.2": invalid value "192.0.2.2" for attribute nextHop of class rtr.StaticRoute: not of the address family of destination (2001:db8::/32) (model: rtr.StaticRoute.nextHop)`}},
		{"interface without address", []config.Object{
			{Class: "ies.Ies", Key: "9", Props: map[string]string{"customerId": "1"}},
			{Class: "ies.Site", Key: "10.255.2.1", Parent: "ies.Ies[9]"},
			{Class: "ies.L3AccessInterface", Key: "to-ce", Parent: "ies.Ies[9]/ies.Site[10.255.2.1]", Props: map[string]string{"portName": "1/1/3"}}},
			[]string{`ies.Ies[9]/ies.Site[10.255.2.1]/ies.L3AccessInterface[to-ce]: class ies.L3AccessInterface needs ipAddress or ipv6Address (model: ies.L3AccessInterface.ipAddress)`}},
		{"key contradicted", []config.Object{svc, site, sap("1/1/3:100", map[string]string{"innerEncapValue": "101"})},
			[]string{`epipe.Epipe[100]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[1/1/3:100]/innerEncapValue = "101": property innerEncapValue="101" contradicts the key "1/1/3:100" (innerEncapValue="100") (model: vll.L2AccessInterface.innerEncapValue)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, v := range c.Check(objs(t, tc.objs...)) {
				got = append(got, v.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestFDNAndKeys(t *testing.T) {
	m := SAM()
	sap := m.Class("vpls.L2AccessInterface")
	kp, err := sap.KeyProps("1/1/3:100.200")
	if err != nil || kp["outerEncapValue"] != "100" || kp["innerEncapValue"] != "200" {
		t.Fatalf("KeyProps = %v, %v", kp, err)
	}
	if got := sap.FDN("svc-mgr:service-1:10.255.2.1", kp); got != "svc-mgr:service-1:10.255.2.1:sap-1/1/3:100.200" {
		t.Errorf("FDN = %s", got)
	}
	if got := sap.KeyOf(kp); got != "1/1/3:100.200" {
		t.Errorf("KeyOf = %s", got)
	}
	if got := m.Class("sapingress.Policy").FDN("qos-mgr", map[string]string{"policyId": "203"}); got != "qos-mgr:sap-ingress-203" {
		t.Errorf("policy FDN = %s", got)
	}
}

// TestDocIsCurrent keeps docs/sam-model.md equal to what the model generates.
func TestDocIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../../docs/sam-model.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != SAM().Markdown() {
		t.Fatal("docs/sam-model.md is stale: run go generate ./adapters/sam/model")
	}
}
