// Package model is the SAM-O class model xprov owns: the 5620 SAM (NFM-P) classes packs
// render for Nokia 7750 SR nodes, their parents, keys, FDNs, properties (types, ranges,
// enums) and references, read from the embedded data file sam.model.
//
// One model serves the SAM adapter (request planning and the dry-run check), the SAM
// simulator (what it accepts), `xprov pack test` (the checker registered in adapters/model
// under vendor "sros") and the designers' reference docs/sam-model.md (Markdown).
package model

import (
	_ "embed"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	seam "github.com/xprov/xprov/adapters/model"
)

// File is the name the embedded model is reported under (errors say File:line).
const File = "adapters/sam/model/sam.model"

//go:embed sam.model
var data []byte

var sam *Model

func init() {
	m, err := Parse(File, data)
	if err != nil {
		// A broken model stops the program at start, naming the file and line.
		panic(err)
	}
	sam = m
	seam.Register(Vendor, Checker{Model: sam})
}

// SAM returns the embedded SAM-O class model.
func SAM() *Model { return sam }

// Type is how a property's values are checked.
type Type string

// Property types.
const (
	Int        Type = "int"
	Text       Type = "text"
	Bool       Type = "bool"
	Enum       Type = "enum"
	IPv4       Type = "ipv4"
	IPv6       Type = "ipv6"
	IP         Type = "ip"
	IPv4Prefix Type = "ipv4-prefix"
	IPv6Prefix Type = "ipv6-prefix"
	Network    Type = "network"
	RD         Type = "rd"
	RT         Type = "rt"
	Port       Type = "port"
)

// RefScope says where a referenced object is looked for.
type RefScope string

// Reference scopes.
const (
	// Global: an object of the class anywhere (its key is the value).
	Global RefScope = "global"
	// Sibling: an object of the class with the same parent as the referring object.
	Sibling RefScope = "sibling"
)

// Ref is a reference from a property to another object.
type Ref struct {
	Class string
	Scope RefScope
}

// Prop is one property of a class.
type Prop struct {
	Name     string
	Type     Type
	Min, Max int64    // Int
	MaxLen   int      // Text (0: 255)
	Enum     []string // Enum
	Naming   bool     // given by the key; fixed
	Required bool
	Fixed    bool // cannot change after creation
	Ref      *Ref
	Doc      string
	Line     int
}

// Rule is a constraint between two properties of an object.
type Rule struct {
	Kind string // "atleastone", "notgreater" or "samefamily"
	A, B string
	Line int
}

// Class is one configurable SAM class.
type Class struct {
	Name    string
	Doc     string
	CLI     string
	Parents []string
	// KeyForm is the key's form: "<prop>", "<prop>:<prop>", "sap" or "=<literal>".
	KeyForm string
	// FDNTemplate builds the FDN (see the data file).
	FDNTemplate string
	Order       int
	Props       map[string]*Prop
	PropOrder   []string // as written in the data file
	Rules       []Rule
	Line        int
}

// Manager is a fixed object below which top-level classes are created.
type Manager struct {
	Class, FDN, Doc string
}

// External is a class packs reference but never create.
type External struct {
	Class, Key, Doc string
}

// Existing is an object every SAM holds.
type Existing struct {
	Class, Key, Doc string
}

// Model is a parsed SAM-O class model.
type Model struct {
	File      string
	Classes   map[string]*Class
	Order     []string // class names as written
	Managers  map[string]*Manager
	Externals map[string]*External
	Existing  []Existing
}

// Class returns the named class, nil if the model has none.
func (m *Model) Class(name string) *Class { return m.Classes[name] }

// TopLevel reports whether c is created below a manager (a service or a QoS policy).
func (m *Model) TopLevel(c *Class) bool {
	for _, p := range c.Parents {
		if m.Managers[p] != nil {
			return true
		}
	}
	return false
}

// ManagerOf returns the manager a top-level class is created below, nil otherwise.
func (m *Model) ManagerOf(c *Class) *Manager {
	for _, p := range c.Parents {
		if mg := m.Managers[p]; mg != nil {
			return mg
		}
	}
	return nil
}

// AllowedUnder reports whether c may be created below an object of class parent.
func (c *Class) AllowedUnder(parent string) bool {
	for _, p := range c.Parents {
		if p == parent {
			return true
		}
	}
	return false
}

// ExistsAlways reports whether every SAM holds the object class[key].
func (m *Model) ExistsAlways(class, key string) bool {
	for _, e := range m.Existing {
		if e.Class == class && e.Key == key {
			return true
		}
	}
	return false
}

