package pack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/xprov/xprov/builtins"
	"go.starlark.net/starlark"
)

// ErrUnknownOp is wrapped when Op is asked for an op pack.json does not declare.
var ErrUnknownOp = errors.New("unknown op")

// ErrNoEndpoint is wrapped when Op is asked for an endpoint the service does not have.
var ErrNoEndpoint = errors.New("no such endpoint")

// OpCommand is what one op asks for on one endpoint: the operational command to run on the
// endpoint's device, through the adapter of that device (or of its NMS).
type OpCommand struct {
	Op       string `json:"op"`
	Endpoint int    `json:"endpoint"`
	Device   string `json:"device"`
	Vendor   string `json:"vendor"`
	// Command is the device's own CLI command ("show l2circuit connections ..." on Junos,
	// "show service 1000" on SR OS); "" when the op has nothing to run on this endpoint.
	Command string `json:"command"`
}

// Op runs the op name of ops.star for one endpoint of a service and returns the command to
// run there. The contract of an op, like render's, is pure:
//
//	def name(svc, endpoint) -> str or None
//
// svc and endpoint are exactly what render(svc, endpoint) gets for this service: service.star's
// result for in.Intent, each endpoint completed with index, vendor, address and nms. The
// function returns the command as the device's CLI spells it (None: nothing to run on this
// endpoint). Op does not run it: the caller sends Command to Device's adapter.
//
// in is the service as it stands (its recorded intent, id, inventory). Its Pools may be the
// engine's ordinary view: Op wraps it read-only, so pools.allocate returns the values the
// service holds and fails when it holds none, and claim and release change nothing. An op
// never takes or gives back a value. endpoint indexes the endpoints service() returns.
//
// Errors: ErrUnknownOp, ErrNoEndpoint (wrapped), *ScriptError (with position and backtrace)
// and *ValidationError as for Render.
func (p *Pack) Op(ctx context.Context, name string, in RenderInput, endpoint int) (OpCommand, error) {
	declared := false
	names := make([]string, 0, len(p.Meta.Ops))
	for _, op := range p.Meta.Ops {
		names = append(names, op.Name)
		declared = declared || op.Name == name
	}
	s := p.scripts[FileOps]
	if !declared || s == nil {
		return OpCommand{}, fmt.Errorf("pack %s: op %q (declared: %s): %w", p.Meta.Name, name, orNone(names), ErrUnknownOp)
	}
	if in.Pools != nil {
		in.Pools = readOnlyPools{in.Pools}
	}
	sv, err := p.service(ctx, in)
	if err != nil {
		return OpCommand{}, err
	}
	if endpoint < 0 || endpoint >= len(sv.eps) {
		return OpCommand{}, fmt.Errorf("pack %s: op %s: endpoint %d (the service has %d): %w", p.Meta.Name, name, endpoint, len(sv.eps), ErrNoEndpoint)
	}
	ep := sv.eps[endpoint]
	epV, err := builtins.ToStarlark(ep.Data)
	if err != nil {
		return OpCommand{}, fmt.Errorf("pack %s: op %s: endpoint %d: %w", p.Meta.Name, name, endpoint, err)
	}
	epV.Freeze()
	res, err := p.call(ctx, sv.run(), s, name, sv.svcV, epV)
	if err != nil {
		return OpCommand{}, err
	}
	out := OpCommand{Op: name, Endpoint: endpoint, Device: ep.Device, Vendor: ep.Vendor}
	switch t := res.(type) {
	case starlark.NoneType:
	case starlark.String:
		out.Command = strings.TrimSpace(string(t))
	default:
		return OpCommand{}, &ScriptError{File: FileOps, Msg: fmt.Sprintf("%s() for endpoint %d (%s) must return a command string or None, got %s", name, endpoint, ep.Device, res.Type())}
	}
	return out, nil
}

// Endpoints returns the endpoints service() gives for in, each completed from inventory, the
// way Render and Op see them (for a caller that runs an op on every endpoint). in.Pools is
// used read-only, as for Op.
func (p *Pack) Endpoints(ctx context.Context, in RenderInput) ([]Endpoint, error) {
	if in.Pools != nil {
		in.Pools = readOnlyPools{in.Pools}
	}
	sv, err := p.service(ctx, in)
	if err != nil {
		return nil, err
	}
	return sv.eps, nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// readOnlyPools lets an op see a service's values without changing what it holds.
type readOnlyPools struct{ p builtins.Pools }

// errOpAllocates is the cause when an op's service() needs a value the service does not hold.
var errOpAllocates = errors.New("the service holds no value here and ops do not allocate (render the service first)")

func (r readOnlyPools) Allocate(ctx context.Context, pool, scope, key string, lo, hi int64) (int64, error) {
	v, ok, err := r.p.Lookup(ctx, pool, scope, key)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errOpAllocates
	}
	return v, nil
}

func (r readOnlyPools) Lookup(ctx context.Context, pool, scope, key string) (int64, bool, error) {
	return r.p.Lookup(ctx, pool, scope, key)
}

func (r readOnlyPools) Release(context.Context, string, string, string) error { return nil }

func (r readOnlyPools) Claim(context.Context, string, string, string, int64) error { return nil }
