package sim

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/xprov/xprov/adapters/sam/model"
	"github.com/xprov/xprov/adapters/xmltree"
)

// object is one managed object in the simulated SAM database.
type object struct {
	class    string
	fdn      string
	parent   *object
	props    map[string]string
	children map[string]*object
	// site is the network element the object is configured on (sites and below), nil otherwise.
	ne *neInfo
	// builtin marks an object every SAM has (a default QoS policy): it cannot be changed or
	// deleted.
	builtin bool
}

type neInfo struct {
	name, addr string
	ports      map[string]*object // by port name
}

// store is the object tree. It is guarded by Server.mu.
//
// Every request must cost in proportion to what it touches, not to the size of the
// database, so objects are reachable by FDN (objs), by parent (object.children) and by the
// value of an indexed attribute (byAttr); the referential checks are lookups in svcIDs,
// encaps, nesByIP and the nodes' ports. A class scan (byClass) is left only for finds that
// have no equality on an indexed attribute.
type store struct {
	objs     map[string]*object            // by FDN
	byClass  map[string]map[string]*object // class -> FDN -> object
	byAttr   map[attrKey]posting           // class, indexed attribute, value -> objects
	svcIDs   map[string]string             // serviceId -> FDN
	encaps   map[string]string             // ne|port|encap -> FDN of the SAP or L3 interface
	nesByIP  map[string]*neInfo
	customer map[string]bool
}

// indexed are the attributes whose equality find answers from an index: the naming
// attributes of the classes (model.go), the node references and the names SAM users look
// services up by.
var indexed = func() map[string]bool {
	m := map[string]bool{"serviceId": true, "displayedName": true, "siteId": true, "siteName": true, "portName": true}
	for _, c := range classes {
		for _, p := range c.Props {
			if p.Naming || p.Ref != nil {
				m[p.Name] = true
			}
		}
	}
	return m
}()

type attrKey struct{ class, attr, value string }

// posting is the set of objects of one class with one attribute value. Most values belong to
// a single object, which is held without a map.
type posting struct {
	one  *object
	more map[*object]struct{}
}

func (p posting) len() int {
	if p.more != nil {
		return len(p.more)
	}
	if p.one != nil {
		return 1
	}
	return 0
}

func (p posting) objects() []*object {
	if p.more == nil {
		if p.one == nil {
			return nil
		}
		return []*object{p.one}
	}
	out := make([]*object, 0, len(p.more))
	for o := range p.more {
		out = append(out, o)
	}
	return out
}

func newStore() *store {
	return &store{
		objs:     map[string]*object{},
		byClass:  map[string]map[string]*object{},
		byAttr:   map[attrKey]posting{},
		svcIDs:   map[string]string{},
		encaps:   map[string]string{},
		nesByIP:  map[string]*neInfo{},
		customer: map[string]bool{},
	}
}

func (s *store) add(o *object) {
	s.objs[o.fdn] = o
	m := s.byClass[o.class]
	if m == nil {
		m = map[string]*object{}
		s.byClass[o.class] = m
	}
	m[o.fdn] = o
	if o.parent != nil {
		if o.parent.children == nil {
			o.parent.children = map[string]*object{}
		}
		o.parent.children[o.fdn] = o
	}
	s.indexAttrs(o, true)
}

// indexAttrs adds (or removes) o's indexed attribute values.
func (s *store) indexAttrs(o *object, add bool) {
	for k, v := range o.props {
		if !indexed[k] {
			continue
		}
		key := attrKey{o.class, k, v}
		p := s.byAttr[key]
		switch {
		case add && p.one == nil && p.more == nil:
			p.one = o
		case add && p.more == nil:
			p.more = map[*object]struct{}{p.one: {}, o: {}}
			p.one = nil
		case add:
			p.more[o] = struct{}{}
		case p.one == o:
			p.one = nil
		case p.more != nil:
			delete(p.more, o)
			if len(p.more) == 1 {
				for last := range p.more {
					p.one = last
				}
				p.more = nil
			}
		}
		if p.len() == 0 {
			delete(s.byAttr, key)
		} else {
			s.byAttr[key] = p
		}
	}
}

// setProps replaces o's properties and keeps every index that depends on them in step.
func (s *store) setProps(o *object, props map[string]string) {
	s.index(o, false)
	s.indexAttrs(o, false)
	o.props = props
	s.indexAttrs(o, true)
	s.index(o, true)
}