// KeyProps returns the naming properties a key stands for.
func (c *Class) KeyProps(key string) (map[string]string, error) {
	switch {
	case strings.HasPrefix(c.KeyForm, "="):
		if lit := c.KeyForm[1:]; key != lit {
			return nil, fmt.Errorf("key %q: a %s is keyed %q", key, c.Name, lit)
		}
		return map[string]string{}, nil
	case c.KeyForm == "sap":
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
	case strings.Contains(c.KeyForm, ":"):
		a, b, _ := strings.Cut(c.KeyForm, ":")
		i := strings.LastIndexByte(key, ':')
		if i <= 0 || i == len(key)-1 {
			return nil, fmt.Errorf("key %q is not <%s>:<%s>", key, a, b)
		}
		return map[string]string{a: key[:i], b: key[i+1:]}, nil
	}
	if key == "" {
		return nil, fmt.Errorf("empty key (the key is %s)", c.KeyForm)
	}
	return map[string]string{c.KeyForm: key}, nil
}

// KeyOf rebuilds the key from an object's properties (the inverse of KeyProps).
func (c *Class) KeyOf(p map[string]string) string {
	switch {
	case strings.HasPrefix(c.KeyForm, "="):
		return c.KeyForm[1:]
	case c.KeyForm == "sap":
		k := p["portName"]
		if e := Encap(p); e != "" {
			k += ":" + e
		}
		return k
	case strings.Contains(c.KeyForm, ":"):
		a, b, _ := strings.Cut(c.KeyForm, ":")
		return p[a] + ":" + p[b]
	}
	return p[c.KeyForm]
}

// Encap renders a SAP's encapsulation as SR OS does: "" (null), "100" (dot1q), "100.200"
// (QinQ outer.inner).
func Encap(p map[string]string) string {
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

// FDN returns the object's FDN given its parent's FDN and its properties.
func (c *Class) FDN(parentFDN string, p map[string]string) string {
	t := c.FDNTemplate
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		j := strings.IndexByte(t[i:], '}')
		name := t[i+1 : i+j]
		t = t[i+j+1:]
		switch name {
		case "parent":
			b.WriteString(parentFDN)
		case "encap":
			if e := Encap(p); e != "" {
				b.WriteString(":" + e)
			}
		default:
			b.WriteString(p[name])
		}
	}
}

// CheckValue checks one value of property p of class c; the error names the class, the
// property and the value, as a SAM's validation fault does.
func (c *Class) CheckValue(p *Prop, v string) error {
	bad := func(want string) error {
		return fmt.Errorf("invalid value %q for attribute %s of class %s: expected %s", v, p.Name, c.Name, want)
	}
	switch p.Type {
	case Text:
		n := p.MaxLen
		if n == 0 {
			n = 255
		}
		if len(v) > n {
			return fmt.Errorf("invalid value %q for attribute %s of class %s: longer than %d characters", v, p.Name, c.Name, n)
		}
	case Int:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < p.Min || n > p.Max {
			return bad(fmt.Sprintf("an integer in [%d, %d]", p.Min, p.Max))
		}
	case Bool:
		if v != "true" && v != "false" {
			return bad("true or false")
		}
	case Enum:
		for _, e := range p.Enum {
			if v == e {
				return nil
			}
		}
		return bad("one of " + strings.Join(p.Enum, ", "))
	case IPv4:
		if ip := net.ParseIP(v); ip == nil || ip.To4() == nil || strings.Contains(v, ":") {
			return bad("an IPv4 address")
		}
	case IPv6:
		if ip := net.ParseIP(v); ip == nil || !strings.Contains(v, ":") {
			return bad("an IPv6 address")
		}
	case IP:
		if net.ParseIP(v) == nil {
			return bad("an IPv4 or IPv6 address")
		}
	case IPv4Prefix:
		ip, _, err := net.ParseCIDR(v)
		if err != nil || ip.To4() == nil || strings.Contains(v, ":") {
			return bad("an IPv4 address/length (192.0.2.1/30)")
		}
	case IPv6Prefix:
		_, _, err := net.ParseCIDR(v)
		if err != nil || !strings.Contains(v, ":") {
			return bad("an IPv6 address/length (2001:db8::1/127)")
		}
	case Network:
		ip, n, err := net.ParseCIDR(v)
		if err != nil {
			return bad("an IPv4 or IPv6 prefix (10.1.0.0/16)")
		}
		if !ip.Equal(n.IP) {
			return bad("a prefix without host bits (" + n.String() + ")")
		}
	case RD:
		if !isRD(v) {
			return bad("a route distinguisher <asn>:<number> or <ipv4>:<number>")
		}
	case RT:
		if !strings.HasPrefix(v, "target:") || !isRD(strings.TrimPrefix(v, "target:")) {
			return bad("a route target target:<asn>:<number> or target:<ipv4>:<number>")
		}
	case Port:
		if !isPortName(v) {
			return bad("a port name (1/1/3, 1/1/c1/1 or lag-1)")
		}
	}
	return nil
}

