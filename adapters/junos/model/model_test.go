package model

import (
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	seam "github.com/xprov/xprov/adapters/model"
)

func leaves(t *testing.T, tree map[string]any) []config.Leaf {
	t.Helper()
	ls, err := config.FromTree(tree)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestRegistered(t *testing.T) {
	if seam.For("junos") == nil {
		t.Fatal("the junos checker is not registered")
	}
}

func eline() map[string]any {
	return map[string]any{
		"interfaces": map[string]any{"interface": []any{map[string]any{
			"name": "ge-0/0/1", "flexible-vlan-tagging": true, "encapsulation": "flexible-ethernet-services",
			"unit": []any{map[string]any{"name": "100", "encapsulation": "vlan-ccc", "vlan-id": "100",
				"input-vlan-map": map[string]any{"pop": true}, "output-vlan-map": map[string]any{"push": true}}},
		}}},
		"protocols": map[string]any{"l2circuit": map[string]any{"neighbor": []any{map[string]any{
			"name": "10.255.1.2", "interface": []any{map[string]any{"name": "ge-0/0/1.100", "virtual-circuit-id": "7", "mtu": "1500"}},
		}}}},
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(m map[string]any)
		want  []string // path | value | model path | message fragment
	}{
		{"valid", func(map[string]any) {}, nil},
		{"unknown top-level statement", func(m map[string]any) {
			m["frobnicate"] = map[string]any{"widget": []any{map[string]any{"name": "w1", "colour": "purple"}}}
		}, []string{"frobnicate||frobnicate|syntax error"}},
		{"unknown leaf under a unit", func(m map[string]any) {
			unit(m)["colour"] = "purple"
		}, []string{"interfaces/interface[ge-0/0/1]/unit[100]/colour||interfaces/interface/unit/colour|syntax error"}},
		{"vlan-id out of range", func(m map[string]any) {
			unit(m)["vlan-id"] = "9999"
		}, []string{"interfaces/interface[ge-0/0/1]/unit[100]/vlan-id|9999|interfaces/interface/unit/vlan-id|Value 9999 is not within range (1..4094)"}},
		{"mtu not a number", func(m map[string]any) {
			port(m)["mtu"] = "banana"
		}, []string{"interfaces/interface[ge-0/0/1]/mtu|banana|interfaces/interface/mtu|invalid numeric value: 'banana'"}},
		{"bad enum", func(m map[string]any) {
			unit(m)["encapsulation"] = "vlan-cc"
		}, []string{"interfaces/interface[ge-0/0/1]/unit[100]/encapsulation|vlan-cc|interfaces/interface/unit/encapsulation|syntax error"}},
		{"missing mandatory", func(m map[string]any) {
			delete(pw(m), "virtual-circuit-id")
		}, []string{"protocols/l2circuit/neighbor[10.255.1.2]/interface[ge-0/0/1.100]||protocols/l2circuit/neighbor/interface/virtual-circuit-id|Missing mandatory statement: 'virtual-circuit-id'"}},
		{"mutually exclusive", func(m map[string]any) {
			port(m)["vlan-tagging"] = true
		}, []string{"interfaces/interface[ge-0/0/1]||interfaces/interface/flexible-vlan-tagging|mutually exclusive"}},
		{"bad interface name", func(m map[string]any) {
			port(m)["name"] = "gi0/1"
		}, []string{"interfaces/interface[gi0/1]|gi0/1|interfaces/interface|invalid interface type"}},
		{"leaf-list written as a value", func(m map[string]any) {
			m["routing-instances"] = map[string]any{"instance": []any{map[string]any{"name": "V", "instance-type": "vrf",
				"route-distinguisher": map[string]any{"rd-type": "65000:1"}, "vrf-import": "p"}}}
		}, []string{"routing-instances/instance[V]/vrf-import|p|routing-instances/instance/vrf-import|takes a list of values"}},
		{"garbage rd and vrf-target", func(m map[string]any) {
			m["routing-instances"] = map[string]any{"instance": []any{map[string]any{"name": "V", "instance-type": "vrf",
				"route-distinguisher": map[string]any{"rd-type": "garbage"}, "vrf-target": map[string]any{"community": "65000:1"}}}}
		}, []string{
			"routing-instances/instance[V]/route-distinguisher/rd-type|garbage|routing-instances/instance/route-distinguisher/rd-type|invalid route-distinguisher",
			"routing-instances/instance[V]/vrf-target/community|65000:1|routing-instances/instance/vrf-target/community|invalid community",
		}},
		{"vrf without rd", func(m map[string]any) {
			m["routing-instances"] = map[string]any{"instance": []any{map[string]any{"name": "V", "instance-type": "vrf",
				"vrf-target": map[string]any{"community": "target:65000:1"}}}}
		}, []string{"routing-instances/instance[V]||routing-instances/instance/route-distinguisher|Missing mandatory statement: 'route-distinguisher'"}},
		{"vpls without rd is fine", func(m map[string]any) {
			m["routing-instances"] = map[string]any{"instance": []any{map[string]any{"name": "V", "instance-type": "vpls",
				"protocols": map[string]any{"vpls": map[string]any{"vpls-id": "5"}}}}}
		}, nil},
		{"unchecked subtree", func(m map[string]any) {
			m["groups"] = map[string]any{"g": map[string]any{"anything": "goes"}}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := eline()
			tc.tweak(m)
			got := Checker{}.Check(leaves(t, m))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d violations, want %d: %v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				f := strings.SplitN(w, "|", 4)
				g := got[i]
				if g.Path != f[0] || g.Value != f[1] || g.ModelPath != f[2] || !strings.Contains(g.Message, f[3]) {
					t.Errorf("violation %d = %s\nwant path %s value %q model %s message ~%q", i, g, f[0], f[1], f[2], f[3])
				}
			}
		})
	}
}

