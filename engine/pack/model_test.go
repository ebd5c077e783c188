package pack

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/model"
	"github.com/xprov/xprov/builtins/memory"

	// The Junos device model registers its checker (adapters/model), so renders in these
	// tests are checked as in the server and in pack test (testdata/render/model.txtar).
	_ "github.com/xprov/xprov/adapters/junos/model"
)

// TestModelErrorOrigins: every refused value carries where the scripts produced it (the dict
// entry, through a helper's call, or a comprehension assigned by subscript) and the calls that
// led there.
func TestModelErrorOrigins(t *testing.T) {
	a := mustParse(t, "testdata/render/model.txtar")
	p, err := LoadFS(overlay(t, a), "eline", Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := section(a, "intent.json")
	_, err = p.Render(context.Background(), RenderInput{ServiceID: "svc-test", Intent: decode(t, string(src)), Pools: memory.NewPools().Service("svc-test"), Inventory: memory.Lab()})
	var me *ModelError
	if !errors.As(err, &me) {
		t.Fatalf("render: %v, want a *ModelError", err)
	}
	if me.Device != "pe1" || me.Vendor != "junos" || len(me.Violations) != 2 {
		t.Fatalf("model error %+v", me)
	}
	want := []struct{ path, value, origin, stack string }{
		{"frobnicate", "", "junos.star:8:5", "junos.star:8 render"},
		{"interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "10000", "junos.star:4:33", "junos.star:7 render > junos.star:4 unit"},
	}
	for i, w := range want {
		v := me.Violations[i]
		if v.Path != w.path || v.Value != w.value || v.Origin.String() != w.origin || v.Origin.Stack != w.stack {
			t.Errorf("violation %d: %s at %s (%s), want %s = %q at %s (%s)", i, v.Violation, v.Origin, v.Origin.Stack, w.path, w.value, w.origin, w.stack)
		}
	}
}

// refuse is a device model that refuses one property and one class.
type refuse struct{}

func (refuse) Check(ls []config.Leaf) []model.Violation {
	var out []model.Violation
	for _, l := range ls {
		switch last := l.Path.Last(); {
		case last.Name == "administrativeState" && l.Path.Parent().Last().Name == "vll.L2AccessInterface":
			out = append(out, model.Violation{Path: l.Path.String(), Value: l.Value, ModelPath: "vll.L2AccessInterface.administrativeState", Message: "not a property of vll.L2AccessInterface"})
		case last.Name == "svt.SpokeSdpBinding" && last.IsEntry():
			out = append(out, model.Violation{Path: l.Path.String(), ModelPath: "svt.SpokeSdpBinding", Message: "unknown class"})
		}
	}
	return out
}

// TestModelErrorOriginsOfObjects: for a vendor whose renderer returns objects, a refused
// property is found at its props entry, a refused object at its class.
func TestModelErrorOriginsOfObjects(t *testing.T) {
	prev := model.For("sros")
	model.Register("sros", refuse{})
	t.Cleanup(func() { model.Register("sros", prev) })
	p, err := LoadFS(os.DirFS(exampleDir), "eline", Options{})
	if err != nil {
		t.Fatal(err)
	}
	intent := decode(t, `{"customer": "C1", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3", "vlan": 100}]}`)
	_, err = p.Render(context.Background(), RenderInput{ServiceID: "svc-test", Intent: intent, Pools: memory.NewPools().Service("svc-test"), Inventory: memory.Lab()})
	var me *ModelError
	if !errors.As(err, &me) || me.Vendor != "sros" || len(me.Violations) != 2 {
		t.Fatalf("render: %v, want the sros model's two refusals", err)
	}
	for i, want := range []string{"sros.star:19:10", "sros.star:18:113"} {
		if got := me.Violations[i].Origin.String(); got != want {
			t.Errorf("violation %d (%s) at %s, want %s", i, me.Violations[i].Violation, got, want)
		}
	}
}
