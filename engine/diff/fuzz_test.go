package diff_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/diff"
)

// fuzzLeaves reads "path=value" lines, skipping lines whose path does not parse; a path given
// twice keeps its last value (as Compute does).
func fuzzLeaves(spec string) (map[string]config.Leaf, []config.Leaf) {
	m := map[string]config.Leaf{}
	var order []string
	for line := range strings.SplitSeq(spec, "\n") {
		ps, v, _ := strings.Cut(line, "=")
		p, err := config.ParsePath(ps)
		if err != nil || len(p) == 0 {
			continue
		}
		k := p.String()
		if _, ok := m[k]; !ok {
			order = append(order, k)
		}
		m[k] = config.Leaf{Path: p, Value: v}
	}
	out := make([]config.Leaf, 0, len(order))
	for _, k := range order {
		out = append(out, m[k])
	}
	return m, out
}

// below reports whether p is strictly below q.
func below(p, q config.Path) bool { return len(p) > len(q) && p.HasPrefix(q) }

// FuzzCompute checks diff.Compute on arbitrary leaves. Alone on a target (no other owners),
// applying the change set in order to what the service owned gives exactly what it wants, plus
// the unwanted nodes that keep wanted ones below them; every change is valid where it is
// applied. With other owners (lines "path=service:value"), nothing another owner holds (or
// holds something below) is deleted, and a refusal is a *ConflictError at wanted paths.
func FuzzCompute(f *testing.F) {
	unit := "if[ge-0/0/1]\nif[ge-0/0/1]/unit[100]\nif[ge-0/0/1]/unit[100]/vlan=100"
	f.Add(unit, "", "")
	f.Add("", unit, "")
	f.Add(unit, "if[ge-0/0/1]\nif[ge-0/0/1]/unit[101]\nif[ge-0/0/1]/unit[101]/vlan=101", "")
	f.Add(unit, "if[ge-0/0/1]/unit[100]/vlan=200", "")
	f.Add(unit, "", "if[ge-0/0/1]=svc-b:\nif[ge-0/0/2]/unit[5]=svc-c:")
	f.Add("a/b=1", "a/b=2", "a/b=svc-b:1")
	f.Add("a/b=1", "a/b=2", "a/b=~device:1")
	f.Add(`x[\]]/y=1`+"\n"+`x[\]]=`, "", "")
	f.Fuzz(func(t *testing.T, oldSpec, wantSpec, othersSpec string) {
		oldM, old := fuzzLeaves(oldSpec)
		wantM, want := fuzzLeaves(wantSpec)
		others := diff.MapOthers{}
		for line := range strings.SplitSeq(othersSpec, "\n") {
			ps, rest, _ := strings.Cut(line, "=")
			svc, v, _ := strings.Cut(rest, ":")
			p, err := config.ParsePath(ps)
			if err != nil || len(p) == 0 || svc == "" {
				continue
			}
			others[p.String()] = append(others[p.String()], diff.Owner{Service: svc, Value: v})
		}

		cs, err := diff.Compute("t", old, want, others)
		again, err2 := diff.Compute("t", old, want, others)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(cs, again) {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			var ce *diff.ConflictError
			if !errors.As(err, &ce) || len(ce.Conflicts) == 0 {
				t.Fatalf("error %v is not a conflict", err)
			}
			for _, c := range ce.Conflicts {
				if _, ok := wantM[c.Path]; !ok || c.Owner == diff.External {
					t.Fatalf("conflict %+v is not at a wanted path held by a service", c)
				}
			}
			return
		}
		if len(othersSpec) > 0 && len(others) > 0 {
			for _, c := range cs.Changes {
				if c.Op != config.Delete {
					continue
				}
				k := c.Path.String()
				if len(others[k]) > 0 || others.HasDescendants(k) {
					t.Fatalf("deletes %s, which another owner holds (or holds below)", k)
				}
				if _, ok := oldM[k]; !ok {
					t.Fatalf("deletes %s, which the service did not own", k)
				}
			}
			return
		}

		// Alone: apply in order to what the service owned.
		dev := map[string]config.Leaf{}
		for k, l := range oldM {
			dev[k] = l
		}
		for _, c := range cs.Changes {
			k := c.Path.String()
			cur, has := dev[k]
			switch c.Op {
			case config.Create:
				if has {
					t.Fatalf("creates %s, which exists", k)
				}
				dev[k] = config.Leaf{Path: c.Path, Value: c.Value}
			case config.Update:
				if !has || cur.Value != c.Old {
					t.Fatalf("updates %s from %q, device has %q (present %v)", k, c.Old, cur.Value, has)
				}
				dev[k] = config.Leaf{Path: c.Path, Value: c.Value}
			case config.Delete:
				if !has {
					t.Fatalf("deletes %s, which is not there", k)
				}
				for dk, l := range dev {
					if dk == k || below(l.Path, c.Path) {
						delete(dev, dk)
					}
				}
			default:
				t.Fatalf("unknown op %q", c.Op)
			}
		}
		expect := map[string]string{}
		for k, l := range wantM {
			expect[k] = l.Value
		}
		for k, l := range oldM {
			if _, ok := wantM[k]; ok {
				continue
			}
			for _, w := range wantM {
				if below(w.Path, l.Path) {
					expect[k] = l.Value // kept: something wanted lives below it
					break
				}
			}
		}
		got := map[string]string{}
		for k, l := range dev {
			got[k] = l.Value
		}
		if !reflect.DeepEqual(got, expect) {
			t.Fatalf("old %v\nwant %v\nchanges %v\ndevice %v\nexpected %v", oldSpec, wantSpec, render(cs), got, expect)
		}
	})
}
