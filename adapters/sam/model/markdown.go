package model

import (
	"fmt"
	"sort"
	"strings"
)

//go:generate go run ./gen -o ../../../docs/sam-model.md

// Markdown renders the model as the designers' reference page (docs/sam-model.md).
func (m *Model) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# SAM-O class model (Nokia SR OS behind a 5620 SAM)\n\n")
	w("<!-- Generated from %s by `go generate ./adapters/sam/model`; do not edit. -->\n\n", m.File)
	w("This is every SAM class a pack's `sros.star` may render, where it sits, how it is keyed and\n")
	w("what it accepts. `xprov pack test`, every dry-run and the SAM simulator check rendered objects\n")
	w("against it: an unknown class or property, a value of the wrong type, out of range or not in\n")
	w("the list, a missing required property, a class below the wrong parent or a reference to an\n")
	w("object that does not exist is refused before anything is sent, naming the model path\n")
	w("(`class.property`) and the pack line that rendered it.\n\n")
	w("An object is a dict `{class, key, parent, props}` (see designing-packs.md, \"render\"); its path\n")
	w("is `parent/class[key]`. The key stands for the naming properties (marked *naming*): leave\n")
	w("them out of `props`, the adapter fills them in. Every value is a string (ints and bools are\n")
	w("written as text); `\"\"` or a missing property means unset.\n\n")
	w("## Types\n\n")
	w("| type | values |\n| --- | --- |\n")
	for _, t := range [][2]string{
		{"int [a, b]", "a decimal integer in the range"},
		{"text (n)", "at most n characters"},
		{"bool", "`true` or `false`"},
		{"one of ...", "exactly one of the listed words"},
		{"ipv4 / ipv6 / ip", "an IPv4, IPv6, or either address"},
		{"ipv4-prefix / ipv6-prefix", "an interface address with its length: `192.0.2.1/30`, `2001:db8::1/127`"},
		{"network", "an IPv4 or IPv6 prefix without host bits: `10.1.0.0/16`, `2001:db8:1::/48`"},
		{"rd", "a route distinguisher `<asn>:<n>` or `<ipv4>:<n>`"},
		{"rt", "a route target `target:<asn>:<n>` or `target:<ipv4>:<n>`"},
		{"port", "an SR OS port: `1/1/3`, `1/1/c1/1`, `lag-1` (the node must have it)"},
	} {
		w("| %s | %s |\n", t[0], t[1])
	}
	w("\n## Top-level parents and external classes\n\n")
	w("Top-level objects (no `parent` in the pack) are created below a fixed SAM object:\n\n")
	for _, name := range sortedKeys(m.Managers) {
		mg := m.Managers[name]
		w("- `%s` (FDN `%s`): %s\n", mg.Class, mg.FDN, mg.Doc)
	}
	for _, name := range sortedKeys(m.Externals) {
		e := m.Externals[name]
		w("- `%s` (external, key `%s`): %s\n", e.Class, e.Key, e.Doc)
	}
	for _, e := range m.Existing {
		w("- `%s[%s]` exists on every SAM: %s.\n", e.Class, e.Key, e.Doc)
	}
	w("\n## Classes\n\n| class | parent | key |\n| --- | --- | --- |\n")
	for _, name := range m.Order {
		c := m.Classes[name]
		w("| [`%s`](#%s) | %s | %s |\n", name, anchor(name), codeList(c.Parents), keyText(c))
	}
	for _, name := range m.Order {
		c := m.Classes[name]
		w("\n### %s\n\n%s\n\n", name, c.Doc)
		if c.CLI != "" {
			w("SR OS: `%s`\n\n", c.CLI)
		}
		w("Parent: %s. Key: %s. FDN: `%s`.", codeList(c.Parents), keyText(c), c.FDNTemplate)
		if c.Order < 0 {
			w(" Created before, and deleted after, the services of a change.")
		} else if c.Order > 0 {
			w(" Created after its siblings, deleted before them.")
		}
		w("\n\n| property | type | | description |\n| --- | --- | --- | --- |\n")
		for _, pn := range c.PropOrder {
			p := c.Props[pn]
			w("| `%s` | %s | %s | %s |\n", pn, typeText(p), flagText(p), p.Doc)
		}
		for _, r := range c.Rules {
			switch r.Kind {
			case "atleastone":
				w("\nAt least one of `%s` and `%s` is required.\n", r.A, r.B)
			case "notgreater":
				w("\n`%s` may not exceed `%s`.\n", r.A, r.B)
			case "samefamily":
				w("\n`%s` and `%s` are of one address family.\n", r.A, r.B)
			}
		}
	}
	w("\n## Operational commands\n\n")
	w("Ops (`ops.star`) on a Nokia endpoint return SR OS CLI; the SAM adapter runs it on the node\n")
	w("through the SAM and returns SR OS's output. The SAM simulator answers these from what it\n")
	w("holds:\n\n")
	w("| command | answer |\n| --- | --- |\n")
	w("| `show service id <id> base` | the service, its SAPs and SDP bindings on the node, admin and oper state |\n")
	w("| `show router <id> route-table` | a VPRN's routes: its interfaces' subnets and static routes |\n")
	w("| `show router <id> bgp summary` | a VPRN's BGP neighbours: Established when the neighbour is on an up interface's subnet, Active otherwise |\n")
	w("| `oam sdp-ping <sdp-id>` | whether the node has the SDP, and the far end's view of it |\n")
	w("| `ping <address> [router <id>]` | an address of an up interface, a host of its subnet (the CE) or a static route's destination answers |\n")
	w("\nSDP ids follow a numbering plan: the SDP to the far end `a.b.c.d` is `c*256+d` (wrapped into\n")
	w("1..17407), so `oam sdp-ping 514` tests the SDP to 10.255.2.2. `show port [<port>]`, `show\n")
	w("services` and `show service <id>` are answered from SAM's database.\n")
	return b.String()
}

func anchor(class string) string { return strings.ToLower(strings.ReplaceAll(class, ".", "")) }

func codeList(s []string) string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = "`" + x + "`"
	}
	return strings.Join(out, ", ")
}

func keyText(c *Class) string {
	switch {
	case strings.HasPrefix(c.KeyForm, "="):
		return "`" + c.KeyForm[1:] + "` (one per parent)"
	case c.KeyForm == "sap":
		return "`<port>[:<vlan>[.<inner vlan>]]` (`1/1/3`, `1/1/3:100`, `1/1/3:100.200`)"
	case strings.Contains(c.KeyForm, ":"):
		a, b, _ := strings.Cut(c.KeyForm, ":")
		return "`<" + a + ">:<" + b + ">`"
	}
	return "`<" + c.KeyForm + ">`"
}

func typeText(p *Prop) string {
	switch p.Type {
	case Int:
		return fmt.Sprintf("int [%d, %d]", p.Min, p.Max)
	case Text:
		n := p.MaxLen
		if n == 0 {
			n = 255
		}
		return fmt.Sprintf("text (%d)", n)
	case Enum:
		return "one of `" + strings.Join(p.Enum, "` `") + "`"
	}
	return string(p.Type)
}

func flagText(p *Prop) string {
	var f []string
	if p.Naming {
		f = append(f, "naming")
	}
	if p.Required {
		f = append(f, "required")
	}
	if p.Fixed && !p.Naming {
		f = append(f, "fixed")
	}
	if p.Ref != nil {
		if p.Ref.Scope == Sibling {
			f = append(f, "refers to a sibling `"+p.Ref.Class+"`")
		} else {
			f = append(f, "refers to `"+p.Ref.Class+"`")
		}
	}
	return strings.Join(f, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