// fault is a SAM-O exception: it becomes a SOAP fault.
type fault struct {
	server bool   // SOAP:Server rather than SOAP:Client
	typ    string // exception type
	msg    string
	fdn    string
	// class, prop and value name what a validation refused, when it is one property.
	class, prop, value string
}

func (f *fault) Error() string { return f.msg }

func clientFault(typ, fdn, format string, a ...any) *fault {
	return &fault{typ: typ, fdn: fdn, msg: fmt.Sprintf(format, a...)}
}

// Exception types the simulator reports.
const (
	excValidation = "ValidationException"
	excNotFound   = "ObjectNotFoundException"
	excExists     = "ObjectExistsException"
	excClass      = "UnknownClassException"
	excXML        = "XMLException"
	excAuth       = "AuthenticationException"
	excBusy       = "ServerBusyException"
	excInjected   = "InjectedException"
)

// spec is one object of a configure request: class, action, properties and nested children.
type spec struct {
	class    string
	action   string // create, modify (absent: modify for configureInstance, create for child)
	props    map[string]string
	children []*spec
}

// parseSpec reads <CLASS><actionMask><bit>create</bit></actionMask><prop>v</prop>...
// <children-Set>...</children-Set></CLASS>.
func parseSpec(n *xmltree.Node) (*spec, *fault) {
	sp := &spec{class: n.Name.Local, props: map[string]string{}}
	for _, c := range n.Children {
		switch c.Name.Local {
		case "actionMask":
			for _, b := range c.Children {
				if b.Name.Local == "bit" {
					sp.action = strings.TrimSpace(b.Text)
				}
			}
		case "children-Set":
			for _, cc := range c.Children {
				child, f := parseSpec(cc)
				if f != nil {
					return nil, f
				}
				sp.children = append(sp.children, child)
			}
		default:
			if len(c.Children) > 0 {
				return nil, clientFault(excXML, "", "attribute %s of class %s must be a simple value", c.Name.Local, sp.class)
			}
			if _, dup := sp.props[c.Name.Local]; dup {
				return nil, clientFault(excXML, "", "attribute %s of class %s given twice", c.Name.Local, sp.class)
			}
			sp.props[c.Name.Local] = strings.TrimSpace(c.Text)
		}
	}
	return sp, nil
}

// propFault turns the model's refusal of a property into SAM's validation fault, naming the
// class, the property and the value.
func propFault(class, fdn string, e model.PropError) *fault {
	f := clientFault(excValidation, fdn, "%v", e.Err)
	f.class, f.prop, f.value = class, e.Prop, e.Value
	return f
}

// create validates and creates sp (and its children) below parent. It returns the FDNs
// created, parents first, so a failed request can be undone.
func (s *store) create(parent *object, sp *spec, made *[]*object) (*object, *fault) {
	cd, ok := classes[sp.class]
	if !ok {
		f := clientFault(excClass, "", "unknown class %s", sp.class)
		f.class = sp.class
		return nil, f
	}
	if sp.action != "" && sp.action != "create" {
		return nil, clientFault(excXML, "", "unsupported action %q for a new %s", sp.action, sp.class)
	}
	if !cd.AllowedUnder(parent.class) {
		f := clientFault(excValidation, parent.fdn, "class %s cannot be created below %s (%s)", sp.class, parent.fdn, parent.class)
		f.class = sp.class
		return nil, f
	}
	props := map[string]string{}
	for k, v := range sp.props {
		if v != "" || cd.Props[k] == nil {
			props[k] = v
		}
	}
	if errs := cd.CheckProps(props, true); len(errs) > 0 {
		return nil, propFault(sp.class, parent.fdn, errs[0])
	}
	fdn := cd.FDN(parent.fdn, props)
	o := &object{class: sp.class, fdn: fdn, parent: parent, props: props, ne: parent.ne}
	if f := s.checkRefs(o, sortedKeys(props), true); f != nil {
		return nil, f
	}
	if _, exists := s.objs[fdn]; exists {
		return nil, clientFault(excExists, fdn, "object %s already exists", fdn)
	}
	s.add(o)
	s.index(o, true)
	*made = append(*made, o)
	for _, c := range sp.children {
		if _, f := s.create(o, c, made); f != nil {
			return nil, f
		}
	}
	return o, nil
}