func isRD(v string) bool {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 {
		return false
	}
	n, err := strconv.ParseUint(v[i+1:], 10, 32)
	if err != nil {
		return false
	}
	admin := v[:i]
	if a, err := strconv.ParseUint(admin, 10, 32); err == nil {
		// Type 0 (2-byte AS : 4-byte number) or type 2 (4-byte AS : 2-byte number).
		return a <= 65535 || n <= 65535
	}
	ip := net.ParseIP(admin)
	return ip != nil && ip.To4() != nil && !strings.Contains(admin, ":") && n <= 65535
}

// isPortName accepts SR OS port names: slot/mda/port (1/1/3), connector ports (1/1/c1/1)
// and LAGs (lag-1 .. lag-800).
func isPortName(v string) bool {
	if n, ok := strings.CutPrefix(v, "lag-"); ok {
		i, err := strconv.Atoi(n)
		return err == nil && i >= 1 && i <= 800 && strconv.Itoa(i) == n
	}
	parts := strings.Split(v, "/")
	if len(parts) != 3 && len(parts) != 4 {
		return false
	}
	for i, p := range parts {
		if len(parts) == 4 && i == 2 {
			p = strings.TrimPrefix(p, "c")
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 64 || strconv.Itoa(n) != p {
			return false
		}
	}
	return true
}

// SortedProps returns the class's property names sorted.
func (c *Class) SortedProps() []string {
	out := append([]string(nil), c.PropOrder...)
	sort.Strings(out)
	return out
}

// CheckProps checks an object's properties as SAM does when it is created (create) or
// modified: every name known, every non-empty value valid; on create, required properties
// present and the rules hold. props holds the naming properties too. The errors are in
// property order.
func (c *Class) CheckProps(props map[string]string, create bool) []PropError {
	var out []PropError
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := props[k]
		p := c.Props[k]
		if p == nil {
			out = append(out, PropError{Prop: k, Value: v, Err: fmt.Errorf("attribute %s is not valid for class %s", k, c.Name)})
			continue
		}
		if v == "" {
			if !create && p.Required {
				out = append(out, PropError{Prop: k, Err: fmt.Errorf("required attribute %s of class %s cannot be reset", k, c.Name)})
			}
			continue
		}
		if err := c.CheckValue(p, v); err != nil {
			out = append(out, PropError{Prop: k, Value: v, Err: err})
		}
	}
	if !create {
		return out
	}
	for _, k := range c.PropOrder {
		if c.Props[k].Required && props[k] == "" {
			out = append(out, PropError{Prop: k, Err: fmt.Errorf("required attribute %s of class %s is missing", k, c.Name)})
		}
	}
	out = append(out, c.CheckRules(props)...)
	return out
}

// CheckRules checks the class's rules on a complete set of properties.
func (c *Class) CheckRules(props map[string]string) []PropError {
	var out []PropError
	for _, r := range c.Rules {
		switch r.Kind {
		case "atleastone":
			if props[r.A] == "" && props[r.B] == "" {
				out = append(out, PropError{Prop: r.A, Err: fmt.Errorf("class %s needs %s or %s", c.Name, r.A, r.B)})
			}
		case "samefamily":
			a, b := props[r.A], props[r.B]
			if a != "" && b != "" && strings.Contains(a, ":") != strings.Contains(b, ":") {
				out = append(out, PropError{Prop: r.B, Value: b, Err: fmt.Errorf("invalid value %q for attribute %s of class %s: not of the address family of %s (%s)", b, r.B, c.Name, r.A, a)})
			}
		case "notgreater":
			a, errA := strconv.ParseInt(props[r.A], 10, 64)
			b, errB := strconv.ParseInt(props[r.B], 10, 64)
			if errA == nil && errB == nil && a > b {
				out = append(out, PropError{Prop: r.A, Value: props[r.A], Err: fmt.Errorf("invalid value %q for attribute %s of class %s: greater than %s (%s)", props[r.A], r.A, c.Name, r.B, props[r.B])})
			}
		}
	}
	return out
}

// PropError is a property SAM refuses.
type PropError struct {
	Prop, Value string
	Err         error
}
