package diff_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/diff"
)

func leaves(t testing.TB, spec ...string) []config.Leaf {
	t.Helper()
	var out []config.Leaf
	for _, s := range spec {
		p, v, _ := strings.Cut(s, "=")
		path, err := config.ParsePath(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, config.Leaf{Path: path, Value: v})
	}
	return out
}

func render(cs config.ChangeSet) []string {
	var out []string
	for _, c := range cs.Changes {
		s := string(c.Op) + " " + c.Path.String()
		if c.Op != config.Delete && c.Value != "" {
			s += "=" + c.Value
		}
		out = append(out, s)
	}
	return out
}

func TestCompute(t *testing.T) {
	unit := []string{"if[ge-0/0/1]", "if[ge-0/0/1]/unit[100]", "if[ge-0/0/1]/unit[100]/vlan=100"}
	tests := []struct {
		name   string
		old    []string
		want   []string
		others diff.MapOthers
		expect []string
		err    string
	}{
		{name: "create", want: unit, expect: []string{"create if[ge-0/0/1]", "create if[ge-0/0/1]/unit[100]", "create if[ge-0/0/1]/unit[100]/vlan=100"}},
		{name: "no change", old: unit, want: unit},
		{name: "update value", old: unit, want: []string{"if[ge-0/0/1]", "if[ge-0/0/1]/unit[100]", "if[ge-0/0/1]/unit[100]/vlan=200"},
			expect: []string{"update if[ge-0/0/1]/unit[100]/vlan=200"}},
		{name: "delete removes the top-most node once", old: unit, expect: []string{"delete if[ge-0/0/1]"}},
		{name: "delete keeps what another service owns",
			old:    unit,
			others: diff.MapOthers{"if[ge-0/0/1]": {{Service: "b"}}},
			expect: []string{"delete if[ge-0/0/1]/unit[100]"}},
		{name: "delete keeps an ancestor of another's node",
			old:    unit,
			others: diff.MapOthers{"if[ge-0/0/1]/unit[200]": {{Service: "b"}}},
			expect: []string{"delete if[ge-0/0/1]/unit[100]"}},
		{name: "shared node with the same value needs no change",
			want: []string{"policy[gold]", "policy[gold]/then=accept"}, others: diff.MapOthers{"policy[gold]": {{Service: "b"}}, "policy[gold]/then": {{Service: "b", Value: "accept"}}}},
		{name: "conflict names the other service",
			want: []string{"policy[gold]/then=reject"}, others: diff.MapOthers{"policy[gold]/then": {{Service: "b", Value: "accept"}}},
			err: `conflict: pe1 policy[gold]/then: wants "reject" but service b owns it with "accept"`},
		{name: "external node is never deleted",
			old: unit, others: diff.MapOthers{"if[ge-0/0/1]": {{Service: diff.External}}},
			expect: []string{"delete if[ge-0/0/1]/unit[100]"}},
		{name: "external value is taken over with an update",
			want: []string{"if[ge-0/0/1]/mtu=9000"}, others: diff.MapOthers{"if[ge-0/0/1]/mtu": {{Service: diff.External, Value: "1514"}}},
			expect: []string{"update if[ge-0/0/1]/mtu=9000"}},
		{name: "move a unit: delete old, create new",
			old: unit, want: []string{"if[ge-0/0/1]", "if[ge-0/0/1]/unit[200]", "if[ge-0/0/1]/unit[200]/vlan=200"},
			expect: []string{"delete if[ge-0/0/1]/unit[100]", "create if[ge-0/0/1]/unit[200]", "create if[ge-0/0/1]/unit[200]/vlan=200"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var others diff.Others
			if tc.others != nil {
				others = tc.others
			}
			cs, err := diff.Compute("pe1", leaves(t, tc.old...), leaves(t, tc.want...), others)
			if tc.err != "" {
				var ce *diff.ConflictError
				if !errors.As(err, &ce) || err.Error() != tc.err {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := render(cs); strings.Join(got, "\n") != strings.Join(tc.expect, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.expect, "\n"))
			}
		})
	}
}

func BenchmarkCompute(b *testing.B) {
	// A service of about 30 nodes modified: one unit replaced.
	var old, want []string
	for i := 0; i < 10; i++ {
		old = append(old, fmt.Sprintf("if[ge-0/0/%d]", i), fmt.Sprintf("if[ge-0/0/%d]/unit[100]", i), fmt.Sprintf("if[ge-0/0/%d]/unit[100]/vlan=100", i))
		want = append(want, fmt.Sprintf("if[ge-0/0/%d]", i), fmt.Sprintf("if[ge-0/0/%d]/unit[100]", i), fmt.Sprintf("if[ge-0/0/%d]/unit[100]/vlan=%d", i, 100+i%2))
	}
	o, w := leaves(b, old...), leaves(b, want...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := diff.Compute("pe1", o, w, nil); err != nil {
			b.Fatal(err)
		}
	}
}
