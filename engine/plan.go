package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/memory"
	"github.com/xprov/xprov/builtins"
	"github.com/xprov/xprov/engine/diff"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
)

// computed is everything a request resolves to before anything touches a device.
type computed struct {
	req     Request
	pack    Pack
	exists  bool
	base    store.Service // the service as stored (zero for a new one)
	next    store.Service // the row to record on success
	plan    *Plan
	old     map[string][]config.Leaf // what the service owned, per target
	want    map[string][]config.Leaf // what it wants now, per target
	extern  map[string][]config.Leaf // pre-existing nodes found on targets, per target
	pools   *runPools
	release []store.Allocation
}

// state is the part of a computation the journal keeps, so recovery can finish or revert.
type journalPlan struct {
	Service  store.Service      `json:"service"`
	Exists   bool               `json:"exists"`
	BaseVer  int64              `json:"base_version"`
	Old      journalLeaves      `json:"old"`
	Want     journalLeaves      `json:"want"`
	External journalLeaves      `json:"external,omitempty"`
	Release  []store.Allocation `json:"release,omitempty"`
	Hash     string             `json:"hash"`
	Delete   bool               `json:"delete"`
	Prior    string             `json:"prior_state"`
}

// journalLeaves is a service's configuration per target as the journal keeps it: each leaf
// as ["path"] or ["path", "value"], the path in its string form. Spelled out as segment
// objects (config.Leaf's own JSON) a journal entry was five times larger, and journaling was
// an eighth of the server's time. Entries journaled in that older form still decode.
type journalLeaves map[string][]config.Leaf

