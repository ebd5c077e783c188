package model

import (
	"testing"

	"github.com/xprov/xprov/adapters/config"
)

type refuseAll struct{}

func (refuseAll) Check(ls []config.Leaf) []Violation {
	var out []Violation
	for _, l := range ls {
		out = append(out, Violation{Path: l.Path.String(), Value: l.Value, Message: "refused"})
	}
	return out
}

func TestRegistry(t *testing.T) {
	if For("nothing") != nil {
		t.Fatal("unregistered vendor has a checker")
	}
	Register("test-vendor", refuseAll{})
	defer func() { mu.Lock(); delete(checkers, "test-vendor"); mu.Unlock() }()
	c := For("test-vendor")
	if c == nil {
		t.Fatal("registered checker not found")
	}
	p, _ := config.ParsePath("interfaces/interface[ge-0/0/1]/mtu")
	vs := c.Check([]config.Leaf{{Path: p, Value: "banana"}})
	if len(vs) != 1 || vs[0].String() != `interfaces/interface[ge-0/0/1]/mtu = "banana": refused` {
		t.Fatalf("violations = %v", vs)
	}
	if got := Vendors(); len(got) == 0 {
		t.Fatal("Vendors is empty")
	}
}
