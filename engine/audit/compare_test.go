package audit

import (
	"fmt"
	"reflect"
	"testing"
)

func TestFetchPaths(t *testing.T) {
	many := func(format string, n int) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf(format, i))
		}
		return out
	}
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"nothing", nil, nil},
		{"from the first entry, top-most only",
			[]string{"interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "interfaces/interface[ge-0/0/1]", "protocols/l2circuit/neighbor[10.0.0.1]/interface[ge-0/0/1.100]"},
			[]string{"interfaces/interface[ge-0/0/1]", "protocols/l2circuit/neighbor[10.0.0.1]"}},
		{"a presence container without entries is read as is", []string{"system/ntp"}, []string{"system/ntp"}},
		{"many entries under one container: the container",
			append(many("interfaces/interface[ge-0/0/%d]/unit[1]", coarseAt+1), "protocols/l2circuit/neighbor[10.0.0.1]"),
			[]string{"interfaces", "protocols/l2circuit/neighbor[10.0.0.1]"}},
		{"as many as the bound: each", many("interfaces/interface[ge-0/0/%d]", coarseAt), many("interfaces/interface[ge-0/0/%d]", coarseAt)},
		{"many top-level objects (SAM): everything", many("epipe[%d]/sap[1/1/1:1]", coarseAt+1), []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fetchPaths(tt.paths)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if tt.name == "as many as the bound: each" {
				// Sorted by config.Compare (numeric keys in order), compare as sets.
				if len(s) != len(tt.want) {
					t.Fatalf("%d paths, want %d", len(s), len(tt.want))
				}
				return
			}
			if !reflect.DeepEqual(s, tt.want) {
				t.Fatalf("got %q, want %q", s, tt.want)
			}
		})
	}
	if _, err := fetchPaths([]string{"interfaces/interface[ge-0/0/1"}); err == nil {
		t.Fatal("a malformed path was read")
	}
}

func TestCompareTarget(t *testing.T) {
	set := func(svc string, kv ...string) ownedSetT { return ownedSetT{svc, kv} }
	tests := []struct {
		name   string
		sets   []ownedSetT
		actual map[string]string
		drift  map[string]string // service -> fmt of its TargetDrift
		cands  []string          // service:path
	}{
		{"in sync", []ownedSetT{set("a", "x[1]", "", "x[1]/v", "1")}, map[string]string{"x[1]": "", "x[1]/v": "1"}, map[string]string{}, nil},
		{"missing subtree: the top-most only",
			[]ownedSetT{set("a", "x[1]", "", "x[1]/u[2]", "", "x[1]/u[2]/v", "1", "x[1]/w", "2")}, map[string]string{"x[1]": "", "x[1]/w": "2"},
			map[string]string{"a": "missing [{x[1]/u[2]  }]"}, nil},
		{"changed", []ownedSetT{set("a", "x[1]", "", "x[1]/v", "1")}, map[string]string{"x[1]": "", "x[1]/v": "2"},
			map[string]string{"a": "changed [{x[1]/v 1 2}]"}, nil},
		{"extra under an entry one service owns; none under a shared one",
			[]ownedSetT{set("a", "p[1]", "", "p[1]/u[1]", ""), set("b", "p[1]", "", "p[1]/u[2]", "")},
			map[string]string{"p[1]": "", "p[1]/u[1]": "", "p[1]/u[1]/disable": "", "p[1]/u[2]": "", "p[1]/u[3]": "", "p[1/2]/x": "1"},
			map[string]string{}, []string{"a:p[1]/u[1]/disable"}},
		{"an object's key properties are not extra",
			[]ownedSetT{set("a", "epipe[1000]", "", "epipe[1000]/sap[1/1/1:100]", "")},
			map[string]string{"epipe[1000]": "", "epipe[1000]/serviceId": "1000", "epipe[1000]/sap[1/1/1:100]": "",
				"epipe[1000]/sap[1/1/1:100]/portName": "1/1/1", "epipe[1000]/sap[1/1/1:100]/innerEncapValue": "100",
				"epipe[1000]/sap[1/1/1:100]/adminState": "down"},
			map[string]string{}, []string{"a:epipe[1000]/sap[1/1/1:100]/adminState"}},
		{"keys with slashes", []ownedSetT{set("a", "i[ge-0/0/1]", "")}, map[string]string{"i[ge-0/0/1]": "", "i[ge-0/0/1]/d": "x"},
			map[string]string{}, []string{"a:i[ge-0/0/1]/d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drift, cands := compareTarget("pe1", toSets(tt.sets), tt.actual)
			got := map[string]string{}
			for svc, d := range drift {
				switch {
				case len(d.Missing) > 0:
					got[svc] = fmt.Sprintf("missing %v", d.Missing)
				case len(d.Changed) > 0:
					got[svc] = fmt.Sprintf("changed %v", d.Changed)
				}
			}
			if !reflect.DeepEqual(got, tt.drift) {
				t.Fatalf("drift %v, want %v", got, tt.drift)
			}
			var cs []string
			for _, c := range cands {
				cs = append(cs, c.service+":"+c.path)
			}
			if !reflect.DeepEqual(cs, tt.cands) {
				t.Fatalf("extra candidates %v, want %v", cs, tt.cands)
			}
		})
	}
}
