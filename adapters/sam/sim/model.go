package sim

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// kind is how a property value is checked.
type kind int

const (
	kText kind = iota
	kInt
	kIPv4
	kCIDR
	kState
	kBool
	kRD
	kTarget
	kEnum
)

type propDef struct {
	kind      kind
	min, max  uint64   // kInt
	enum      []string // kEnum
	required  bool
	immutable bool
}

// classDef describes one configurable SAM class: where it may live, how SAM names it (its FDN
// below the parent) and which properties it accepts.
type classDef struct {
	name    string
	parents []string
	props   map[string]propDef
	// rdn returns the object's FDN given its parent's FDN and its properties.
	rdn func(parent string, p map[string]string) string
}

func text() propDef                  { return propDef{kind: kText} }
func state() propDef                 { return propDef{kind: kState} }
func intRange(lo, hi uint64) propDef { return propDef{kind: kInt, min: lo, max: hi} }
func req(p propDef) propDef          { p.required = true; return p }
func fixed(p propDef) propDef        { p.required, p.immutable = true, true; return p }
func immut(p propDef) propDef        { p.immutable = true; return p }

func merge(ms ...map[string]propDef) map[string]propDef {
	out := map[string]propDef{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

var common = map[string]propDef{
	"description":         text(),
	"administrativeState": state(),
}

func serviceProps(extra map[string]propDef) map[string]propDef {
	return merge(common, map[string]propDef{
		"serviceId":     fixed(intRange(1, 2147483647)),
		"customerId":    fixed(intRange(1, 2147483647)),
		"displayedName": text(),
		"mtu":           intRange(512, 9782),
	}, extra)
}

var sapProps = merge(common, map[string]propDef{
	"portName":           fixed(text()),
	"innerEncapValue":    immut(intRange(0, 4094)),
	"outerEncapValue":    immut(intRange(0, 4094)),
	"ingressQosPolicyId": intRange(1, 65535),
	"egressQosPolicyId":  intRange(1, 65535),
})

var sdpProps = merge(common, map[string]propDef{
	"tunnelSelectionTerminationSiteId": fixed(propDef{kind: kIPv4}),
	"vcId":                             fixed(intRange(1, 4294967295)),
})

func serviceRDN(parent string, p map[string]string) string {
	return "svc-mgr:service-" + p["serviceId"]
}
func siteRDN(parent string, p map[string]string) string { return parent + ":" + p["siteId"] }

// encap renders a SAP's encapsulation as SR OS does: "" (null), "100" (dot1q), "100.200" (qinq).
func encap(p map[string]string) string {
	in, out := p["innerEncapValue"], p["outerEncapValue"]
	switch {
	case out != "" && in != "":
		return out + "." + in
	case out != "":
		return out
	default:
		return in
	}
}

func sapRDN(parent string, p map[string]string) string {
	s := parent + ":sap-" + p["portName"]
	if e := encap(p); e != "" {
		s += ":" + e
	}
	return s
}

var classes = map[string]*classDef{}

func addClass(c *classDef) { classes[c.name] = c }

const (
	svcMgrClass = "svc.ServiceManager"
	svcMgrFDN   = "svc-mgr"
	neClass     = "netw.NetworkElement"
	portClass   = "equipment.PhysicalPort"
	subClass    = "subscr.Subscriber"
)

func init() {
	addClass(&classDef{name: "epipe.Epipe", parents: []string{svcMgrClass}, props: serviceProps(nil), rdn: serviceRDN})
	addClass(&classDef{name: "vpls.Vpls", parents: []string{svcMgrClass}, props: serviceProps(nil), rdn: serviceRDN})
	addClass(&classDef{name: "vprn.Vprn", parents: []string{svcMgrClass}, props: serviceProps(nil), rdn: serviceRDN})
	siteProps := merge(common, map[string]propDef{"siteId": fixed(propDef{kind: kIPv4})})
	addClass(&classDef{name: "epipe.Site", parents: []string{"epipe.Epipe"}, props: siteProps, rdn: siteRDN})
	addClass(&classDef{name: "vpls.Site", parents: []string{"vpls.Vpls"}, props: siteProps, rdn: siteRDN})
	addClass(&classDef{name: "vprn.Site", parents: []string{"vprn.Vprn"}, props: merge(siteProps, map[string]propDef{
		"routeDistinguisher":     req(propDef{kind: kRD}),
		"vrfTarget":              {kind: kTarget},
		"vrfImportTarget":        {kind: kTarget},
		"vrfExportTarget":        {kind: kTarget},
		"autonomousSystemNumber": intRange(1, 4294967295),
		"routerId":               {kind: kIPv4},
		"autoBindType":           {kind: kEnum, enum: []string{"none", "ldp", "rsvp-te", "gre"}},
	}), rdn: siteRDN})
	addClass(&classDef{name: "vll.L2AccessInterface", parents: []string{"epipe.Site"}, props: sapProps, rdn: sapRDN})
	addClass(&classDef{name: "vpls.L2AccessInterface", parents: []string{"vpls.Site"}, props: sapProps, rdn: sapRDN})
	addClass(&classDef{name: "svt.SpokeSdpBinding", parents: []string{"epipe.Site", "vpls.Site", "vprn.Site"}, props: sdpProps,
		rdn: func(parent string, p map[string]string) string {
			return parent + ":spoke-" + p["tunnelSelectionTerminationSiteId"] + ":" + p["vcId"]
		}})
	addClass(&classDef{name: "svt.MeshSdpBinding", parents: []string{"vpls.Site"}, props: sdpProps,
		rdn: func(parent string, p map[string]string) string {
			return parent + ":mesh-" + p["tunnelSelectionTerminationSiteId"] + ":" + p["vcId"]
		}})
	addClass(&classDef{name: "vprn.L3AccessInterface", parents: []string{"vprn.Site"}, props: merge(common, map[string]propDef{
		"interfaceName":   fixed(text()),
		"portName":        req(text()),
		"innerEncapValue": intRange(0, 4094),
		"outerEncapValue": intRange(0, 4094),
		"ipAddress":       req(propDef{kind: kCIDR}),
		"mtu":             intRange(512, 9782),
	}), rdn: func(parent string, p map[string]string) string { return parent + ":interface-" + p["interfaceName"] }})
	addClass(&classDef{name: "rtr.StaticRoute", parents: []string{"vprn.Site"}, props: map[string]propDef{
		"destination": fixed(propDef{kind: kCIDR}),
		"nextHop":     req(propDef{kind: kIPv4}),
		"preference":  intRange(1, 255),
		"description": text(),
	}, rdn: func(parent string, p map[string]string) string { return parent + ":static-route-" + p["destination"] }})
	addClass(&classDef{name: "bgp.Peer", parents: []string{"vprn.Site"}, props: merge(common, map[string]propDef{
		"peerAddress": fixed(propDef{kind: kIPv4}),
		"peerAS":      req(intRange(1, 4294967295)),
		"groupName":   text(),
	}), rdn: func(parent string, p map[string]string) string { return parent + ":bgp-peer-" + p["peerAddress"] }})
	addClass(&classDef{name: "pim.Interface", parents: []string{"vprn.Site"}, props: merge(common, map[string]propDef{
		"interfaceName": fixed(text()),
		"mode":          {kind: kEnum, enum: []string{"sparse", "ssm"}},
	}), rdn: func(parent string, p map[string]string) string {
		return parent + ":pim-interface-" + p["interfaceName"]
	}})
	addClass(&classDef{name: "mvpn.Mvpn", parents: []string{"vprn.Site"}, props: map[string]propDef{
		"providerTunnel": {kind: kEnum, enum: []string{"rsvp-te", "ldp-p2mp", "ingress-replication", "pim-asm"}},
		"autoDiscovery":  {kind: kBool},
		"description":    text(),
	}, rdn: func(parent string, p map[string]string) string { return parent + ":mvpn" }})
}

// checkValue validates one property value; the error text is SAM-like.
func checkValue(class, name, v string, d propDef) error {
	bad := func(want string) error {
		return fmt.Errorf("invalid value %q for attribute %s of class %s: expected %s", v, name, class, want)
	}
	switch d.kind {
	case kText:
		if len(v) > 255 {
			return fmt.Errorf("value of attribute %s of class %s is longer than 255 characters", name, class)
		}
	case kInt:
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n < d.min || n > d.max {
			return bad(fmt.Sprintf("an integer in [%d, %d]", d.min, d.max))
		}
	case kIPv4:
		if ip := net.ParseIP(v); ip == nil || ip.To4() == nil {
			return bad("an IPv4 address")
		}
	case kCIDR:
		ip, _, err := net.ParseCIDR(v)
		if err != nil || ip.To4() == nil {
			return bad("an IPv4 prefix a.b.c.d/len")
		}
	case kState:
		if v != "up" && v != "down" {
			return bad("up or down")
		}
	case kBool:
		if v != "true" && v != "false" {
			return bad("true or false")
		}
	case kRD:
		if !isRD(v) {
			return bad("a route distinguisher asn:number or ip:number")
		}
	case kTarget:
		if !isRD(strings.TrimPrefix(v, "target:")) {
			return bad("a route target target:asn:number")
		}
	case kEnum:
		for _, e := range d.enum {
			if v == e {
				return nil
			}
		}
		return bad("one of " + strings.Join(d.enum, ", "))
	}
	return nil
}

func isRD(v string) bool {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 {
		return false
	}
	if _, err := strconv.ParseUint(v[i+1:], 10, 32); err != nil {
		return false
	}
	admin := v[:i]
	if _, err := strconv.ParseUint(admin, 10, 32); err == nil {
		return true
	}
	ip := net.ParseIP(admin)
	return ip != nil && ip.To4() != nil
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
