package pack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/model"
	"github.com/xprov/xprov/builtins"
	"go.starlark.net/starlark"
)

// ErrStepLimit is the cause of a ScriptError raised when a script call exceeds its step budget.
var ErrStepLimit = errors.New("step limit exceeded")

// shapes says how each vendor's render result becomes config leaves.
var shapes = map[string]string{
	"junos": "tree",    // a dict in Junos' JSON shape -> config.FromTree
	"sros":  "objects", // a list of {class, key, parent, props} -> config.FromObjects
}

// Render runs the pack's scripts for one validated intent: service(intent) once, then
// render(svc, endpoint) of each endpoint's vendor script, and merges the leaves of endpoints on
// the same device. Errors are *ScriptError (with position and backtrace), *ValidationError
// (fail with a field, a device missing from inventory, a vendor the pack does not support), or
// wrapped I/O errors of Pools/Inventory.
func (p *Pack) Render(ctx context.Context, in RenderInput) (*Rendered, error) {
	var (
		logMu sync.Mutex
		logs  []LogLine
	)
	next := in.Log
	in.Log = func(level, msg string) {
		logMu.Lock()
		logs = append(logs, LogLine{Level: level, Msg: msg})
		logMu.Unlock()
		if next != nil {
			next(level, msg)
		}
	}
	out, err := p.render(ctx, in)
	if out != nil {
		logMu.Lock()
		out.Logs = append([]LogLine(nil), logs...)
		logMu.Unlock()
	}
	return out, err
}

func (p *Pack) render(ctx context.Context, in RenderInput) (*Rendered, error) {
	sv, err := p.service(ctx, in)
	if err != nil {
		return nil, err
	}
	svc, eps, svcV, run := sv.svc, sv.eps, sv.svcV, sv.run

	// 3. render(svc, endpoint) per endpoint; merge per device.
	out := &Rendered{Endpoints: eps, Config: map[string][]config.Leaf{}, Derived: map[string]any{}}
	for k, v := range svc {
		if k != "endpoints" && k != "intent" && k != "service_id" {
			out.Derived[k] = v
		}
	}
	type owner struct {
		value string
		ep    int
	}
	merged := map[string]map[string]owner{}
	type result struct {
		res    starlark.Value
		origin originTable
	}
	results := make([]result, len(eps))
	for i, ep := range eps {
		file := ep.Vendor + ".star"
		epV, err := builtins.ToStarlark(ep.Data)
		if err != nil {
			return nil, fmt.Errorf("pack %s: render: endpoint %d: %w", p.Meta.Name, i, err)
		}
		epV.Freeze()
		var ot originTable
		if model.For(ep.Vendor) != nil {
			ot = originTable{} // a model checks this vendor: record where values come from
		}
		res, err := p.callWith(ctx, run(), p.scripts[file], "render", ot, svcV, epV)
		if err != nil {
			return nil, err
		}
		results[i] = result{res, ot}
		leaves, err := toLeaves(ep.Vendor, res)
		if err != nil {
			return nil, &ScriptError{File: file, Msg: fmt.Sprintf("render() for endpoint %d (%s): %v", i, ep.Device, err)}
		}
		dev := merged[ep.Device]
		if dev == nil {
			dev = map[string]owner{}
			merged[ep.Device] = dev
		}
		for _, l := range leaves {
			k := pathKey(l.Path)
			if prev, ok := dev[k]; ok {
				if prev.value != l.Value {
					return nil, &ScriptError{File: file, Msg: fmt.Sprintf("endpoints %d and %d on %s both set %s: %q vs %q", prev.ep, i, ep.Device, l.Path, prev.value, l.Value)}
				}
				continue
			}
			dev[k] = owner{l.Value, i}
			out.Config[ep.Device] = append(out.Config[ep.Device], l)
		}
	}
	for d := range out.Config {
		config.SortLeaves(out.Config[d])
	}
	// The device models (adapters/model) check each device's rendering; a refusal names the
	// model path, the value and where the pack produced it.
	devices := make([]string, 0, len(out.Config))
	for d := range out.Config {
		devices = append(devices, d)
	}
	sort.Strings(devices)
	for _, d := range devices {
		vendor := ""
		for _, ep := range eps {
			if ep.Device == d {
				vendor = ep.Vendor
				break
			}
		}
		c := model.For(vendor)
		if c == nil {
			continue
		}
		vs := c.Check(out.Config[d])
		if len(vs) == 0 {
			continue
		}
		me := &ModelError{Device: d, Vendor: vendor}
		for _, v := range vs {
			mv := ModelViolation{Violation: v}
			if path, err := config.ParsePath(v.Path); err == nil {
				for i, ep := range eps {
					if ep.Device == d && results[i].res != nil {
						find := originOf
						if shapes[vendor] == "objects" {
							find = originOfObjects
						}
						if o := find(results[i].origin, results[i].res, path); o.File != "" {
							mv.Origin = o
							break
						}
					}
				}
			}
			me.Violations = append(me.Violations, mv)
		}
		return nil, me.scriptError()
	}
	return out, nil
}

