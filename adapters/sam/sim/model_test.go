package sim

import (
	"strings"
	"testing"
)

func obj(class string, props map[string]string, kids ...string) string {
	var b strings.Builder
	b.WriteString("<" + class + "><actionMask><bit>create</bit></actionMask>")
	for _, k := range sortedKeys(props) {
		b.WriteString("<" + k + ">" + props[k] + "</" + k + ">")
	}
	if len(kids) > 0 {
		b.WriteString("<children-Set>" + strings.Join(kids, "") + "</children-Set>")
	}
	b.WriteString("</" + class + ">")
	return b.String()
}

func modifyProps(fdn, class string, props map[string]string) string {
	var b strings.Builder
	b.WriteString(`<generic.GenericObject.configureInstance xmlns="xmlapi_1.0"><distinguishedName>` + fdn + `</distinguishedName><configInfo><` + class + `><actionMask><bit>modify</bit></actionMask>`)
	for _, k := range sortedKeys(props) {
		b.WriteString("<" + k + ">" + props[k] + "</" + k + ">")
	}
	b.WriteString(`</` + class + `></configInfo></generic.GenericObject.configureInstance>`)
	return b.String()
}

type m = map[string]string

// TestModelBreadth creates what the model's breadth covers (QoS policies with queues and
// policers, IES with interfaces, IPv6 on VPRN and IES interfaces, BGP peers with a prefix
// limit, a static PIM RP) and reads it back.
func TestModelBreadth(t *testing.T) {
	s, c := setup(t)
	steps := []struct{ name, parent, body string }{
		{"sap-ingress policy", "qos-mgr", obj("sapingress.Policy", m{"policyId": "203", "displayedName": "business-100M"},
			obj("sapingress.Queue", m{"queueId": "1", "cir": "100000", "pir": "100000"}),
			obj("sapingress.Policer", m{"policerId": "1", "cir": "50000", "pir": "100000", "mbs": "125"}))},
		{"sap-egress policy", "qos-mgr", obj("sapegress.Policy", m{"policyId": "203"},
			obj("sapegress.Queue", m{"queueId": "1", "cir": "100000", "pir": "100000"}))},
		{"epipe with policed SAP", "svc-mgr", epipe("100", site("10.255.2.1", obj("vll.L2AccessInterface",
			m{"portName": "1/1/3", "innerEncapValue": "100", "ingressQosPolicyId": "203", "egressQosPolicyId": "203"})))},
		{"IES with dual-stack interface", "svc-mgr", obj("ies.Ies", m{"serviceId": "200", "customerId": "1"},
			obj("ies.Site", m{"siteId": "10.255.2.2"},
				obj("ies.L3AccessInterface", m{"interfaceName": "to-dia", "portName": "1/1/4", "innerEncapValue": "20",
					"ipAddress": "198.51.100.1/31", "ipv6Address": "2001:db8::/127", "ingressQosPolicyId": "203"})))},
		{"VPRN with IPv6, BGP prefix limit and static RP", "svc-mgr", obj("vprn.Vprn", m{"serviceId": "300", "customerId": "1"},
			obj("vprn.Site", m{"siteId": "10.255.2.1", "routeDistinguisher": "65000:300"},
				obj("vprn.L3AccessInterface", m{"interfaceName": "to-ce", "portName": "1/1/5", "innerEncapValue": "30", "ipv6Address": "2001:db8:1::1/64"}),
				obj("bgp.Peer", m{"peerAddress": "2001:db8:1::2", "peerAS": "65101", "prefixLimit": "100"}),
				obj("rtr.StaticRoute", m{"destination": "2001:db8:99::/48", "nextHop": "2001:db8:1::2"}),
				obj("pim.StaticRp", m{"rpAddress": "10.10.10.10", "groupPrefix": "239.0.0.0/8"}),
				obj("pim.Interface", m{"interfaceName": "to-ce", "mode": "sparse"})))},
	}
	for _, st := range steps {
		if code, body := c.call(create(st.parent, st.body)); code != 200 {
			t.Fatalf("%s: %d %s", st.name, code, body)
		}
	}
	for fdn, want := range map[string]m{
		"qos-mgr:sap-ingress-203:policer-1":                            {"pir": "100000", "mbs": "125"},
		"svc-mgr:service-200:10.255.2.2:interface-to-dia":              {"ipv6Address": "2001:db8::/127"},
		"svc-mgr:service-300:10.255.2.1:bgp-peer-2001:db8:1::2":        {"prefixLimit": "100"},
		"svc-mgr:service-300:10.255.2.1:pim-rp-10.10.10.10":            {"groupPrefix": "239.0.0.0/8"},
		"svc-mgr:service-100:10.255.2.1:sap-1/1/3:100":                 {"egressQosPolicyId": "203"},
		"svc-mgr:service-300:10.255.2.1:static-route-2001:db8:99::/48": {"nextHop": "2001:db8:1::2"},
	} {
		got := s.Props(fdn)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s = %q, want %q (props %v)", fdn, k, got[k], v, got)
			}
		}
	}
	// The default policies exist and cannot go; a policy in use cannot go either.
	for _, tc := range []struct{ fdn, msg string }{
		{"qos-mgr:sap-ingress-1", "objects of class sapingress.Policy cannot be deleted"},
		{"qos-mgr:sap-ingress-203", "qos-mgr:sap-ingress-203 is in use by svc-mgr:service-"},
		{"svc-mgr:service-300:10.255.2.1:interface-to-ce", "is in use by svc-mgr:service-300:10.255.2.1:pim-interface-to-ce"},
	} {
		if code, body := c.call(del(tc.fdn)); code != 500 || !strings.Contains(body, tc.msg) {
			t.Errorf("delete %s: %d %s, want %q", tc.fdn, code, body, tc.msg)
		}
	}
	// Once no SAP names it, the policy goes.
	for _, fdn := range []string{"svc-mgr:service-100", "svc-mgr:service-200"} {
		if code, body := c.call(del(fdn)); code != 200 {
			t.Fatalf("delete %s: %s", fdn, body)
		}
	}
	if code, body := c.call(del("qos-mgr:sap-ingress-203")); code != 200 {
		t.Fatalf("delete unused policy: %s", body)
	}
}

