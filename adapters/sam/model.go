package sam

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/xprov/xprov/adapters/config"
)

// classInfo is what the adapter knows of one SAM class: which parents it may have, how its
// key in a config path maps to its naming properties, and how SAM names it (its FDN).
type classInfo struct {
	parents []string // parent classes; empty for services (children of svc-mgr)
	// keyProps returns the naming properties the key stands for.
	keyProps func(key string) (map[string]string, error)
	// keyOf rebuilds the key from the object's properties (the inverse of keyProps).
	keyOf func(props map[string]string) string
	// rdn appends the object's relative name to its parent's FDN.
	rdn func(parentFDN, key string) string
}

// svcMgr is the FDN of SAM's service manager, the parent of every service.
const svcMgr = "svc-mgr"

// readOnly are attributes find reports that are not configuration.
var readOnly = map[string]bool{"objectFullName": true, "operationalState": true, "nodeName": true}

func single(prop string) (func(string) (map[string]string, error), func(map[string]string) string) {
	return func(key string) (map[string]string, error) {
			if key == "" {
				return nil, fmt.Errorf("empty key (the key is %s)", prop)
			}
			return map[string]string{prop: key}, nil
		}, func(p map[string]string) string {
			return p[prop]
		}
}

// pair maps keys "a:b" to two properties (SDP bindings: far end and VC id).
func pair(a, b string) (func(string) (map[string]string, error), func(map[string]string) string) {
	return func(key string) (map[string]string, error) {
			i := strings.LastIndexByte(key, ':')
			if i <= 0 || i == len(key)-1 {
				return nil, fmt.Errorf("key %q is not <%s>:<%s>", key, a, b)
			}
			return map[string]string{a: key[:i], b: key[i+1:]}, nil
		}, func(p map[string]string) string {
			return p[a] + ":" + p[b]
		}
}

// sapKey maps "1/1/3" (null), "1/1/3:100" (dot1q) and "1/1/3:100.200" (qinq) to portName,
// outerEncapValue and innerEncapValue.
func sapKey(key string) (map[string]string, error) {
	port, enc, _ := strings.Cut(key, ":")
	if port == "" {
		return nil, fmt.Errorf("key %q is not <port>[:<vlan>[.<inner vlan>]]", key)
	}
	p := map[string]string{"portName": port}
	if outer, inner, ok := strings.Cut(enc, "."); ok {
		p["outerEncapValue"], p["innerEncapValue"] = outer, inner
	} else if enc != "" {
		p["innerEncapValue"] = enc
	}
	return p, nil
}

func sapKeyOf(p map[string]string) string {
	k := p["portName"]
	switch in, out := p["innerEncapValue"], p["outerEncapValue"]; {
	case out != "" && in != "":
		k += ":" + out + "." + in
	case out != "":
		k += ":" + out
	case in != "":
		k += ":" + in
	}
	return k
}

func prefixed(prefix string) func(string, string) string {
	return func(parent, key string) string { return parent + ":" + prefix + key }
}

var classTable = map[string]*classInfo{}