// MarshalJSON writes the compact form.
func (j journalLeaves) MarshalJSON() ([]byte, error) {
	out := make(map[string][][]string, len(j))
	for t, ls := range j {
		xs := make([][]string, len(ls))
		for i, l := range ls {
			if l.Value == "" {
				xs[i] = []string{l.Path.String()}
			} else {
				xs[i] = []string{l.Path.String(), l.Value}
			}
		}
		out[t] = xs
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the compact form, or the older one (config.Leaf objects).
func (j *journalLeaves) UnmarshalJSON(b []byte) error {
	var raw map[string][]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("journal leaves: %w", err)
	}
	out := make(journalLeaves, len(raw))
	for t, xs := range raw {
		ls := make([]config.Leaf, 0, len(xs))
		for _, x := range xs {
			var l config.Leaf
			if len(x) > 0 && x[0] == '{' {
				if err := json.Unmarshal(x, &l); err != nil {
					return fmt.Errorf("journal leaves on %s: %w", t, err)
				}
			} else {
				var pv []string
				if err := json.Unmarshal(x, &pv); err != nil || len(pv) == 0 || len(pv) > 2 {
					return fmt.Errorf("journal leaves on %s: bad leaf %s", t, x)
				}
				p, err := config.ParsePath(pv[0])
				if err != nil {
					return fmt.Errorf("journal leaves on %s: %w", t, err)
				}
				l.Path = p
				if len(pv) == 2 {
					l.Value = pv[1]
				}
			}
			ls = append(ls, l)
		}
		out[t] = ls
	}
	*j = out
	return nil
}

// Plan computes what req would do (a dry-run) and saves the plan so it can be applied later.
// Nothing is allocated and no device is changed. The plan is computed the way the request
// path computes it (planBatch with one request), and it keeps the values the devices hold at
// every path it changes, so that applying it later is refused when a device moved.
func (e *Engine) Plan(ctx context.Context, req Request) (*Plan, error) {
	if err := e.checkWritable(); err != nil {
		return nil, err
	}
	pb, err := e.planBatch(ctx, []*job{{req: req}}, "", true)
	if err != nil {
		return nil, err
	}
	if err := pb.failed[0]; err != nil {
		return nil, err
	}
	c := pb.computed[0]
	expectations(c, pb.read)
	c.plan.ID = newID("plan-")
	body, err := json.Marshal(c.plan)
	if err != nil {
		return nil, fmt.Errorf("engine: encode plan: %w", err)
	}
	if err := e.st.SavePlan(ctx, store.Plan{ID: c.plan.ID, Service: c.plan.Service, Kind: string(req.Op), Hash: c.plan.Hash,
		BaseVersion: c.plan.BaseVersion, Body: body, User: req.User, Created: time.Now().UTC()}); err != nil {
		return nil, fmt.Errorf("engine: save plan: %w", err)
	}
	return c.plan, nil
}

// GetPlan returns a saved plan.
func (e *Engine) GetPlan(ctx context.Context, id string) (*Plan, error) {
	sp, err := e.st.GetPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(sp.Body, &p); err != nil {
		return nil, fmt.Errorf("engine: decode plan %s: %w", id, err)
	}
	return &p, nil
}

// computeOpts say where a computation runs.
type computeOpts struct {
	// run takes the allocations (when the batch reserves them).
	run string
	// batch holds the requests planned before this one in the same batch (owners, pool
	// values) and the pre-existing nodes found on the targets.
	batch *batch
	// offline reads no device (admission): a re-deploy diffs against what the service owns.
	offline bool
	// st, when set, is the store view the computation reads (a snapshot shared by a batch).
	st store.Store
}

// store is the store the computation reads.
func (o computeOpts) store(e *Engine) store.Store {
	if o.st != nil {
		return o.st
	}
	return e.st
}

// compute resolves a request into a plan. Pools are only peeked: the batch reserves the values
// in one store transaction once every request of it is planned.
func (e *Engine) compute(ctx context.Context, req Request, o computeOpts) (*computed, error) {
	runID, b := o.run, o.batch
	st := o.store(e)
	c := &computed{req: req, old: map[string][]config.Leaf{}, want: map[string][]config.Leaf{}, extern: map[string][]config.Leaf{}}
	switch req.Op {
	case OpCreate, OpModify, OpDelete, OpRedeploy:
	default:
		return nil, fmt.Errorf("engine: unknown op %q: %w", req.Op, ErrBadRequest)
	}
	if req.Op == OpCreate && req.ServiceID != "" {
		// A chosen id must be one the API can address again (a path segment, no aliasing).
		if err := CheckServiceID(req.ServiceID); err != nil {
			return nil, err
		}
	}
	if req.ServiceID != "" {
		s, err := st.GetService(ctx, req.ServiceID)
		switch {
		case err == nil:
			c.exists, c.base = true, s
		case errors.Is(err, store.ErrNotFound):
		default:
			return nil, fmt.Errorf("engine: load service %s: %w", req.ServiceID, err)
		}
	}
	if req.Op == OpCreate {
		if req.Type == "" {
			return nil, fmt.Errorf("engine: create needs a service type: %w", ErrBadRequest)
		}
		// A create may go over a failed create (a retry).
		if c.exists && c.base.State != store.StateFailed {
			return nil, fmt.Errorf("engine: service %s: %w", req.ServiceID, ErrExists)
		}
		if c.exists && c.base.Type != req.Type {
			return nil, fmt.Errorf("engine: service %s exists with type %s: %w", req.ServiceID, c.base.Type, ErrExists)
		}
		if req.ServiceID == "" {
			req.ServiceID = newID(req.Type + "-")
			c.req.ServiceID = req.ServiceID
		}
	} else {
		if req.ServiceID == "" {
			return nil, fmt.Errorf("engine: %s needs a service id: %w", req.Op, ErrBadRequest)
		}
		if !c.exists {
			return nil, fmt.Errorf("engine: service %s: %w", req.ServiceID, ErrNotFound)
		}
	}
	if (req.BaseVersion != 0 || req.MatchVersion) && c.exists && req.BaseVersion != c.base.Version {
		return nil, fmt.Errorf("engine: service %s is at version %d, request based on %d: %w", req.ServiceID, c.base.Version, req.BaseVersion, ErrStale)
	}
	typ := req.Type
	if c.exists {
		typ = c.base.Type
	}
	p, ok := e.o.Packs.Pack(typ)
	if !ok {
		return nil, fmt.Errorf("engine: %q: %w", typ, ErrUnknownType)
	}
	c.pack = p
	info := p.Info()

	raw := req.Intent
	if req.Op == OpDelete || req.Op == OpRedeploy || (req.Op == OpModify && len(raw) == 0) {
		raw = c.base.Intent
	}
	c.pools = &runPools{st: st, service: req.ServiceID, run: runID, peek: true, batch: b, touched: map[string]store.Allocation{}}

	var rendered *pack.Rendered
	var endpoints []store.EndpointRef
	if req.Op != OpDelete {
		intent, err := decodeIntent(raw)
		if err != nil {
			return nil, err
		}
		if err := p.Validate(intent); err != nil {
			return nil, err
		}
		rendered, err = p.Render(ctx, pack.RenderInput{
			ServiceID: req.ServiceID, Intent: intent, Pools: c.pools, Inventory: e.inventory(st),
			Log: func(level, msg string) { e.log.Info("script", "service", req.ServiceID, "level", level, "msg", msg) },
		})
		if err != nil {
			return nil, err
		}
		for dev, leaves := range rendered.Config {
			t, err := e.targetOf(ctx, st, dev)
			if err != nil {
				return nil, err
			}
			if prev := c.want[t]; prev != nil {
				merged, err := mergeLeaves(t, prev, leaves)
				if err != nil {
					return nil, err
				}
				c.want[t] = merged
			} else {
				c.want[t] = leaves
			}
		}
		for _, ep := range rendered.Endpoints {
			ref := store.EndpointRef{Device: ep.Device}
			for _, k := range []string{"port", "interface"} {
				if s, ok := ep.Data[k].(string); ok {
					ref.Port = s
					break
				}
			}
			endpoints = append(endpoints, ref)
		}
	}

	owned, err := st.Owned(ctx, req.ServiceID)
	if err != nil {
		return nil, fmt.Errorf("engine: owned config of %s: %w", req.ServiceID, err)
	}
	for _, o := range owned {
		p, err := config.ParsePath(o.Path)
		if err != nil {
			return nil, fmt.Errorf("engine: stored path of %s on %s: %w", req.ServiceID, o.Target, err)
		}
		c.old[o.Target] = append(c.old[o.Target], config.Leaf{Path: p, Value: o.Value})
	}

	targets := map[string]bool{}
	for t := range c.old {
		targets[t] = true
	}
	for t := range c.want {
		targets[t] = true
	}
	names := make([]string, 0, len(targets))
	for t := range targets {
		names = append(names, t)
	}
	sort.Strings(names)

	plan := &Plan{Service: req.ServiceID, Type: typ, Op: req.Op, BaseVersion: c.base.Version, PackVersion: info.Version, Request: req}
	if rendered != nil {
		plan.Endpoints = rendered.Endpoints
	}
	for _, t := range names {
		base := c.old[t]
		if req.Op == OpRedeploy && !o.offline {
			// Re-deploy repairs drift: diff against what the device really holds.
			actual, err := e.fetchActual(ctx, t, c.old[t], c.want[t])
			if err != nil {
				return nil, err
			}
			base = actual
		}
		cs, err := e.diffTarget(ctx, st, t, req.ServiceID, base, c.want[t], b.on(t))
		if err != nil {
			return nil, err
		}
		if ext := b.externalIn(t, c.want[t]); len(ext) > 0 {
			c.extern[t] = ext
		}
		tp := TargetPlan{Target: t, ChangeSet: cs, Devices: e.devicesOn(st, rendered, t)}
		tp.Rendering = e.render(t, cs)
		plan.Targets = append(plan.Targets, tp)
	}
	plan.Allocations = c.pools.planned()
	if c.exists {
		// Allocations this render no longer uses are given back when the run records.
		held, err := st.Allocations(ctx, req.ServiceID)
		if err != nil {
			return nil, fmt.Errorf("engine: allocations of %s: %w", req.ServiceID, err)
		}
		for _, a := range held {
			if _, used := c.pools.touched[allocKey(a.Pool, a.Scope, a.Key)]; !used && req.Op != OpDelete {
				c.release = append(c.release, a)
			}
		}
	}
	plan.Hash = hashPlan(plan)
	c.plan = plan

	c.next = store.Service{ID: req.ServiceID, Type: typ, Intent: raw, PackVersion: info.Version, Endpoints: endpoints,
		Created: c.base.Created, Updated: time.Now().UTC(), State: store.StateActive}
	if c.next.Created.IsZero() {
		c.next.Created = c.next.Updated
	}
	if req.Op != OpDelete {
		intent, _ := decodeIntent(raw)
		c.next.Customer = customerOf(intent, info.CustomerField)
	} else {
		c.next.Customer = c.base.Customer
	}
	return c, nil
}

// diffTarget diffs one target, respecting other owners: the store's, and extra (the requests
// planned before this one in its batch, the pre-existing nodes the batch found on the device,
// or a journaled run's external nodes), which are consulted in place rather than copied.
func (e *Engine) diffTarget(ctx context.Context, st store.Store, t, service string, old, want []config.Leaf, bv ownView) (config.ChangeSet, error) {
	paths := make([]string, 0, len(old)+len(want))
	seen := map[string]bool{}
	for _, ls := range [][]config.Leaf{old, want} {
		for _, l := range ls {
			k := l.Path.String()
			if !seen[k] {
				seen[k] = true
				paths = append(paths, k)
			}
		}
	}
	// Services planned earlier in the batch own what they want now (bv.owners), not what the
	// store still records for them.
	exclude := make([]string, 0, 1+len(bv.replaced))
	exclude = append(exclude, service)
	for svc := range bv.replaced {
		exclude = append(exclude, svc)
	}
	owners, err := st.Owners(ctx, t, paths, exclude...)
	if err != nil {
		return config.ChangeSet{}, fmt.Errorf("engine: owners on %s: %w", t, err)
	}
	var delCands []string
	wantSet := map[string]bool{}
	for _, l := range want {
		wantSet[l.Path.String()] = true
	}
	for _, l := range old {
		if k := l.Path.String(); !wantSet[k] {
			delCands = append(delCands, k)
		}
	}
	below := map[string]bool{}
	if len(delCands) > 0 {
		counts, err := st.OwnedBelow(ctx, t, delCands, service)
		if err != nil {
			return config.ChangeSet{}, fmt.Errorf("engine: owners below on %s: %w", t, err)
		}
		for p, n := range counts {
			if n-bv.replacedBelow[p] > 0 {
				below[p] = true
			}
		}
	}
	others := storeOthers{owners: map[string][]diff.Owner{}, below: below, extra: bv.owners}
	for k, os := range owners {
		for _, o := range os {
			others.owners[k] = append(others.owners[k], diff.Owner{Service: o.Service, Value: o.Value})
		}
	}
	return diff.Compute(t, old, want, others)
}

// fetchActual reads what the target holds at the paths a service owns or wants.
func (e *Engine) fetchActual(ctx context.Context, t string, old, want []config.Leaf) ([]config.Leaf, error) {
	tg, ok := e.Target(t)
	if !ok {
		return nil, fmt.Errorf("engine: %s: %w", t, ErrUnknownTarget)
	}
	set := map[string]bool{}
	var ps []config.Path
	for _, ls := range [][]config.Leaf{old, want} {
		for _, l := range ls {
			if k := l.Path.String(); !set[k] {
				set[k] = true
				ps = append(ps, l.Path)
			}
		}
	}
	if len(ps) == 0 {
		return nil, nil
	}
	actual, err := tg.Fetch(ctx, roots(ps))
	if err != nil {
		return nil, fmt.Errorf("engine: read %s: %w", t, err)
	}
	var out []config.Leaf
	for _, l := range actual {
		if set[l.Path.String()] {
			out = append(out, l)
		}
	}
	return out, nil
}

// roots returns the top-most of paths (a path below another one is covered by it). Exactly
// these nodes are read, so a request reads what it touches and never a whole port or
// neighbor holding thousands of other services' units: its read costs the same on an empty
// device and on a full one.
func roots(ps []config.Path) []config.Path {
	sorted := append([]config.Path(nil), ps...)
	sort.Slice(sorted, func(i, j int) bool { return config.Compare(sorted[i], sorted[j]) < 0 })
	var out []config.Path
	for _, p := range sorted {
		if len(out) > 0 && p.HasPrefix(out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// storeOthers answers diff's questions from the store's owners of the paths involved, plus
// extra owners (the services planned earlier in the same bulk, or a run's external nodes),
// which are consulted in place rather than copied.
type storeOthers struct {
	owners map[string][]diff.Owner
	below  map[string]bool
	extra  map[string][]diff.Owner
}

func (s storeOthers) Owners(p string) []diff.Owner {
	if x := s.extra[p]; len(x) > 0 {
		return append(append([]diff.Owner(nil), s.owners[p]...), x...)
	}
	return s.owners[p]
}

func (s storeOthers) HasDescendants(p string) bool {
	if s.below[p] {
		return true
	}
	prefix := p + "/"
	for _, m := range []map[string][]diff.Owner{s.owners, s.extra} {
		for k, os := range m {
			if len(os) > 0 && strings.HasPrefix(k, prefix) {
				return true
			}
		}
	}
	return false
}

func mergeLeaves(target string, a, b []config.Leaf) ([]config.Leaf, error) {
	m := map[string]config.Leaf{}
	for _, l := range a {
		m[l.Path.String()] = l
	}
	for _, l := range b {
		k := l.Path.String()
		if prev, ok := m[k]; ok && prev.Value != l.Value {
			return nil, fmt.Errorf("engine: devices behind %s render %s twice with different values (%q, %q): %w", target, k, prev.Value, l.Value, ErrBadRequest)
		}
		m[k] = l
	}
	out := make([]config.Leaf, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	config.SortLeaves(out)
	return out, nil
}

func (e *Engine) devicesOn(st store.Store, r *pack.Rendered, target string) []string {
	if r == nil {
		return nil
	}
	var out []string
	for dev := range r.Config {
		if t, err := e.targetOf(context.Background(), st, dev); err == nil && t == target {
			out = append(out, dev)
		}
	}
	sort.Strings(out)
	return out
}

func (e *Engine) render(t string, cs config.ChangeSet) adapters.Rendering {
	if tg, ok := e.Target(t); ok {
		if r, err := tg.Render(cs); err == nil {
			return r
		}
	}
	return adapters.Rendering{Format: "text", Text: memory.RenderText(cs)}
}

// hashPlan hashes what a plan would do: op, service, versions, change sets and allocations.
func hashPlan(p *Plan) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	_ = enc.Encode([]any{p.Op, p.Service, p.Type, p.BaseVersion, p.PackVersion})
	for _, t := range p.Targets {
		_ = enc.Encode(t.ChangeSet)
	}
	_ = enc.Encode(p.Allocations)
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

func decodeIntent(raw json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &pack.ValidationError{Fields: []pack.FieldError{{Pointer: "", Message: "intent is missing"}}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("engine: intent is not valid JSON: %v: %w", err, ErrBadRequest)
	}
	if dec.More() {
		return nil, fmt.Errorf("engine: intent has data after the JSON value: %w", ErrBadRequest)
	}
	return v, nil
}

// customerOf reads the customer id at a JSON pointer (default /customer).
func customerOf(intent any, ptr string) string {
	if ptr == "" {
		ptr = "/customer"
	}
	cur := intent
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
	}
	switch v := cur.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// runPools binds pools to one service and run.
type runPools struct {
	st      store.Store
	service string
	run     string
	peek    bool
	batch   *batch // set on the bulk path: values peeked by earlier services of the batch
	mu      sync.Mutex
	touched map[string]store.Allocation
}

func allocKey(pool, scope, key string) string { return pool + "\x00" + scope + "\x00" + key }

func (p *runPools) Allocate(ctx context.Context, pool, scope, key string, lo, hi int64) (int64, error) {
	p.mu.Lock()
	if a, ok := p.touched[allocKey(pool, scope, key)]; ok {
		p.mu.Unlock()
		return a.Value, nil
	}
	p.mu.Unlock()
	from := lo
	if p.batch != nil {
		if last, ok := p.batch.cursor[pool+"\x00"+scope]; ok && last+1 > from && last < hi {
			from = last + 1
		}
	}
	for {
		v, err := p.st.Allocate(ctx, store.AllocateParams{Pool: pool, Scope: scope, Service: p.service, Key: key, Lo: from, Hi: hi, RunID: p.run, Peek: p.peek})
		if errors.Is(err, store.ErrPoolExhausted) {
			// Scripts see the builtins' sentinel (pools.allocate(field=...) turns it into a
			// field error).
			return 0, fmt.Errorf("%w (%w)", builtins.ErrPoolExhausted, err)
		}
		if err != nil {
			return 0, err
		}
		// A peek does not take the value, so a second peek in the same render would see it
		// free again: skip values this render already peeked.
		if p.peek && (p.peekedOther(pool, scope, key, v) || p.batch.taken(pool, scope, p.service, key, v)) {
			if v >= hi {
				return 0, fmt.Errorf("pool %s/%s: [%d, %d] is full within this batch: %w", pool, scope, lo, hi, builtins.ErrPoolExhausted)
			}
			from = v + 1
			continue
		}
		p.mu.Lock()
		p.touched[allocKey(pool, scope, key)] = store.Allocation{Pool: pool, Scope: scope, Key: key, Value: v, Service: p.service}
		p.mu.Unlock()
		return v, nil
	}
}

func (p *runPools) peekedOther(pool, scope, key string, v int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.touched {
		if a.Pool == pool && a.Scope == scope && a.Key != key && a.Value == v {
			return true
		}
	}
	return false
}

func (p *runPools) Lookup(ctx context.Context, pool, scope, key string) (int64, bool, error) {
	v, ok, err := p.st.Lookup(ctx, pool, scope, p.service, key)
	if ok {
		p.mu.Lock()
		p.touched[allocKey(pool, scope, key)] = store.Allocation{Pool: pool, Scope: scope, Key: key, Value: v, Service: p.service}
		p.mu.Unlock()
	}
	return v, ok, err
}

// Release during a render only forgets the value for this run; it is given back when the
// run records (an allocation no render touches is released then).
func (p *runPools) Release(ctx context.Context, pool, scope, key string) error {
	p.mu.Lock()
	delete(p.touched, allocKey(pool, scope, key))
	p.mu.Unlock()
	return nil
}

// Claim takes exactly value for the service (builtins.Pools.Claim). A value the service holds
// already, under any key, is kept as it is. When the service holds another value under key,
// the claim goes under a key naming the value, so the old allocation, untouched by this
// render, is given back when the run records. Another service's value is a
// *builtins.HeldError (the store does not say who holds it).
func (p *runPools) Claim(ctx context.Context, pool, scope, key string, value int64) error {
	p.mu.Lock()
	for _, a := range p.touched {
		if a.Pool == pool && a.Scope == scope && a.Value == value {
			p.mu.Unlock()
			return nil
		}
	}
	p.mu.Unlock()
	held, err := p.st.Allocations(ctx, p.service)
	if err != nil {
		return err
	}
	storeKey := key
	for _, a := range held {
		if a.Pool != pool || a.Scope != scope {
			continue
		}
		if a.Value == value {
			p.mu.Lock()
			p.touched[allocKey(a.Pool, a.Scope, a.Key)] = a
			p.mu.Unlock()
			return nil
		}
		if a.Key == key {
			storeKey = key + "=" + strconv.FormatInt(value, 10)
		}
	}
	p.mu.Lock()
	if a, ok := p.touched[allocKey(pool, scope, key)]; ok && a.Value != value {
		storeKey = key + "=" + strconv.FormatInt(value, 10)
	}
	p.mu.Unlock()
	held2 := &builtins.HeldError{Pool: pool, Scope: scope, Value: value}
	v, err := p.st.Allocate(ctx, store.AllocateParams{Pool: pool, Scope: scope, Service: p.service, Key: storeKey, Lo: value, Hi: value, RunID: p.run, Peek: p.peek})
	switch {
	case errors.Is(err, store.ErrPoolExhausted):
		return held2
	case err != nil:
		return err
	case v != value:
		return fmt.Errorf("pool %s/%s: claim of %d under key %q found %d held", pool, scope, value, storeKey, v)
	case p.peek && (p.peekedOther(pool, scope, storeKey, v) || p.batch.taken(pool, scope, p.service, storeKey, v)):
		return held2
	}
	p.mu.Lock()
	p.touched[allocKey(pool, scope, storeKey)] = store.Allocation{Pool: pool, Scope: scope, Key: storeKey, Value: v, Service: p.service}
	p.mu.Unlock()
	return nil
}

func (p *runPools) planned() []PlannedAllocation {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PlannedAllocation, 0, len(p.touched))
	for _, a := range p.touched {
		out = append(out, PlannedAllocation{Pool: a.Pool, Scope: a.Scope, Key: a.Key, Value: a.Value})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pool != out[j].Pool {
			return out[i].Pool < out[j].Pool
		}
		if out[i].Scope != out[j].Scope {
			return out[i].Scope < out[j].Scope
		}
		return out[i].Key < out[j].Key
	})
	return out
}