// serviced is service()'s outcome: the svc dict (Go and frozen Starlark), its endpoints
// completed from inventory, and the run data the later calls share.
type serviced struct {
	svc  map[string]any
	eps  []Endpoint
	svcV starlark.Value
	run  func() *builtins.Run
}

// service runs service(intent) (or takes the intent's endpoints) and completes the endpoints.
func (p *Pack) service(ctx context.Context, in RenderInput) (*serviced, error) {
	if in.Inventory == nil {
		return nil, fmt.Errorf("pack %s: render: no inventory", p.Meta.Name)
	}
	// Scripts see integral numbers as ints whatever their spelling ("vlan": 1e2 is 100), as
	// the schema did.
	in.Intent = NormalizeNumbers(in.Intent)
	intentV, err := builtins.ToStarlark(in.Intent)
	if err != nil {
		return nil, fmt.Errorf("pack %s: render: intent: %w", p.Meta.Name, err)
	}
	intentV.Freeze()
	// One Run for the whole render: calls are sequential, and its inventory cache is shared.
	rd := &builtins.Run{Ctx: ctx, ServiceID: in.ServiceID, Pools: in.Pools, Inventory: in.Inventory, PoolDefs: p.poolDefs, Log: in.Log}
	run := func() *builtins.Run { return rd }

	// 1. service(intent), or the intent's endpoints.
	var svc map[string]any
	if s := p.scripts[FileService]; s != nil {
		res, err := p.call(ctx, run(), s, "service", intentV)
		if err != nil {
			return nil, err
		}
		v, err := builtins.FromStarlark(res)
		if err != nil {
			return nil, &ScriptError{File: FileService, Msg: "service() result: " + err.Error()}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &ScriptError{File: FileService, Msg: fmt.Sprintf("service() must return a dict, got %s", res.Type())}
		}
		svc = m
	} else {
		svc = map[string]any{"endpoints": pointerGet(in.Intent, p.endpointsField())}
	}
	if _, ok := svc["intent"]; !ok {
		svc["intent"] = in.Intent
	}
	if _, ok := svc["service_id"]; !ok {
		svc["service_id"] = in.ServiceID
	}

	// 2. The endpoints, each on a device of a vendor the pack supports.
	eps, err := p.endpoints(ctx, in, svc)
	if err != nil {
		return nil, err
	}
	epList := make([]any, len(eps))
	for i, ep := range eps {
		epList[i] = ep.Data
	}
	svc["endpoints"] = epList
	svcV, err := builtins.ToStarlark(svc)
	if err != nil {
		return nil, fmt.Errorf("pack %s: render: svc: %w", p.Meta.Name, err)
	}
	svcV.Freeze()

	return &serviced{svc: svc, eps: eps, svcV: svcV, run: run}, nil
}