// checkRefs applies the referential rules of a SAM to o (new, or with the properties
// changed given): services have unique ids; sites sit on managed nodes; SAPs on existing
// ports, once per encapsulation; SDP bindings reach a unicast far end; and every reference
// of the model (a customer, a QoS policy, a sibling interface) names an existing object.
func (s *store) checkRefs(o *object, changed []string, isNew bool) *fault {
	p := o.props
	switch {
	case o.parent.class == svcMgrClass:
		if other, dup := s.svcIDs[p["serviceId"]]; dup && (isNew || other != o.fdn) {
			return clientFault(excExists, o.fdn, "service id %s is already used by %s", p["serviceId"], other)
		}
	case sam.Classes[o.class] != nil && sam.Classes[o.class].Props["siteId"] != nil && sam.Classes[o.class].Props["siteId"].Naming:
		ne := s.nesByIP[p["siteId"]]
		if ne == nil {
			return clientFault(excNotFound, o.fdn, "network element with system address %s is not managed", p["siteId"])
		}
		o.ne = ne
	case o.class == "svt.SpokeSdpBinding" || o.class == "svt.MeshSdpBinding":
		far := p["tunnelSelectionTerminationSiteId"]
		// Like SAM, an SDP may end on any PE, managed or not (a Juniper PE's loopback in a
		// multivendor service); the far end must be a unicast IPv4 address.
		if ip := net.ParseIP(far); ip == nil || ip.To4() == nil || !ip.IsGlobalUnicast() && !ip.IsPrivate() {
			return clientFault(excValidation, o.fdn, "no SDP from %s to far end %q: not a unicast IPv4 address", o.ne.addr, far)
		}
		if far == o.ne.addr {
			return clientFault(excValidation, o.fdn, "SDP far end %s is the site itself", far)
		}
	}
	if hasEncap(o.class) && o.ne != nil {
		if o.ne.ports[p["portName"]] == nil {
			f := clientFault(excNotFound, o.fdn, "port %s does not exist on %s (%s)", p["portName"], o.ne.name, o.ne.addr)
			f.class, f.prop, f.value = o.class, "portName", p["portName"]
			return f
		}
		if other, dup := s.encaps[encapKey(o)]; dup && (isNew || other != o.fdn) {
			return clientFault(excExists, o.fdn, "encapsulation %s:%s is already used on %s by %s", p["portName"], encap(p), o.ne.name, other)
		}
	}
	cd := classes[o.class]
	for _, k := range changed {
		pr := cd.Props[k]
		v := p[k]
		if pr == nil || pr.Ref == nil || v == "" {
			continue
		}
		if !s.refExists(o, pr.Ref, v) {
			if pr.Ref.Class == subClass {
				f := clientFault(excNotFound, o.fdn, "customer %s does not exist (subscriberPointer subscriber-%s)", v, v)
				f.class, f.prop, f.value = o.class, k, v
				return f
			}
			f := clientFault(excNotFound, o.fdn, "%s %s referred to by attribute %s of class %s does not exist", pr.Ref.Class, v, k, o.class)
			f.class, f.prop, f.value = o.class, k, v
			return f
		}
	}
	return nil
}

// refExists tells whether the object a reference names exists.
func (s *store) refExists(o *object, r *model.Ref, v string) bool {
	if r.Class == subClass {
		return s.customer[v]
	}
	target := classes[r.Class]
	if target == nil {
		return false
	}
	kp, err := target.KeyProps(v)
	if err != nil {
		return false
	}
	if r.Scope == model.Sibling {
		return o.parent.children[target.FDN(o.parent.fdn, kp)] != nil
	}
	if mg := sam.ManagerOf(target); mg != nil {
		return s.objs[target.FDN(mg.FDN, kp)] != nil
	}
	return s.byAttr[attrKey{r.Class, target.KeyForm, v}].len() > 0
}

// inUse returns an object outside o's subtree that refers to o, nil when none does: SAM
// refuses to delete a QoS policy a SAP uses, or an interface PIM runs on.
func (s *store) inUse(o *object) *object {
	refs := referrers[o.class]
	if len(refs) == 0 {
		return nil
	}
	key := classes[o.class].KeyOf(o.props)
	for _, r := range refs {
		var cands []*object
		if r.scope == model.Sibling {
			for _, c := range o.parent.children {
				if c.class == r.class {
					cands = append(cands, c)
				}
			}
		} else {
			cands = s.byAttr[attrKey{r.class, r.prop, key}].objects()
		}
		for _, c := range cands {
			if c.props[r.prop] == key && !strings.HasPrefix(c.fdn, o.fdn+":") {
				return c
			}
		}
	}
	return nil
}

func encapKey(o *object) string {
	return encapKeyOf(o.ne, o.props)
}

func encapKeyOf(ne *neInfo, p map[string]string) string {
	return ne.addr + "|" + p["portName"] + "|" + encap(p)
}

