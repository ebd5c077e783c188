package model

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Type is the value type of a leaf (or the key type of a list): alternatives, any of which
// may accept a value.
type Type struct {
	alts []alt
}

type alt struct {
	base     string // a base type, or "" for a literal
	literal  string
	lo, hi   uint64
	hasRange bool
}

// bases are the value types a model may name, with what they accept.
var bases = map[string]string{
	"uint":        "a number",
	"int":         "a number",
	"string":      "text",
	"word":        "text without spaces",
	"ipv4":        "an IPv4 address",
	"ipv4-prefix": "an IPv4 address with prefix length (a.b.c.d/len)",
	"ipv6":        "an IPv6 address",
	"ipv6-prefix": "an IPv6 address with prefix length",
	"ip":          "an IPv4 or IPv6 address",
	"ip-prefix":   "an IPv4 or IPv6 prefix",
	"ifname":      "an interface name (ge-0/0/1, xe-0/1/0:2, ae0, lo0, irb)",
	"ifl":         "a logical interface name (ge-0/0/1.100; no unit means unit 0)",
	"rd":          "a route distinguisher (AS:number, AS-4-byte L:number or IPv4:number)",
	"community":   "an extended community (target:AS:number or target:IPv4:number)",
	"bandwidth":   "a rate in bits per second, with optional k, m or g",
	"bytes":       "a size in bytes, with optional k, m or g",
	"asn":         "an AS number (1..4294967295)",
}

// ParseType reads a type expression: alternatives separated by |, each a base type with an
// optional LO..HI range, or a literal word.
func ParseType(s string) (*Type, error) {
	t := &Type{}
	for _, part := range strings.Split(s, "|") {
		f := strings.Fields(part)
		if len(f) == 0 || len(f) > 2 {
			return nil, fmt.Errorf("bad type alternative %q", strings.TrimSpace(part))
		}
		if _, ok := bases[f[0]]; !ok {
			if len(f) != 1 {
				return nil, fmt.Errorf("unknown type %q", f[0])
			}
			t.alts = append(t.alts, alt{literal: f[0]})
			continue
		}
		a := alt{base: f[0]}
		if len(f) == 2 {
			lo, hi, ok := strings.Cut(f[1], "..")
			var err1, err2 error
			if ok {
				if lo != "" {
					a.lo, err1 = strconv.ParseUint(lo, 10, 64)
				}
				a.hi, err2 = strconv.ParseUint(hi, 10, 64)
			}
			if !ok || err1 != nil || err2 != nil || a.lo > a.hi {
				return nil, fmt.Errorf("bad range %q (LO..HI)", f[1])
			}
			a.hasRange = true
		}
		t.alts = append(t.alts, a)
	}
	return t, nil
}

// String renders the type as the model writes it.
func (t *Type) String() string {
	var parts []string
	for _, a := range t.alts {
		switch {
		case a.base == "":
			parts = append(parts, a.literal)
		case a.hasRange:
			parts = append(parts, fmt.Sprintf("%s %d..%d", a.base, a.lo, a.hi))
		default:
			parts = append(parts, a.base)
		}
	}
	return strings.Join(parts, " | ")
}

// Describe says in words what the type accepts, for the reference page.
func (t *Type) Describe() string {
	var parts []string
	for _, a := range t.alts {
		switch {
		case a.base == "":
			parts = append(parts, "`"+a.literal+"`")
		case a.hasRange && (a.base == "string" || a.base == "word"):
			parts = append(parts, fmt.Sprintf("%s of %d..%d characters", bases[a.base], a.lo, a.hi))
		case a.hasRange:
			parts = append(parts, fmt.Sprintf("%s in %d..%d", bases[a.base], a.lo, a.hi))
		default:
			parts = append(parts, bases[a.base])
		}
	}
	return strings.Join(parts, ", or ")
}

// Check returns why v is not a value of the type, in Junos' words, or "" when it is.
func (t *Type) Check(v string) string {
	var first string
	for _, a := range t.alts {
		msg := a.check(v)
		if msg == "" {
			return ""
		}
		if first == "" || (a.base != "" && strings.HasPrefix(first, "syntax error")) {
			first = msg
		}
	}
	return first
}

