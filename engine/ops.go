package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/xprov/xprov/builtins"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
)

// OpOutcome is what one op gave on one endpoint of a service.
type OpOutcome struct {
	Endpoint int    `json:"endpoint"`
	Device   string `json:"device"`
	// Command is the command the op asked for ("" when it has nothing to run there).
	Command string `json:"command"`
	Text    string `json:"text,omitempty"`
	XML     string `json:"xml,omitempty"`
	// Error says why this endpoint has no output (the op or the device failed); the other
	// endpoints are run all the same.
	Error string `json:"error,omitempty"`
}

// ServiceOp runs the pack op named op on every endpoint of a service: the pack gives the
// command for each endpoint (from the service's recorded intent, with pools read-only), and
// the command runs on the endpoint's device through its target. One endpoint failing does not
// stop the others; its outcome carries the error.
//
// Errors: ErrNotFound for an unknown service, ErrUnknownType when its pack is not loaded, a
// wrapped pack.ErrUnknownOp for an op the pack does not offer, and the pack's errors when the
// service's endpoints cannot be worked out.
func (e *Engine) ServiceOp(ctx context.Context, serviceID, op string) ([]OpOutcome, error) {
	s, err := e.st.GetService(ctx, serviceID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("engine: service %s: %w", serviceID, ErrNotFound)
		}
		return nil, fmt.Errorf("engine: load service %s: %w", serviceID, err)
	}
	p, ok := e.o.Packs.Pack(s.Type)
	if !ok {
		return nil, fmt.Errorf("engine: %q: %w", s.Type, ErrUnknownType)
	}
	if !hasOp(p.Info(), op) {
		return nil, fmt.Errorf("engine: service %s (%s): op %q: %w", serviceID, s.Type, op, pack.ErrUnknownOp)
	}
	intent, err := decodeIntent(s.Intent)
	if err != nil {
		return nil, err
	}
	in := pack.RenderInput{
		ServiceID: serviceID, Intent: intent, Pools: opPools{st: e.st, service: serviceID}, Inventory: e.inventory(e.st),
		Log: func(level, msg string) {
			e.log.Info("script", "service", serviceID, "op", op, "level", level, "msg", msg)
		},
	}
	eps, err := p.Endpoints(ctx, in)
	if err != nil {
		return nil, err
	}
	out := make([]OpOutcome, 0, len(eps))
	for i, ep := range eps {
		oc := OpOutcome{Endpoint: i, Device: ep.Device}
		cmd, err := p.Op(ctx, op, in, i)
		switch {
		case errors.Is(err, pack.ErrUnknownOp):
			return nil, err
		case err != nil:
			oc.Error = err.Error()
		case cmd.Command != "":
			if cmd.Device != "" {
				oc.Device = cmd.Device
			}
			oc.Command = cmd.Command
			res, err := e.RunOp(ctx, oc.Device, cmd.Command)
			if err != nil {
				oc.Error = err.Error()
			} else {
				oc.Text, oc.XML = res.Text, res.XML
			}
		}
		out = append(out, oc)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

// hasOp reports whether the pack declares op.
func hasOp(info PackInfo, op string) bool {
	for _, o := range info.Ops {
		if o.Name == op {
			return true
		}
	}
	return false
}

// opPools shows an op the values a service holds and nothing more: Allocate only looks up
// (and fails when the service holds no value), Claim and Release change nothing.
type opPools struct {
	st      store.Store
	service string
}

// errOpAllocates is the cause when an op needs a value the service does not hold.
var errOpAllocates = errors.New("the service holds no value here and ops do not allocate")

func (p opPools) Allocate(ctx context.Context, pool, scope, key string, lo, hi int64) (int64, error) {
	v, ok, err := p.Lookup(ctx, pool, scope, key)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("pool %s/%s key %s: %w", pool, scope, key, errOpAllocates)
	}
	return v, nil
}

func (p opPools) Lookup(ctx context.Context, pool, scope, key string) (int64, bool, error) {
	return p.st.Lookup(ctx, pool, scope, p.service, key)
}

func (opPools) Release(context.Context, string, string, string) error { return nil }

func (opPools) Claim(context.Context, string, string, string, int64) error { return nil }

var _ builtins.Pools = opPools{}