// TestModelRefusals: what the model refuses comes back as SAM's validation fault naming the
// class, the property and the value.
func TestModelRefusals(t *testing.T) {
	s, c := setup(t)
	if code, body := c.call(create("svc-mgr", epipe("100", site("10.255.2.1", sap("1/1/3", "100"))))); code != 200 {
		t.Fatalf("setup: %s", body)
	}
	tests := []struct {
		name, method, typ, msg string
		class, prop, value     string
	}{
		{"vlan out of range", create("svc-mgr:service-100:10.255.2.1", sap("1/1/4", "9999")), excValidation,
			`invalid value "9999" for attribute innerEncapValue of class vll.L2AccessInterface: expected an integer in [0, 4094]`, "vll.L2AccessInterface", "innerEncapValue", "9999"},
		{"mtu not a number", modifyProps("svc-mgr:service-100", "epipe.Epipe", m{"mtu": "banana"}), excValidation,
			`invalid value "banana" for attribute mtu of class epipe.Epipe`, "epipe.Epipe", "mtu", "banana"},
		{"enum", modifyProps("svc-mgr:service-100", "epipe.Epipe", m{"administrativeState": "sideways"}), excValidation,
			"expected one of up, down", "epipe.Epipe", "administrativeState", "sideways"},
		{"unknown property", modifyProps("svc-mgr:service-100", "epipe.Epipe", m{"colour": "purple"}), excValidation,
			"attribute colour is not valid for class epipe.Epipe", "epipe.Epipe", "colour", "purple"},
		{"unknown class", create("svc-mgr", obj("frobnicate.Widget", m{"colour": "purple"})), excClass,
			"unknown class frobnicate.Widget", "frobnicate.Widget", "", ""},
		{"wrong parent", create("svc-mgr:service-100", obj("vpls.Site", m{"siteId": "10.255.2.2"})), excValidation,
			"class vpls.Site cannot be created below svc-mgr:service-100 (epipe.Epipe)", "vpls.Site", "", ""},
		{"policy under a service", create("svc-mgr", obj("sapingress.Policy", m{"policyId": "5"})), excValidation,
			"class sapingress.Policy cannot be created below svc-mgr", "sapingress.Policy", "", ""},
		{"dangling policy", create("svc-mgr:service-100:10.255.2.1", obj("vll.L2AccessInterface", m{"portName": "1/1/5", "ingressQosPolicyId": "777"})), excNotFound,
			"sapingress.Policy 777 referred to by attribute ingressQosPolicyId of class vll.L2AccessInterface does not exist", "vll.L2AccessInterface", "ingressQosPolicyId", "777"},
		{"dangling policy on modify", modifyProps("svc-mgr:service-100:10.255.2.1:sap-1/1/3:100", "vll.L2AccessInterface", m{"egressQosPolicyId": "778"}), excNotFound,
			"sapegress.Policy 778 referred to by attribute egressQosPolicyId", "vll.L2AccessInterface", "egressQosPolicyId", "778"},
		{"cir above pir", create("qos-mgr", obj("sapingress.Policy", m{"policyId": "9"}, obj("sapingress.Queue", m{"queueId": "1", "cir": "200", "pir": "100"}))), excValidation,
			`invalid value "200" for attribute cir of class sapingress.Queue: greater than pir (100)`, "sapingress.Queue", "cir", "200"},
		{"ipv6 in an ipv4 property", create("svc-mgr", obj("ies.Ies", m{"serviceId": "7", "customerId": "1"}, obj("ies.Site", m{"siteId": "10.255.2.1"},
			obj("ies.L3AccessInterface", m{"interfaceName": "x", "portName": "1/1/6", "ipAddress": "2001:db8::1/64"})))), excValidation,
			"expected an IPv4 address/length", "ies.L3AccessInterface", "ipAddress", "2001:db8::1/64"},
		{"fixed property", modifyProps("svc-mgr:service-100", "epipe.Epipe", m{"customerId": "2"}), excValidation,
			"attribute customerId of svc-mgr:service-100 cannot be modified after creation", "epipe.Epipe", "customerId", "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.call(tc.method)
			if code != 500 {
				t.Fatalf("status %d: %s", code, body)
			}
			want := []string{"<type>" + tc.typ + "</type>", xmlEscape(tc.msg), "<className>" + tc.class + "</className>"}
			if tc.prop != "" {
				want = append(want, "<propertyName>"+tc.prop+"</propertyName>", "<propertyValue>"+tc.value+"</propertyValue>")
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("fault lacks %q:\n%s", w, body)
				}
			}
		})
	}
	if s.Count("ies.Ies") != 0 || s.Count("sapingress.Policy") != 1 {
		t.Fatalf("refused creates left objects: %d IES, %d ingress policies", s.Count("ies.Ies"), s.Count("sapingress.Policy"))
	}
	if got := s.Props("svc-mgr:service-100")["mtu"]; got != "" {
		t.Fatalf("refused modify changed mtu to %q", got)
	}
}
