package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/pack"
)

// opPack is fakePack with two ops: show_config asks every endpoint for "show configuration";
// mixed asks the SR OS endpoints for a command the memory adapter refuses.
type opPack struct{ fakePack }

func (p opPack) Info() engine.PackInfo {
	info := p.fakePack.Info()
	info.Ops = []pack.OpSpec{{Name: "show_config"}, {Name: "mixed"}}
	return info
}

func (p opPack) Op(ctx context.Context, name string, in pack.RenderInput, endpoint int) (pack.OpCommand, error) {
	eps, err := p.Endpoints(ctx, in)
	if err != nil {
		return pack.OpCommand{}, err
	}
	ep := eps[endpoint]
	out := pack.OpCommand{Op: name, Endpoint: endpoint, Device: ep.Device, Vendor: ep.Vendor, Command: "show configuration"}
	switch name {
	case "show_config":
	case "mixed":
		if ep.Vendor == "sros" {
			out.Command = "show nonsense"
		}
	default:
		return pack.OpCommand{}, fmt.Errorf("op %q: %w", name, pack.ErrUnknownOp)
	}
	return out, nil
}

type opPacks struct{}

func (opPacks) Pack(name string) (engine.Pack, bool) {
	if name == "fake" {
		return opPack{}, true
	}
	return nil, false
}
func (opPacks) List() []engine.Pack { return []engine.Pack{opPack{}} }

func TestServiceOp(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.mustSucceed(t, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: "s1", Intent: intent(100, "gold", "pe1:ge-0/0/1", "sr1:1/1/1"), User: "alice"})
	held, err := b.st.Allocations(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Options{Store: b.st, Packs: opPacks{}, Targets: []adapters.Target{b.pe1, b.sam1}})
	if err != nil {
		t.Fatal(err)
	}

	res, err := e.ServiceOp(ctx, "s1", "show_config")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("outcomes = %+v", res)
	}
	for i, want := range []string{"pe1", "sr1"} {
		o := res[i]
		if o.Endpoint != i || o.Device != want || o.Command != "show configuration" || o.Error != "" ||
			!strings.Contains(o.Text, "# running configuration of "+want) {
			t.Errorf("outcome %d = %+v", i, o)
		}
	}
	if !strings.Contains(res[0].Text, "ge-0/0/1") {
		t.Errorf("pe1 output lacks the service's interface: %s", res[0].Text)
	}

	// One endpoint failing does not stop the others.
	res, err = e.ServiceOp(ctx, "s1", "mixed")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Error != "" || res[0].Text == "" || res[1].Error == "" || res[1].Command != "show nonsense" {
		t.Fatalf("mixed outcomes = %+v", res)
	}

	if _, err := e.ServiceOp(ctx, "s1", "nope"); !errors.Is(err, pack.ErrUnknownOp) {
		t.Errorf("unknown op: %v", err)
	}
	if _, err := e.ServiceOp(ctx, "missing", "show_config"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("unknown service: %v", err)
	}
	// The op-less fake pack refuses every op.
	if _, err := b.e.ServiceOp(ctx, "s1", "show_config"); !errors.Is(err, pack.ErrUnknownOp) {
		t.Errorf("op-less pack: %v", err)
	}

	// Ops take and give back nothing.
	after, err := b.st.Allocations(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after) != fmt.Sprint(held) {
		t.Errorf("allocations changed: %v -> %v", held, after)
	}
}