// endpoints checks service()'s endpoints and completes each with its device's vendor,
// address and NMS from inventory.
func (p *Pack) endpoints(ctx context.Context, in RenderInput, svc map[string]any) ([]Endpoint, error) {
	file := FileService
	if p.scripts[FileService] == nil {
		file = FileManifest
	}
	raw, ok := svc["endpoints"].([]any)
	if !ok {
		if p.scripts[FileService] == nil {
			return nil, &ValidationError{Fields: []FieldError{{Pointer: p.endpointsField(), Message: "no list of endpoints here"}}}
		}
		return nil, &ScriptError{File: file, Msg: `service() must return a dict with "endpoints": a list of dicts, each with a "device"`}
	}
	intentEps, _ := pointerGet(in.Intent, p.endpointsField()).([]any)
	eps := make([]Endpoint, 0, len(raw))
	var fields []FieldError
	for i, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, &ScriptError{File: file, Msg: fmt.Sprintf("endpoint %d is not a dict", i)}
		}
		name, ok := m["device"].(string)
		if !ok || name == "" {
			return nil, &ScriptError{File: file, Msg: fmt.Sprintf("endpoint %d has no \"device\" string", i)}
		}
		// Point an inventory problem at the intent's field when the endpoint came from it.
		ptr := ""
		if i < len(intentEps) {
			if im, ok := intentEps[i].(map[string]any); ok && im["device"] == name {
				ptr = p.endpointsField() + "/" + strconv.Itoa(i) + "/device"
			}
		}
		d, found, err := in.Inventory.Device(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("pack %s: render: inventory %s: %w", p.Meta.Name, name, err)
		}
		var msg string
		switch {
		case !found:
			msg = fmt.Sprintf("device %q is not in inventory", name)
		case p.scripts[d.Vendor+".star"] == nil || !p.supports(d.Vendor):
			msg = fmt.Sprintf("device %q is %s; pack %s supports %s", name, vendorOrUnknown(d.Vendor), p.Meta.Name, strings.Join(p.Meta.Vendors, ", "))
		}
		if msg != "" {
			if ptr == "" {
				return nil, &ScriptError{File: file, Msg: fmt.Sprintf("endpoint %d: %s", i, msg)}
			}
			fields = append(fields, FieldError{Pointer: ptr, Message: msg})
			continue
		}
		data := make(map[string]any, len(m)+4)
		for k, v := range m {
			data[k] = v
		}
		setDefault(data, "index", int64(i))
		setDefault(data, "vendor", d.Vendor)
		setDefault(data, "address", d.Address)
		setDefault(data, "nms", d.NMS)
		eps = append(eps, Endpoint{Index: i, Device: name, Vendor: d.Vendor, Data: data})
	}
	if len(fields) > 0 {
		return nil, &ValidationError{Fields: fields}
	}
	return eps, nil
}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func vendorOrUnknown(v string) string {
	if v == "" {
		return "of unknown vendor"
	}
	return "a " + v + " device"
}

func (p *Pack) supports(vendor string) bool {
	for _, v := range p.Meta.Vendors {
		if v == vendor {
			return true
		}
	}
	return false
}

// toLeaves converts one render() result into config leaves by the vendor's shape.
func toLeaves(vendor string, res starlark.Value) ([]config.Leaf, error) {
	if res == starlark.None {
		return nil, nil
	}
	v, err := builtins.FromStarlark(res)
	if err != nil {
		return nil, err
	}
	switch shapes[vendor] {
	case "tree":
		if _, ok := v.(map[string]any); !ok {
			return nil, fmt.Errorf("must return a dict in Junos JSON shape (or None), got %s", res.Type())
		}
		return config.FromTree(v)
	case "objects":
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("must return a list of objects {class, key, parent, props} (or None), got %s", res.Type())
		}
		objs := make([]config.Object, 0, len(list))
		for i, e := range list {
			o, err := toObject(e)
			if err != nil {
				return nil, fmt.Errorf("object %d: %w", i, err)
			}
			objs = append(objs, o)
		}
		return config.FromObjects(objs)
	}
	return nil, fmt.Errorf("no output shape for vendor %q", vendor)
}