// index adds (or removes) o to the uniqueness indexes.
func (s *store) index(o *object, add bool) {
	switch {
	case o.parent != nil && o.parent.class == svcMgrClass:
		if add {
			s.svcIDs[o.props["serviceId"]] = o.fdn
		} else {
			delete(s.svcIDs, o.props["serviceId"])
		}
	case hasEncap(o.class) && o.ne != nil:
		if add {
			s.encaps[encapKey(o)] = o.fdn
		} else {
			delete(s.encaps, encapKey(o))
		}
	}
}

// remove deletes o and its subtree.
func (s *store) remove(o *object) {
	for _, c := range o.children {
		s.remove(c)
	}
	s.index(o, false)
	s.indexAttrs(o, false)
	delete(s.objs, o.fdn)
	delete(s.byClass[o.class], o.fdn)
	if o.parent != nil {
		delete(o.parent.children, o.fdn)
	}
}

// modify changes properties of o; an empty value resets a property to its default.
func (s *store) modify(o *object, sp *spec, made *[]*object, undo *[]func()) *fault {
	if sp.class != o.class {
		return clientFault(excValidation, o.fdn, "configInfo class %s does not match %s of %s", sp.class, o.class, o.fdn)
	}
	if sp.action != "" && sp.action != "modify" {
		return clientFault(excXML, o.fdn, "unsupported action %q for existing %s", sp.action, o.fdn)
	}
	cd, ok := classes[o.class]
	if !ok || o.builtin {
		return clientFault(excValidation, o.fdn, "objects of class %s are not configurable", o.class)
	}
	changed := map[string]string{}
	for k, v := range sp.props {
		if v != o.props[k] || cd.Props[k] == nil {
			changed[k] = v
		}
	}
	if errs := cd.CheckProps(changed, false); len(errs) > 0 {
		return propFault(o.class, o.fdn, errs[0])
	}
	for _, k := range sortedKeys(changed) {
		if cd.Props[k].Fixed {
			f := clientFault(excValidation, o.fdn, "attribute %s of %s cannot be modified after creation", k, o.fdn)
			f.class, f.prop, f.value = o.class, k, changed[k]
			return f
		}
	}
	old := o.props
	np := make(map[string]string, len(o.props))
	for k, v := range o.props {
		np[k] = v
	}
	for k, v := range sp.props {
		if v == "" {
			delete(np, k)
		} else {
			np[k] = v
		}
	}
	if errs := cd.CheckRules(np); len(errs) > 0 {
		return propFault(o.class, o.fdn, errs[0])
	}
	moved := &object{class: o.class, fdn: o.fdn, parent: o.parent, props: np, ne: o.ne}
	if f := s.checkRefs(moved, sortedKeys(changed), false); f != nil {
		return f
	}
	*undo = append(*undo, func() { s.setProps(o, old) })
	s.setProps(o, np)
	for _, c := range sp.children {
		if c.action == "modify" {
			cd, ok := classes[c.class]
			if !ok {
				return clientFault(excClass, "", "unknown class %s", c.class)
			}
			child := o.children[cd.FDN(o.fdn, c.props)]
			if child == nil {
				return clientFault(excNotFound, o.fdn, "child %s of %s does not exist", c.class, o.fdn)
			}
			if f := s.modify(child, c, made, undo); f != nil {
				return f
			}
			continue
		}
		if _, f := s.create(o, c, made); f != nil {
			return f
		}
	}
	return nil
}

// attrs returns the attributes find reports for o: its properties plus read-only ones.
func (s *store) attrs(o *object) map[string]string {
	a := make(map[string]string, len(o.props)+3)
	for k, v := range o.props {
		a[k] = v
	}
	a["objectFullName"] = o.fdn
	if _, ok := classes[o.class]; ok {
		a["operationalState"] = s.operState(o)
		if o.ne != nil {
			a["nodeName"] = o.ne.name
		}
	}
	return a
}

// operState derives the operational state: down when the object or anything it needs is
// administratively down, or when its port is down.
func (s *store) operState(o *object) string {
	if o.props["administrativeState"] == "down" {
		return "down"
	}
	if pn := o.props["portName"]; pn != "" && o.ne != nil {
		if port := o.ne.ports[pn]; port == nil || port.props["operationalState"] != "up" {
			return "down"
		}
	}
	for _, c := range o.children {
		if _, ok := classes[c.class]; ok && s.operState(c) == "down" && !strings.HasPrefix(c.class, "rtr.") {
			return "down"
		}
	}
	return "up"
}

func itoa(i int) string { return strconv.Itoa(i) }
