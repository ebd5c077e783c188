package config_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
)

func TestParsePathRoundTrip(t *testing.T) {
	for _, s := range []string{
		"interfaces",
		"interfaces/interface[ge-0/0/1]/unit[100]/vlan-id",
		`a[x\]y]/b[back\\slash]`,
		"epipe.Epipe[100]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[1/1/3:100]/innerEncapValue",
		"routing-instances/instance[]/x",
	} {
		p, err := config.ParsePath(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got := p.String(); got != s {
			t.Errorf("round trip %q -> %q", s, got)
		}
	}
	for _, bad := range []string{"/a", "a//b", "a/", "a[x", "a[x]b"} {
		if _, err := config.ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) succeeded", bad)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"a/b[c]/d", `x[\]]`, "epipe.Epipe[1]/p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := config.ParsePath(s)
		if err != nil {
			return
		}
		q, err := config.ParsePath(p.String())
		if err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("%q -> %q -> %v %v", s, p.String(), q, err)
		}
	})
}

func TestFromTreeToTree(t *testing.T) {
	var tree map[string]any
	d := json.NewDecoder(strings.NewReader(`{"interfaces":{"interface":[{"name":"ge-0/0/1","flexible-vlan-tagging":true,
		"unit":[{"name":100,"vlan-id":100,"family":{"inet":{"address":[{"name":"192.0.2.1/30"}]}}}]}]},
		"policy-options":{"community":[{"name":"c1","members":["target:65000:1","target:65000:2"]}]}}`))
	d.UseNumber()
	if err := d.Decode(&tree); err != nil {
		t.Fatal(err)
	}
	ls, err := config.FromTree(tree)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls {
		got = append(got, l.Path.String()+"="+l.Value)
	}
	want := []string{
		"interfaces/interface[ge-0/0/1]=",
		"interfaces/interface[ge-0/0/1]/flexible-vlan-tagging=",
		"interfaces/interface[ge-0/0/1]/unit[100]=",
		"interfaces/interface[ge-0/0/1]/unit[100]/family/inet/address[192.0.2.1/30]=",
		"interfaces/interface[ge-0/0/1]/unit[100]/vlan-id=100",
		"policy-options/community[c1]=",
		"policy-options/community[c1]/members[target:65000:1]=",
		"policy-options/community[c1]/members[target:65000:2]=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	back, err := config.FromTree(config.ToTree(ls))
	if err != nil || !reflect.DeepEqual(back, ls) {
		t.Fatalf("ToTree/FromTree round trip differs: %v", err)
	}
	if _, err := config.FromTree(map[string]any{"x": []any{map[string]any{"nokey": 1}}}); err == nil || !strings.Contains(err.Error(), `x[0]: list entry has no "name"`) {
		t.Fatalf("entry without key: %v", err)
	}
}

func TestObjects(t *testing.T) {
	objs := []config.Object{
		{Class: "epipe.Epipe", Key: "100", Props: map[string]string{"serviceId": "100"}},
		{Class: "epipe.Site", Key: "10.255.2.1", Parent: "epipe.Epipe[100]", Props: map[string]string{"siteId": "10.255.2.1"}},
	}
	ls, err := config.FromObjects(objs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 4 || ls[3].Path.String() != "epipe.Epipe[100]/serviceId" {
		t.Fatalf("leaves: %v", ls)
	}
	back := config.ToObjects(ls)
	if !reflect.DeepEqual(back, objs) {
		t.Fatalf("ToObjects = %+v", back)
	}
}

func TestSortChangesAndInverse(t *testing.T) {
	p := func(s string) config.Path { q, _ := config.ParsePath(s); return q }
	cs := config.ChangeSet{Changes: []config.Change{
		{Op: config.Create, Path: p("a[1]/b")},
		{Op: config.Delete, Path: p("x[1]")},
		{Op: config.Create, Path: p("a[1]")},
		{Op: config.Delete, Path: p("x[1]/y")},
		{Op: config.Create, Path: p("u[10]")},
		{Op: config.Create, Path: p("u[9]")},
	}}
	config.SortChanges(cs.Changes)
	var got []string
	for _, c := range cs.Changes {
		got = append(got, string(c.Op)+" "+c.Path.String())
	}
	want := "delete x[1]/y,delete x[1],create a[1],create a[1]/b,create u[9],create u[10]"
	if strings.Join(got, ",") != want {
		t.Fatalf("order %v", got)
	}
	inv := config.ChangeSet{Changes: []config.Change{{Op: config.Create, Path: p("a"), Value: "1"}, {Op: config.Update, Path: p("b"), Value: "2", Old: "1"}}}.Inverse()
	if inv.Changes[0].Op != config.Delete || inv.Changes[1].Value != "1" {
		t.Fatalf("inverse %+v", inv)
	}
}