func toObject(e any) (config.Object, error) {
	m, ok := e.(map[string]any)
	if !ok {
		return config.Object{}, errors.New("not a dict")
	}
	for k := range m {
		switch k {
		case "class", "key", "parent", "props":
		default:
			return config.Object{}, fmt.Errorf("unknown member %q (want class, key, parent, props)", k)
		}
	}
	var o config.Object
	var err error
	if o.Class, err = scalarString(m["class"]); err != nil || o.Class == "" {
		return o, errors.New(`"class" must be a non-empty string`)
	}
	if o.Key, err = scalarString(m["key"]); err != nil {
		return o, fmt.Errorf(`"key": %w`, err)
	}
	if m["parent"] != nil {
		if o.Parent, err = scalarString(m["parent"]); err != nil {
			return o, fmt.Errorf(`"parent": %w`, err)
		}
	}
	if m["props"] != nil {
		props, ok := m["props"].(map[string]any)
		if !ok {
			return o, errors.New(`"props" must be a dict`)
		}
		o.Props = make(map[string]string, len(props))
		names := make([]string, 0, len(props))
		for k := range props {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if props[k] == nil {
				continue // None: property not set
			}
			s, err := scalarString(props[k])
			if err != nil {
				return o, fmt.Errorf("props[%q]: %w", k, err)
			}
			o.Props[k] = s
		}
	}
	return o, nil
}

func scalarString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case bool:
		return strconv.FormatBool(t), nil
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64), nil
	case fmt.Stringer:
		return t.String(), nil
	case nil:
		return "", errors.New("missing")
	}
	return "", fmt.Errorf("a %T is not a scalar", v)
}

// call runs fn of script s on a fresh thread: step limit set before it starts, cancelled when
// ctx ends, run data attached as a thread-local.
func (p *Pack) call(ctx context.Context, run *builtins.Run, s *script, fn string, args ...starlark.Value) (starlark.Value, error) {
	return p.callWith(ctx, run, s, fn, nil, args...)
}

// callWith is call with an origin table the script's dicts record into (nil: none).
func (p *Pack) callWith(ctx context.Context, run *builtins.Run, s *script, fn string, ot originTable, args ...starlark.Value) (starlark.Value, error) {
	if err := ctx.Err(); err != nil {
		return nil, &ScriptError{File: s.file, Msg: fmt.Sprintf("%s() not started: %v", fn, err), Err: err}
	}
	f := s.globals[fn]
	thread := &starlark.Thread{Name: p.Meta.Name + "/" + s.file + ":" + fn}
	max := p.opts.maxSteps()
	thread.SetMaxExecutionSteps(max)
	stepped := false
	thread.OnMaxSteps = func(th *starlark.Thread) {
		stepped = true
		th.Cancel(fmt.Sprintf("too many steps (limit %d)", max))
	}
	run.Attach(thread)
	if ot != nil {
		thread.SetLocal(originKey, ot)
	}
	stop := context.AfterFunc(ctx, func() { thread.Cancel(context.Cause(ctx).Error()) })
	defer stop()
	res, err := starlark.Call(thread, f, args, nil)
	if err != nil {
		return nil, scriptError(ctx, s.file, err, stepped)
	}
	return res, nil
}

// scriptError classifies an error of a script call: fail(field=...) is a *ValidationError,
// everything else a *ScriptError keeping the position and backtrace.
func scriptError(ctx context.Context, file string, err error, stepped bool) error {
	var fe *builtins.FailError
	if errors.As(err, &fe) && fe.Field != "" {
		return &ValidationError{Fields: []FieldError{{Pointer: fe.Field, Message: fe.Msg}}}
	}
	se := &ScriptError{File: file, Msg: err.Error(), Err: errors.Unwrap(err)}
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		se.Msg = ee.Msg
		se.Backtrace = ee.Backtrace()
		if pos, ok := innermost(ee.CallStack); ok {
			se.File, se.Line, se.Col = pos.Filename(), int(pos.Line), int(pos.Col)
		}
	}
	switch {
	case stepped:
		se.Err = ErrStepLimit
	case ctx.Err() != nil:
		se.Err = ctx.Err()
	}
	return se
}

// pathKey is a map key for a path: unambiguous and cheaper than Path.String, which escapes.
func pathKey(p config.Path) string {
	n := 0
	for _, s := range p {
		n += len(s.Name) + len(s.Key) + 3
	}
	b := make([]byte, 0, n)
	for _, s := range p {
		b = append(b, s.Name...)
		if s.IsEntry() {
			b = append(b, 0)
			b = append(b, s.Key...)
		}
		b = append(b, 1)
	}
	return string(b)
}
