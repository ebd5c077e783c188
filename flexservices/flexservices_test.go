package flexservices_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
	"golang.org/x/tools/txtar"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos"
	junossim "github.com/xprov/xprov/adapters/junos/sim"
	"github.com/xprov/xprov/adapters/sam"
	samsim "github.com/xprov/xprov/adapters/sam/sim"
	"github.com/xprov/xprov/builtins/memory"
	"github.com/xprov/xprov/engine/diff"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/packtest"
	"github.com/xprov/xprov/flexservices"
)

var update = flag.Bool("update", false, "rewrite the packs' golden want sections")

// TestBundledPacksLoad loads every bundled pack from the embedded FS (what the binary ships)
// and from its directory: no problems, same content hash (libraries included).
func TestBundledPacksLoad(t *testing.T) {
	lib, err := fs.Sub(flexservices.FS, pack.LibDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range flexservices.Names {
		sub, err := fs.Sub(flexservices.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		emb, err := pack.LoadFSLib(sub, lib, "flexservices/"+name, pack.Options{})
		if err != nil {
			t.Errorf("embedded %s: %v", name, err)
			continue
		}
		dir, err := pack.Load(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if emb.Hash != dir.Hash {
			t.Errorf("%s: the embedded pack differs from the directory (embed.go patterns miss a file?)", name)
		}
		if emb.Name() != name {
			t.Errorf("directory %s holds pack %q", name, emb.Name())
		}
	}
}

// TestGolden runs every pack's tests/*.txtar (go test ./flexservices -update rewrites them).
func TestGolden(t *testing.T) {
	for _, name := range flexservices.Names {
		t.Run(name, func(t *testing.T) {
			packtest.Test(t, name, packtest.Options{Update: *update})
		})
	}
}

// lab is a simulated lab: Junos devices pe1..pe3 (NETCONF, loopbacks 10.255.1.N) and a SAM
// managing sr1..sr3 (system addresses 10.255.2.N), with the inventory their discovery gives.
type lab struct {
	junos   map[string]*junos.Client
	sam     *sam.Target
	samSim  *samsim.Server
	devices map[string]adapters.Device
	inv     *memory.Inventory
	before  map[string]existing // per device: config there before the case's create
}

// existing is the configuration a device held before the service: diff.Others with every
// node owned by diff.External.
type existing map[string]string

func (e existing) Owners(path string) []diff.Owner {
	if v, ok := e[path]; ok {
		return []diff.Owner{{Service: diff.External, Value: v}}
	}
	return nil
}

func (e existing) HasDescendants(path string) bool {
	for p := range e {
		if strings.HasPrefix(p, path+"/") {
			return true
		}
	}
	return false
}

// fetchTop reads what the target holds under the top-level nodes of leaves.
func fetchTop(t *testing.T, ctx context.Context, tg adapters.Target, leaves []config.Leaf) []config.Leaf {
	t.Helper()
	roots := map[string]config.Path{}
	for _, lf := range leaves {
		roots[lf.Path[0].String()] = lf.Path[:1]
	}
	var paths []config.Path
	for _, p := range roots {
		paths = append(paths, p)
	}
	have, err := tg.Fetch(ctx, paths)
	if err != nil {
		t.Fatal(err)
	}
	return have
}

// fetchExisting reads what the target holds under the top-level nodes of leaves.
func (l *lab) fetchExisting(t *testing.T, ctx context.Context, tg adapters.Target, leaves []config.Leaf) existing {
	t.Helper()
	have := fetchTop(t, ctx, tg, leaves)
	out := existing{}
	for _, lf := range have {
		out[lf.Path.String()] = lf.Value
	}
	return out
}

func startJunos(t *testing.T, l *lab, key ssh.Signer) {
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("pe%d", i)
		d, err := junossim.New(junossim.Options{
			Name: name, Loopback: fmt.Sprintf("10.255.1.%d/32", i), Ports: 14,
			User: "lab", Password: "lab123", HostKey: key,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		kh := filepath.Join(t.TempDir(), "known_hosts")
		if err := os.WriteFile(kh, []byte(knownhosts.Line([]string{d.Addr()}, d.HostKey())+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := junos.New(junos.Config{
			Name: name, Address: d.Addr(), User: "lab", Password: "lab123", KnownHostsFile: kh,
			DialTimeout: 5 * time.Second, CallTimeout: 20 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		l.junos[name] = c
	}
}

func startSAM(t *testing.T, l *lab) {
	customers := make([]int, 100)
	for i := range customers {
		customers[i] = i + 1
	}
	srv := samsim.New(samsim.Options{Nodes: 3, PortsPerNode: 10, Customers: customers})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	tg, err := sam.New(sam.Options{Name: "sam1", URL: srv.InvokeURL(), User: "admin", Password: "admin", CallTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	l.sam, l.samSim = tg, srv
}

func (l *lab) discover(t *testing.T, ctx context.Context) {
	var all []adapters.Device
	for _, c := range l.junos {
		ds, err := c.Discover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ds...)
	}
	ds, err := l.sam.Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, ds...)
	l.devices = map[string]adapters.Device{}
	for _, d := range all {
		l.devices[d.Name] = d
	}
	inv, err := memory.NewInventory(all...)
	if err != nil {
		t.Fatal(err)
	}
	l.inv = inv
}

// TestSimulatorCommit renders every golden create case (tests/create-*.txtar) against the
// inventory the simulators' discovery gives and applies the per-device change sets through
// the real adapters: the Junos commit check and the SAM's object checks must accept them.
// Then it deletes the service again the same way (the delete change sets must apply too).
func TestSimulatorCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts simulators")
	}
	ctx := context.Background()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	key, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{junos: map[string]*junos.Client{}, before: map[string]existing{}}
	startJunos(t, l, key)
	for _, name := range flexservices.Names {
		p, err := pack.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(name, "tests", "create-*.txtar"))
		for _, f := range files {
			t.Run(name+"/"+strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
				startSAM(t, l) // a fresh SAM per case: service ids restart
				l.discover(t, ctx)
				a, err := txtar.ParseFile(f)
				if err != nil {
					t.Fatal(err)
				}
				var intentJSON []byte
				for _, s := range a.Files {
					switch s.Name {
					case "intent.json":
						intentJSON = s.Data
					case "inventory.json", "allocations.json":
						t.Skip("the case brings its own inventory or allocations")
					}
				}
				intent, err := pack.DecodeIntent(intentJSON)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Validate(intent); err != nil {
					t.Fatal(err)
				}
				in := pack.RenderInput{ServiceID: "svc-sim", Intent: intent,
					Pools: memory.NewPools().Service("svc-sim"), Inventory: l.inv}
				out, err := p.Render(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				l.apply(t, ctx, out.Config, false)
				l.runSROSOps(t, ctx, p, in)
				l.apply(t, ctx, out.Config, true)
			})
		}
	}
}

// runSROSOps runs the pack's ops on its Nokia endpoints through the SAM, after the service was
// created: each command is real SR OS CLI the simulated SAM answers from what was applied
// (a pseudowire's SDP answers, a VPRN's CE answers ping).
func (l *lab) runSROSOps(t *testing.T, ctx context.Context, p *pack.Pack, in pack.RenderInput) {
	t.Helper()
	eps, err := p.Endpoints(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range p.Meta.Ops {
		for i := range eps {
			c, err := p.Op(ctx, op.Name, in, i)
			if err != nil {
				t.Fatalf("op %s endpoint %d: %v", op.Name, i, err)
			}
			if c.Vendor != "sros" || c.Command == "" {
				continue
			}
			r, err := l.sam.Op(ctx, c.Device, c.Command)
			if err != nil {
				t.Fatalf("op %s on %s: %s: %v", op.Name, c.Device, c.Command, err)
			}
			t.Logf("%s on %s: %s", op.Name, c.Device, c.Command)
			for _, bad := range []string{"Request timed out", "Request Timeout", "100% packet loss", "00h00m00s Active"} {
				if strings.Contains(r.Text, bad) {
					t.Errorf("op %s on %s: %s failed on the service it was made for:\n%s", op.Name, c.Device, c.Command, r.Text)
				}
			}
		}
	}
}

// apply creates (or, with del, deletes) the rendered config on the simulators. Like the
// engine, it diffs per target: each Junos device alone, the Nokia devices together on their
// SAM (a service object is shared by the sites of several nodes).
func (l *lab) apply(t *testing.T, ctx context.Context, cfg map[string][]config.Leaf, del bool) {
	t.Helper()
	verb := "create"
	if del {
		verb = "delete"
	}
	devs := make([]string, 0, len(cfg))
	for d := range cfg {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	perTarget := map[string][]config.Leaf{}
	seen := map[string]bool{}
	for _, d := range devs {
		if l.devices[d].Vendor != "sros" {
			perTarget[d] = cfg[d]
			continue
		}
		for _, lf := range cfg[d] {
			if k := lf.Path.String(); !seen[k] {
				seen[k] = true
				perTarget["sam1"] = append(perTarget["sam1"], lf)
			}
		}
	}
	names := make([]string, 0, len(perTarget))
	for n := range perTarget {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		leaves := perTarget[name]
		config.SortLeaves(leaves)
		tg := adapters.Target(l.sam)
		if c, ok := l.junos[name]; ok {
			tg = c
		}
		// What the target held before the service is not the service's: the engine passes
		// it as External owners, so that a delete never removes pre-existing config.
		if !del {
			l.before[name] = l.fetchExisting(t, ctx, tg, leaves)
		}
		old, want := []config.Leaf(nil), leaves
		if del {
			old, want = leaves, nil
		}
		cs, err := diff.Compute(name, old, want, l.before[name])
		if err != nil {
			t.Fatal(err)
		}
		tx, err := tg.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Prepare(ctx, cs, adapters.PrepareOptions{Comment: "flexservices test"}); err != nil {
			tx.Rollback(ctx)
			r, _ := tg.Render(cs)
			t.Fatalf("%s on %s refused by the simulator: %v\n%s", verb, name, err, r.Text)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("%s on %s: commit: %v", verb, name, err)
		}
		if !del {
			l.checkRunning(t, ctx, tg, name, leaves)
		} else if after := l.fetchExisting(t, ctx, tg, leaves); !equalExisting(after, l.before[name]) {
			t.Errorf("%s: after delete the target does not hold what it held before the create:\nbefore %v\nafter  %v", name, l.before[name], after)
		}
	}
}

// checkRunning fetches the committed configuration and checks every rendered leaf is there.
func (l *lab) checkRunning(t *testing.T, ctx context.Context, tg adapters.Target, dev string, leaves []config.Leaf) {
	t.Helper()
	have := fetchTop(t, ctx, tg, leaves)
	got := map[string]string{}
	for _, lf := range have {
		got[lf.Path.String()] = lf.Value
	}
	for _, lf := range leaves {
		if v, ok := got[lf.Path.String()]; !ok || v != lf.Value {
			t.Errorf("%s: after commit, %s = %q, want %q (present %v)", dev, lf.Path, v, lf.Value, ok)
		}
	}
}

func equalExisting(a, b existing) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestSimulatorRejects makes sure TestSimulatorCommit can fail: a rendered E-LINE without
// the port's flexible-ethernet-services encapsulation must fail the Junos commit check, and an
// L3VPN site without its route distinguisher must be refused by the SAM.
func TestSimulatorRejects(t *testing.T) {
	if testing.Short() {
		t.Skip("starts simulators")
	}
	ctx := context.Background()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	key, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{junos: map[string]*junos.Client{}, before: map[string]existing{}}
	startJunos(t, l, key)
	startSAM(t, l)
	l.discover(t, ctx)
	render := func(name, intentJSON string) map[string][]config.Leaf {
		p, err := pack.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		intent, _ := pack.DecodeIntent([]byte(intentJSON))
		out, err := p.Render(ctx, pack.RenderInput{ServiceID: "svc-bad", Intent: intent,
			Pools: memory.NewPools().Service("svc-bad"), Inventory: l.inv})
		if err != nil {
			t.Fatal(err)
		}
		return out.Config
	}
	try := func(tg adapters.Target, target string, leaves []config.Leaf, drop string) {
		var kept []config.Leaf
		for _, lf := range leaves {
			if !strings.HasSuffix(lf.Path.String(), drop) {
				kept = append(kept, lf)
			}
		}
		if len(kept) == len(leaves) {
			t.Fatalf("nothing ends in %s", drop)
		}
		cs, err := diff.Compute(target, nil, kept, l.fetchExisting(t, ctx, tg, kept))
		if err != nil {
			t.Fatal(err)
		}
		tx, err := tg.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if err := tx.Prepare(ctx, cs, adapters.PrepareOptions{}); err == nil {
			t.Errorf("%s accepted a change set without %s", target, drop)
		} else {
			t.Logf("%s refused it as it should: %v", target, err)
		}
	}
	eline := render("eline", `{"customer": "CUST-1", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "pe2", "port": "ge-0/0/1", "vlan": 100}]}`)
	try(l.junos["pe1"], "pe1", eline["pe1"], "interface[ge-0/0/1]/encapsulation")
	vpn := render("l3vpn", `{"customer": "CUST-1", "endpoints": [{"device": "sr1", "port": "1/1/3", "vlan": 100}]}`)
	try(l.sam, "sam1", vpn["sr1"], "/routeDistinguisher")
}
