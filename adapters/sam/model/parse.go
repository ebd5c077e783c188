package model

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	className = regexp.MustCompile(`^[a-z][A-Za-z0-9]*\.[A-Z][A-Za-z0-9]*$`)
	propName  = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
)

// Parse reads a model in the format the data file's header describes. Errors say
// name:line: what is wrong.
func Parse(name string, src []byte) (*Model, error) {
	m := &Model{File: name, Classes: map[string]*Class{}, Managers: map[string]*Manager{}, Externals: map[string]*External{}}
	var cur *Class
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, a...))
	}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		body, doc, _ := strings.Cut(text, " -- ")
		doc = strings.TrimSpace(doc)
		f := strings.Fields(body)
		switch f[0] {
		case "manager":
			if len(f) != 3 || !className.MatchString(f[1]) {
				return nil, fail("want: manager <class> <fdn> -- <doc>")
			}
			m.Managers[f[1]] = &Manager{Class: f[1], FDN: f[2], Doc: doc}
			cur = nil
		case "external":
			if len(f) != 3 || !className.MatchString(f[1]) || !propName.MatchString(f[2]) {
				return nil, fail("want: external <class> <key property> -- <doc>")
			}
			m.Externals[f[1]] = &External{Class: f[1], Key: f[2], Doc: doc}
			cur = nil
		case "exists":
			if len(f) != 3 {
				return nil, fail("want: exists <class> <key> -- <doc>")
			}
			m.Existing = append(m.Existing, Existing{Class: f[1], Key: f[2], Doc: doc})
			cur = nil
		case "class":
			if len(f) != 2 || !className.MatchString(f[1]) {
				return nil, fail("want: class <package.Class>")
			}
			if m.Classes[f[1]] != nil {
				return nil, fail("class %s defined twice (first at line %d)", f[1], m.Classes[f[1]].Line)
			}
			cur = &Class{Name: f[1], Props: map[string]*Prop{}, Line: line}
			m.Classes[f[1]] = cur
			m.Order = append(m.Order, f[1])
		default:
			if cur == nil {
				return nil, fail("%q outside a class", f[0])
			}
			if err := parseClassLine(cur, f, text, doc, line); err != nil {
				return nil, fail("%v", err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func parseClassLine(c *Class, f []string, text, doc string, line int) error {
	rest := strings.TrimSpace(strings.TrimPrefix(text, f[0]))
	switch f[0] {
	case "doc":
		c.Doc = strings.TrimSpace(c.Doc + " " + rest)
	case "cli":
		c.CLI = rest
	case "parent":
		if len(f) < 2 {
			return fmt.Errorf("want: parent <class>...")
		}
		c.Parents = append(c.Parents, f[1:]...)
	case "key":
		if len(f) != 2 {
			return fmt.Errorf("want: key <form>")
		}
		c.KeyForm = f[1]
	case "fdn":
		if len(f) != 2 {
			return fmt.Errorf("want: fdn <template>")
		}
		c.FDNTemplate = f[1]
	case "order":
		n, err := strconv.Atoi(rest)
		if len(f) != 2 || err != nil {
			return fmt.Errorf("want: order <integer>")
		}
		c.Order = n
	case "rule":
		if len(f) != 4 || (f[1] != "atleastone" && f[1] != "notgreater" && f[1] != "samefamily") {
			return fmt.Errorf("want: rule atleastone|notgreater|samefamily <prop> <prop>")
		}
		c.Rules = append(c.Rules, Rule{Kind: f[1], A: f[2], B: f[3], Line: line})
	case "prop":
		p, err := parseProp(f[1:], doc, line)
		if err != nil {
			return err
		}
		if c.Props[p.Name] != nil {
			return fmt.Errorf("property %s of %s defined twice", p.Name, c.Name)
		}
		c.Props[p.Name] = p
		c.PropOrder = append(c.PropOrder, p.Name)
	default:
		return fmt.Errorf("unknown statement %q (want doc, cli, parent, key, fdn, order, rule or prop)", f[0])
	}
	return nil
}

func parseProp(f []string, doc string, line int) (*Prop, error) {
	if len(f) < 2 {
		return nil, fmt.Errorf("want: prop <name> <type> [flags] [-- <doc>]")
	}
	if !propName.MatchString(f[0]) {
		return nil, fmt.Errorf("property name %q is not a SAM attribute name", f[0])
	}
	p := &Prop{Name: f[0], Doc: doc, Line: line}
	typ, arg, hasArg := strings.Cut(f[1], ":")
	p.Type = Type(typ)
	switch p.Type {
	case Int:
		lo, hi, ok := strings.Cut(arg, "..")
		var e1, e2 error
		p.Min, e1 = strconv.ParseInt(lo, 10, 64)
		p.Max, e2 = strconv.ParseInt(hi, 10, 64)
		if !ok || e1 != nil || e2 != nil || p.Min > p.Max {
			return nil, fmt.Errorf("property %s: want int:<min>..<max>, got %q", p.Name, f[1])
		}
	case Text:
		if hasArg {
			n, err := strconv.Atoi(arg)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("property %s: want text:<max length>, got %q", p.Name, f[1])
			}
			p.MaxLen = n
		}
	case Enum:
		p.Enum = strings.Split(arg, "|")
		if !hasArg || arg == "" {
			return nil, fmt.Errorf("property %s: want enum:<a>|<b>..., got %q", p.Name, f[1])
		}
	case Bool, IPv4, IPv6, IP, IPv4Prefix, IPv6Prefix, Network, RD, RT, Port:
		if hasArg {
			return nil, fmt.Errorf("property %s: type %s takes no argument", p.Name, typ)
		}
	default:
		return nil, fmt.Errorf("property %s: unknown type %q", p.Name, typ)
	}
	for _, fl := range f[2:] {
		switch {
		case fl == "naming":
			p.Naming, p.Fixed = true, true
		case fl == "required":
			p.Required = true
		case fl == "fixed":
			p.Fixed = true
		case strings.HasPrefix(fl, "ref=sibling:"):
			p.Ref = &Ref{Class: strings.TrimPrefix(fl, "ref=sibling:"), Scope: Sibling}
		case strings.HasPrefix(fl, "ref="):
			p.Ref = &Ref{Class: strings.TrimPrefix(fl, "ref="), Scope: Global}
		default:
			return nil, fmt.Errorf("property %s: unknown flag %q (want naming, required, fixed, ref=<class> or ref=sibling:<class>)", p.Name, fl)
		}
	}
	return p, nil
}

// validate checks what one line cannot: parents exist, keys name properties, references
// reach classes with keys.
func (m *Model) validate() error {
	at := func(line int, format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", m.File, line, fmt.Sprintf(format, a...))
	}
	for _, name := range m.Order {
		c := m.Classes[name]
		if len(c.Parents) == 0 {
			return at(c.Line, "class %s has no parent", name)
		}
		for _, p := range c.Parents {
			if m.Classes[p] == nil && m.Managers[p] == nil {
				return at(c.Line, "class %s: parent %s is neither a class nor a manager", name, p)
			}
		}
		if c.FDNTemplate == "" {
			return at(c.Line, "class %s has no fdn", name)
		}
		if c.KeyForm == "" {
			return at(c.Line, "class %s has no key", name)
		}
		var keyProps []string
		switch {
		case strings.HasPrefix(c.KeyForm, "="):
		case c.KeyForm == "sap":
			keyProps = []string{"portName", "innerEncapValue", "outerEncapValue"}
		case strings.Contains(c.KeyForm, ":"):
			a, b, _ := strings.Cut(c.KeyForm, ":")
			keyProps = []string{a, b}
		default:
			keyProps = []string{c.KeyForm}
		}
		for _, k := range keyProps {
			if p := c.Props[k]; p == nil || !p.Naming {
				return at(c.Line, "class %s: key property %s is not a naming property", name, k)
			}
		}
		for _, r := range c.Rules {
			if c.Props[r.A] == nil || c.Props[r.B] == nil {
				return at(r.Line, "class %s: rule %s names an unknown property", name, r.Kind)
			}
		}
		for _, pn := range c.PropOrder {
			p := c.Props[pn]
			if p.Ref == nil {
				continue
			}
			if m.Classes[p.Ref.Class] == nil && m.Externals[p.Ref.Class] == nil {
				return at(p.Line, "property %s of %s refers to unknown class %s", pn, name, p.Ref.Class)
			}
			if p.Ref.Scope == Sibling && m.Classes[p.Ref.Class] != nil && !sameParents(c, m.Classes[p.Ref.Class]) {
				return at(p.Line, "property %s of %s: sibling reference to %s, which has other parents", pn, name, p.Ref.Class)
			}
		}
		for _, pn := range c.PropOrder {
			p := c.Props[pn]
			if p.Naming && !strings.Contains(c.FDNTemplate, "{"+pn+"}") && c.KeyForm != "sap" {
				return at(p.Line, "class %s: naming property %s is not in its fdn", name, pn)
			}
		}
	}
	for _, e := range m.Existing {
		c := m.Classes[e.Class]
		if c == nil {
			return fmt.Errorf("%s: exists: unknown class %s", m.File, e.Class)
		}
	}
	return nil
}

func sameParents(a, b *Class) bool {
	for _, p := range a.Parents {
		if !b.AllowedUnder(p) {
			return false
		}
	}
	return true
}
