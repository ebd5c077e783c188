package pack

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xprov/xprov/builtins/memory"
	"golang.org/x/tools/txtar"
)

const opsManifest = `{"name": "eline", "version": "1.0.0", "title": "x", "vendors": ["junos", "sros"],
  "pools": {"vc-id": {"type": "int", "start": 1000, "end": 1999}, "vlan": {"type": "int", "start": 100, "end": 199}},
  "ops": [{"name": "show_pw"}, {"name": "nothing"}, {"name": "bad_result"}]}`

const opsScript = `
def show_pw(svc, ep):
    if ep["vendor"] == "junos":
        return "show l2circuit connections interface %s.%d" % (ep["port"], ep["vlan"])
    return "show service %d" % svc["vc_id"]

def nothing(svc, ep):
    return None

def bad_result(svc, ep):
    return ["show", "service"]
`

func TestOp(t *testing.T) {
	fsys := overlay(t, &txtar.Archive{Files: []txtar.File{{Name: "pack.json", Data: []byte(opsManifest)}, {Name: "ops.star", Data: []byte(opsScript)}}})
	p, err := LoadFS(fsys, "eline", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	intent := decode(t, `{"customer": "C1", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3"}]}`)
	rendered := memory.NewPools()
	in := RenderInput{ServiceID: "s", Intent: intent, Pools: rendered.Service("s"), Inventory: memory.Lab()}
	if _, err := p.Render(ctx, in); err != nil {
		t.Fatal(err)
	}
	held := len(rendered.Allocations("s"))
	fresh := in
	fresh.Pools = memory.NewPools().Service("s") // a service that holds nothing

	tests := []struct {
		name     string
		op       string
		in       RenderInput
		endpoint int
		want     OpCommand
		err      string
		is       error
	}{
		{"junos endpoint", "show_pw", in, 0, OpCommand{Op: "show_pw", Endpoint: 0, Device: "pe1", Vendor: "junos", Command: "show l2circuit connections interface ge-0/0/1.100"}, "", nil},
		{"sros endpoint", "show_pw", in, 1, OpCommand{Op: "show_pw", Endpoint: 1, Device: "sr1", Vendor: "sros", Command: "show service 1000"}, "", nil},
		{"None is no command", "nothing", in, 0, OpCommand{Op: "nothing", Endpoint: 0, Device: "pe1", Vendor: "junos"}, "", nil},
		{"unknown op", "reboot", in, 0, OpCommand{}, `pack eline: op "reboot" (declared: show_pw, nothing, bad_result): unknown op`, ErrUnknownOp},
		{"no such endpoint", "show_pw", in, 2, OpCommand{}, "pack eline: op show_pw: endpoint 2 (the service has 2): no such endpoint", ErrNoEndpoint},
		{"not a string", "bad_result", in, 0, OpCommand{}, "ops.star: bad_result() for endpoint 0 (pe1) must return a command string or None, got list", nil},
		{"ops do not allocate", "show_pw", fresh, 0, OpCommand{}, "service.star:7:27: pools.allocate: pool \"vc-id\" (scope \"global\", key \"\"): the service holds no value here and ops do not allocate (render the service first)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Op(ctx, tt.op, tt.in, tt.endpoint)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error %v does not wrap %v", err, tt.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if n := len(rendered.Allocations("s")); n != held {
		t.Errorf("ops changed the service's allocations: %d held, want %d", n, held)
	}
}

func TestOpSignatureChecked(t *testing.T) {
	fsys := overlay(t, &txtar.Archive{Files: []txtar.File{
		{Name: "pack.json", Data: []byte(opsManifest)},
		{Name: "ops.star", Data: []byte(strings.Replace(opsScript, "def nothing(svc, ep):", "def nothing(svc):", 1))},
	}})
	_, err := LoadFS(fsys, "eline", Options{})
	var le *LoadError
	if !errors.As(err, &le) || len(le.Problems) != 1 || le.Problems[0].String() != "ops.star:7:1: nothing must take 2 parameter(s): nothing(svc, endpoint)" {
		t.Fatalf("got %v, want one problem at nothing", err)
	}
}