func (a alt) check(v string) string {
	if a.base == "" {
		if v == a.literal {
			return ""
		}
		return "syntax error"
	}
	inRange := func(n uint64) string {
		if a.hasRange && (n < a.lo || n > a.hi) {
			return fmt.Sprintf("Value %s is not within range (%d..%d)", v, a.lo, a.hi)
		}
		return ""
	}
	switch a.base {
	case "uint", "asn":
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || !isDigits(v) {
			return fmt.Sprintf("invalid numeric value: '%s'", v)
		}
		if a.base == "asn" && (n == 0 || n > 4294967295) {
			return fmt.Sprintf("Value %s is not within range (1..4294967295)", v)
		}
		return inRange(n)
	case "int":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Sprintf("invalid numeric value: '%s'", v)
		}
		if a.hasRange && (n < 0 || uint64(n) < a.lo || uint64(n) > a.hi) {
			return fmt.Sprintf("Value %s is not within range (%d..%d)", v, a.lo, a.hi)
		}
	case "string", "word":
		if a.base == "word" && (v == "" || strings.ContainsAny(v, " \t\n")) {
			return fmt.Sprintf("invalid value '%s': a single word is expected", v)
		}
		if strings.ContainsAny(v, "\x00\n\r") {
			return "invalid value: control characters are not allowed"
		}
		if a.hasRange && (uint64(len(v)) < a.lo || uint64(len(v)) > a.hi) {
			return fmt.Sprintf("Length of '%s' is not within range (%d..%d)", short(v), a.lo, a.hi)
		}
	case "ipv4", "ipv6", "ip":
		ad, err := netip.ParseAddr(v)
		if err != nil || ad.Zone() != "" || (a.base == "ipv4" && !ad.Is4()) || (a.base == "ipv6" && !ad.Is6()) {
			return fmt.Sprintf("invalid ip address or hostname: %s", v)
		}
	case "ipv4-prefix", "ipv6-prefix", "ip-prefix":
		ad, err := netip.ParseAddr(v)
		if err != nil {
			p, perr := netip.ParsePrefix(v)
			if perr != nil {
				return fmt.Sprintf("invalid prefix: %s", v)
			}
			ad = p.Addr()
		}
		if (a.base == "ipv4-prefix" && !ad.Is4()) || (a.base == "ipv6-prefix" && !ad.Is6()) {
			return fmt.Sprintf("invalid prefix: %s", v)
		}
	case "ifname":
		if !ifnameRE.MatchString(v) {
			return fmt.Sprintf("invalid interface type in '%s'", v)
		}
	case "ifl":
		name, unit, ok := strings.Cut(v, ".")
		if v == "all" {
			return ""
		}
		if !ifnameRE.MatchString(name) {
			return fmt.Sprintf("invalid interface type in '%s'", v)
		}
		if ok {
			n, err := strconv.ParseUint(unit, 10, 32)
			if err != nil || !isDigits(unit) || n > 1073741823 {
				return fmt.Sprintf("invalid logical unit number in '%s'", v)
			}
		}
	case "rd":
		if !validRD(v) {
			return fmt.Sprintf("invalid route-distinguisher '%s': expected AS-number:number or IPv4-address:number", v)
		}
	case "community":
		typ, rest, ok := strings.Cut(v, ":")
		if !ok || (typ != "target" && typ != "origin") || !validRD(rest) {
			return fmt.Sprintf("invalid community '%s': expected target:AS-number:number or target:IPv4-address:number", v)
		}
	case "bandwidth", "bytes":
		n, ok := scaled(v)
		if !ok {
			return fmt.Sprintf("invalid numeric value: '%s'", v)
		}
		return inRange(n)
	}
	return ""
}

var ifnameRE = regexp.MustCompile(`^((ge|xe|et|fe|so|lt|gr|ip|ms|si|vt|mt|ud|pd|pe|sp)-\d{1,2}/\d{1,2}/\d{1,3}(:\d{1,2})?|ae\d{1,4}|lo0|irb|fxp\d|em\d|me\d|vme|ps\d{1,4}|reth\d{1,3}|st0|vlan)$`)

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validRD checks the administrator:assigned forms of a route distinguisher or an extended
// community value: a 2-byte AS with a 4-byte number, a 4-byte AS (suffix L) with a 2-byte
// number, or an IPv4 address with a 2-byte number.
func validRD(v string) bool {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 {
		return false
	}
	admin, num := v[:i], v[i+1:]
	if !isDigits(num) {
		return false
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return false
	}
	if ad, err := netip.ParseAddr(admin); err == nil {
		return ad.Is4() && n <= 65535
	}
	if strings.HasSuffix(admin, "L") && isDigits(strings.TrimSuffix(admin, "L")) {
		as, err := strconv.ParseUint(strings.TrimSuffix(admin, "L"), 10, 64)
		return err == nil && as <= 4294967295 && n <= 65535
	}
	if !isDigits(admin) {
		return false
	}
	as, err := strconv.ParseUint(admin, 10, 64)
	if err != nil {
		return false
	}
	if as > 65535 {
		return as <= 4294967295 && n <= 65535
	}
	return n <= 4294967295
}

// scaled reads a number with an optional k, m or g suffix (powers of 1000).
func scaled(v string) (uint64, bool) {
	mult := uint64(1)
	s := strings.ToLower(v)
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1000, s[:len(s)-1]
	case strings.HasSuffix(s, "m"):
		mult, s = 1000000, s[:len(s)-1]
	case strings.HasSuffix(s, "g"):
		mult, s = 1000000000, s[:len(s)-1]
	}
	if !isDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > (1<<63)/mult {
		return 0, false
	}
	return n * mult, true
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
