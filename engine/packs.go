package engine

import (
	"context"

	"github.com/xprov/xprov/engine/pack"
)

// RegistryPacks adapts a pack.Registry to the Packs the engine needs. Packs reload at
// runtime; each lookup sees the registry's current set.
func RegistryPacks(r *pack.Registry) Packs { return registryPacks{r} }

type registryPacks struct{ r *pack.Registry }

func (rp registryPacks) Pack(name string) (Pack, bool) {
	p, ok := rp.r.Get(name)
	if !ok {
		return nil, false
	}
	return loadedPack{p}, true
}

func (rp registryPacks) List() []Pack {
	ps := rp.r.Packs()
	out := make([]Pack, len(ps))
	for i, p := range ps {
		out[i] = loadedPack{p}
	}
	return out
}

// loadedPack adapts a *pack.Pack.
type loadedPack struct{ p *pack.Pack }

func (l loadedPack) Info() PackInfo {
	m := l.p.Meta
	return PackInfo{Name: m.Name, Version: l.p.Version, Title: m.Title, Description: m.Description, Vendors: m.Vendors,
		Ops: m.Ops, Schema: l.p.Schema, Form: l.p.Form, CustomerField: m.CustomerField}
}

func (l loadedPack) Validate(intent any) error { return l.p.Validate(intent) }

func (l loadedPack) Render(ctx context.Context, in pack.RenderInput) (*pack.Rendered, error) {
	return l.p.Render(ctx, in)
}

func (l loadedPack) Op(ctx context.Context, name string, in pack.RenderInput, endpoint int) (pack.OpCommand, error) {
	return l.p.Op(ctx, name, in, endpoint)
}

func (l loadedPack) Endpoints(ctx context.Context, in pack.RenderInput) ([]pack.Endpoint, error) {
	return l.p.Endpoints(ctx, in)
}