func port(m map[string]any) map[string]any {
	return m["interfaces"].(map[string]any)["interface"].([]any)[0].(map[string]any)
}

func unit(m map[string]any) map[string]any {
	return port(m)["unit"].([]any)[0].(map[string]any)
}

func pw(m map[string]any) map[string]any {
	return m["protocols"].(map[string]any)["l2circuit"].(map[string]any)["neighbor"].([]any)[0].(map[string]any)["interface"].([]any)[0].(map[string]any)
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a\n   b", "m:2: indent with two spaces per level"},
		{"a: nosuchtype 1..2", "m:1: a: unknown type"},
		{"a: uint 5..1", "m:1: a: bad range"},
		{"a\na", "m:2: a is declared twice (line 1)"},
		{"a: uint\n  b", "m:2: a cannot have members"},
		{"a\n  !one-of b c\n  b presence", "m:2: !one-of names c"},
		{"a ; optional", "m:1: unknown flag"},
		{"a\n  b ; mandatory when c=d", "m:2: mandatory when c=...: a has no leaf c"},
		{"Bad", "m:1: bad statement name"},
	} {
		_, err := Parse("m", tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestTypes(t *testing.T) {
	for _, tc := range []struct {
		typ, v string
		ok     bool
	}{
		{"rd", "65000:1", true}, {"rd", "10.255.1.1:7", true}, {"rd", "4200000000L:7", true},
		{"rd", "10.255.1.1:70000", false}, {"rd", "garbage", false}, {"rd", "65000:", false},
		{"rd", "4200000000:70000", false},
		{"community", "target:65000:1", true}, {"community", "65000:1", false}, {"community", "target:x:1", false},
		{"bandwidth 8000..100000000000", "100m", true}, {"bandwidth 8000..100000000000", "1k", false},
		{"bandwidth 8000..100000000000", "10x", false},
		{"ifl", "ge-0/0/1.100", true}, {"ifl", "lo0.5", true}, {"ifl", "ge-0/0/1", true}, {"ifl", "ge-0/0/1.x", false},
		{"ifname", "et-0/0/0:2", true}, {"ifname", "ae3", true}, {"ifname", "1/1/3", false},
		{"ipv4-prefix", "192.0.2.1/30", true}, {"ipv4-prefix", "2001:db8::1/64", false},
		{"uint 1..4094 | none", "none", true}, {"uint 1..4094 | none", "0", false},
		{"string 1..3", "abcd", false}, {"word", "a b", false}, {"asn", "0", false},
	} {
		typ, err := ParseType(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		if msg := typ.Check(tc.v); (msg == "") != tc.ok {
			t.Errorf("%s: Check(%q) = %q, want ok=%v", tc.typ, tc.v, msg, tc.ok)
		}
	}
}

// TestCheckUnsortedAndNested: constraints are checked per occurrence whatever the leaves'
// order and however deep the members between them.
func TestCheckUnsortedAndNested(t *testing.T) {
	vrf := func(name string, rd bool) map[string]any {
		ri := map[string]any{"name": name, "instance-type": "vrf", "vrf-target": map[string]any{"community": "target:65000:1"},
			"protocols":       map[string]any{"pim": map[string]any{"interface": []any{map[string]any{"name": "ge-0/0/1.1", "mode": "sparse"}}}},
			"provider-tunnel": map[string]any{"ldp-p2mp": true}}
		if rd {
			ri["route-distinguisher"] = map[string]any{"rd-type": "65000:1"}
		}
		return ri
	}
	ls := leaves(t, map[string]any{"routing-instances": map[string]any{"instance": []any{vrf("A", true), vrf("B", false), vrf("C", true)}}})
	for i := range ls { // reverse: not in path order
		j := len(ls) - 1 - i
		if i >= j {
			break
		}
		ls[i], ls[j] = ls[j], ls[i]
	}
	got := Checker{}.Check(ls)
	if len(got) != 1 || got[0].Path != "routing-instances/instance[B]" || got[0].ModelPath != "routing-instances/instance/route-distinguisher" {
		t.Fatalf("violations %v, want B's missing route-distinguisher only", got)
	}
}