func init() {
	svcKP, svcKO := single("serviceId")
	for _, c := range []string{"epipe.Epipe", "vpls.Vpls", "vprn.Vprn"} {
		classTable[c] = &classInfo{keyProps: svcKP, keyOf: svcKO, rdn: func(_, key string) string { return svcMgr + ":service-" + key }}
	}
	siteKP, siteKO := single("siteId")
	for svc, site := range map[string]string{"epipe.Epipe": "epipe.Site", "vpls.Vpls": "vpls.Site", "vprn.Vprn": "vprn.Site"} {
		classTable[site] = &classInfo{parents: []string{svc}, keyProps: siteKP, keyOf: siteKO, rdn: prefixed("")}
	}
	classTable["vll.L2AccessInterface"] = &classInfo{parents: []string{"epipe.Site"}, keyProps: sapKey, keyOf: sapKeyOf, rdn: prefixed("sap-")}
	classTable["vpls.L2AccessInterface"] = &classInfo{parents: []string{"vpls.Site"}, keyProps: sapKey, keyOf: sapKeyOf, rdn: prefixed("sap-")}
	sdpKP, sdpKO := pair("tunnelSelectionTerminationSiteId", "vcId")
	classTable["svt.SpokeSdpBinding"] = &classInfo{parents: []string{"epipe.Site", "vpls.Site", "vprn.Site"}, keyProps: sdpKP, keyOf: sdpKO, rdn: prefixed("spoke-")}
	classTable["svt.MeshSdpBinding"] = &classInfo{parents: []string{"vpls.Site"}, keyProps: sdpKP, keyOf: sdpKO, rdn: prefixed("mesh-")}
	named := func(class, prop, prefix string) {
		kp, ko := single(prop)
		classTable[class] = &classInfo{parents: []string{"vprn.Site"}, keyProps: kp, keyOf: ko, rdn: prefixed(prefix)}
	}
	named("vprn.L3AccessInterface", "interfaceName", "interface-")
	named("rtr.StaticRoute", "destination", "static-route-")
	named("bgp.Peer", "peerAddress", "bgp-peer-")
	named("pim.Interface", "interfaceName", "pim-interface-")
	classTable["mvpn.Mvpn"] = &classInfo{
		parents: []string{"vprn.Site"},
		keyProps: func(key string) (map[string]string, error) {
			if key != "default" {
				return nil, fmt.Errorf("key %q: a VPRN site has one MVPN, keyed \"default\"", key)
			}
			return map[string]string{}, nil
		},
		keyOf: func(map[string]string) string { return "default" },
		rdn:   func(parent, _ string) string { return parent + ":mvpn" },
	}
}

// serviceClasses are the top-level classes Fetch of everything walks.
var serviceClasses = []string{"epipe.Epipe", "vpls.Vpls", "vprn.Vprn"}

var xmlName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// objectRef is a SAM object addressed by a config path.
type objectRef struct {
	path      config.Path
	class     string
	key       string
	fdn       string
	parentFDN string
}

// resolve maps an object path (every segment class[key]) to its FDN.
func resolve(p config.Path) (objectRef, error) {
	if len(p) == 0 {
		return objectRef{}, fmt.Errorf("empty object path")
	}
	fdn := svcMgr
	parentClass := ""
	var ref objectRef
	for i, s := range p {
		ci := classTable[s.Name]
		if ci == nil || !s.IsEntry() {
			return objectRef{}, fmt.Errorf("%s: %q is not a supported SAM class[key] segment", p[:i+1], s.String())
		}
		if !allowedUnder(ci, parentClass) {
			if parentClass == "" {
				return objectRef{}, fmt.Errorf("%s: class %s must sit below one of %s", p[:i+1], s.Name, strings.Join(ci.parents, ", "))
			}
			return objectRef{}, fmt.Errorf("%s: class %s cannot sit below %s", p[:i+1], s.Name, parentClass)
		}
		if _, err := ci.keyProps(s.Key); err != nil {
			return objectRef{}, fmt.Errorf("%s: %v", p[:i+1], err)
		}
		ref.parentFDN = fdn
		fdn = ci.rdn(fdn, s.Key)
		parentClass = s.Name
	}
	last := p.Last()
	ref.path, ref.class, ref.key, ref.fdn = p, last.Name, last.Key, fdn
	return ref, nil
}

func allowedUnder(ci *classInfo, parentClass string) bool {
	if parentClass == "" {
		return len(ci.parents) == 0
	}
	for _, pc := range ci.parents {
		if pc == parentClass {
			return true
		}
	}
	return false
}

// splitLeaf tells an object path (last segment keyed) from a property leaf (last segment a
// plain name directly below an object).
func splitLeaf(p config.Path) (obj config.Path, prop string, err error) {
	if len(p) == 0 {
		return nil, "", fmt.Errorf("empty path")
	}
	if p.Last().IsEntry() {
		return p, "", nil
	}
	if len(p) < 2 || !p[len(p)-2].IsEntry() {
		return nil, "", fmt.Errorf("%s: a property must sit directly below a class[key] object", p)
	}
	name := p.Last().Name
	if !xmlName.MatchString(name) {
		return nil, "", fmt.Errorf("%s: %q is not a valid SAM attribute name", p, name)
	}
	return p.Parent(), name, nil
}
