package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

var bctx = context.Background()

// sample is a service shaped like a bundled E-LINE (flexservices/eline) between two PEs: an
// intent of about 400 bytes, two endpoints, 30 owned leaves on each PE (the physical
// interface's leaves are shared by the services on that port, the rest are the service's own),
// four allocations (a VLAN per endpoint, a VC id and a policer index), a run and an event.
func sample(i int) store.RecordParams {
	id := fmt.Sprintf("svc-%08d", i)
	pe1, pe2 := fmt.Sprintf("pe%d", i%200), fmt.Sprintf("pe%d", (i+7)%200)
	p1, p2 := fmt.Sprintf("ge-0/0/%d", i%48), fmt.Sprintf("ge-0/1/%d", i%48)
	// Services on one port (pe i%200, port i%48: every 1200th) get distinct VLANs.
	vlan := 100 + i/1200%3900
	vc := 1000 + i
	desc := fmt.Sprintf("E-LINE %s for cust-%d", id, i%5000)
	intent := fmt.Sprintf(`{"customer":"cust-%d","description":%q,"bandwidth":"100M","qos":"business","mtu":1500,`+
		`"endpoints":[{"device":"%s","port":"%s","vlan":%d,"site":"site-%d-a","contact":"noc@cust-%d.example"},`+
		`{"device":"%s","port":"%s","vlan":%d,"site":"site-%d-b","contact":"noc@cust-%d.example"}],"vc_id":%d,"control_word":true,"oam":{"cfm":true,"level":5}}`,
		i%5000, desc, pe1, p1, vlan, i, i%5000, pe2, p2, vlan, i, i%5000, vc)
	owned := func(dev, port, peer string) []store.OwnedLeaf {
		ifc := "interfaces/interface[" + port + "]"
		unit := fmt.Sprintf("%s/unit[%d]", ifc, vlan)
		nb := "protocols/l2circuit/neighbor[" + peer + "]"
		l2 := fmt.Sprintf("%s/interface[%s.%d]", nb, port, vlan)
		pol := "firewall/policer[bw-100M]"
		cos := fmt.Sprintf("class-of-service/interfaces/interface[%s]/unit[%d]", port, vlan)
		oam := fmt.Sprintf("protocols/oam/ethernet/connectivity-fault-management/maintenance-domain[md5]/maintenance-association[%s]", id)
		kv := []string{
			ifc, "", ifc + "/encapsulation", "flexible-ethernet-services", ifc + "/flexible-vlan-tagging", "", ifc + "/mtu", "9192",
			pol, "", pol + "/if-exceeding/bandwidth-limit", "100m", pol + "/if-exceeding/burst-size-limit", "625k", pol + "/then/discard", "",
			unit, "", unit + "/description", desc, unit + "/encapsulation", "vlan-ccc", unit + "/vlan-id", strconv.Itoa(vlan),
			unit + "/input-vlan-map/pop", "", unit + "/output-vlan-map/push", "", unit + "/family/ccc/policer/input", "bw-100M",
			unit + "/family/ccc/policer/output", "bw-100M", cos + "/forwarding-class", "business",
			nb, "", l2, "", l2 + "/description", desc, l2 + "/encapsulation-type", "ethernet", l2 + "/mtu", "1500",
			l2 + "/virtual-circuit-id", strconv.Itoa(vc), l2 + "/control-word", "", l2 + "/ignore-mtu-mismatch", "",
			oam, "", oam + "/continuity-check/interval", "1s", oam + "/mep[1]/interface", fmt.Sprintf("%s.%d", port, vlan),
			oam + "/mep[1]/direction", "up",
		}
		ls := make([]store.OwnedLeaf, 0, len(kv)/2)
		for k := 0; k < len(kv); k += 2 {
			ls = append(ls, store.OwnedLeaf{Target: dev, Path: kv[k], Value: kv[k+1]})
		}
		return ls
	}
	return store.RecordParams{
		Service: store.Service{ID: id, Type: []string{"eline", "eline", "elan"}[i%3], Customer: fmt.Sprintf("cust-%d", i%5000),
			State: store.StateActive, Intent: []byte(intent), PackVersion: "1.2.0", LastRun: "run-" + id,
			Endpoints: []store.EndpointRef{{Device: pe1, Port: p1}, {Device: pe2, Port: p2}}},
		Owned: map[string][]store.OwnedLeaf{pe1: owned(pe1, p1, "10.255.0."+strconv.Itoa((i+7)%200)), pe2: owned(pe2, p2, "10.255.0."+strconv.Itoa(i%200))},
		Run:   store.Run{ID: "run-" + id, Service: id, Kind: store.RunCreate, State: store.RunSucceeded, User: "bench"},
		Event: &store.Event{Type: "service.created"},
	}
}

// sampleAllocations are the values sample(i) holds, taken by run.
func sampleAllocations(p store.RecordParams, i int, run string) []store.Allocation {
	id := p.Service.ID
	eps := p.Service.Endpoints
	vlan := int64(100 + i/1200%3900)
	return []store.Allocation{
		{Pool: "access-vlan", Scope: eps[0].Device + ":" + eps[0].Port, Key: strconv.FormatInt(vlan, 10), Value: vlan, Service: id, RunID: run},
		{Pool: "access-vlan", Scope: eps[1].Device + ":" + eps[1].Port, Key: strconv.FormatInt(vlan, 10), Value: vlan, Service: id, RunID: run},
		{Pool: "policer", Scope: eps[0].Device, Key: "in", Value: int64(1 + i), Service: id, RunID: run},
		{Pool: "vc-id", Scope: "global", Key: "vc", Value: int64(1000 + i), Service: id, RunID: run},
	}
}

func benchStore(b *testing.B) *store.SQLite {
	return setup(b, filepath.Join(b.TempDir(), "bench.db"))
}

// fill records services [from, from+n) in batches as the engine's bulk path does: a bulk run
// and its journal (the plan of every service, about 5 KB of JSON each, as engine/bulk.go
// journals it), one Reserve (placeholders and allocations), one RecordBatch, the run
// finished; then Prune drops the succeeded bulk's journal.
func fill(tb testing.TB, s *store.SQLite, from, n, batch int) {
	tb.Helper()
	ps := make([]store.RecordParams, 0, batch)
	var allocs []store.Allocation
	for i := from; i < from+n; i++ {
		bulk := fmt.Sprintf("bulk-%08d", i-(i-from)%batch)
		p := sample(i)
		ps = append(ps, p)
		allocs = append(allocs, sampleAllocations(p, i, bulk)...)
		if len(ps) < batch && i < from+n-1 {
			continue
		}
		run := store.Run{ID: bulk, Kind: "bulk", State: store.RunRunning, User: "bench"}
		if err := s.CreateRun(bctx, run); err != nil {
			tb.Fatal(err)
		}
		if err := s.AppendJournal(bctx, store.JournalEntry{RunID: bulk, Step: "compute-bulk", Phase: "done", Data: bulkJournal(ps)}); err != nil {
			tb.Fatal(err)
		}
		res := store.ReserveParams{Allocations: allocs}
		for _, p := range ps {
			busy := p.Service
			busy.State = store.StateCreating
			res.Services = append(res.Services, busy)
		}
		stmts := store.WriteStatements(s)
		if err := s.Reserve(bctx, res); err != nil {
			tb.Fatal(err)
		}
		reserveStmts.Add(store.WriteStatements(s) - stmts)
		stmts = store.WriteStatements(s)
		if err := s.RecordBatch(bctx, ps); err != nil {
			tb.Fatal(err)
		}
		recordStmts.Add(store.WriteStatements(s) - stmts)
		now := time.Now().UTC()
		run.State, run.Finished = store.RunSucceeded, &now
		if err := s.UpdateRun(bctx, run); err != nil {
			tb.Fatal(err)
		}
		// As the server's periodic Prune would, with a grace of nothing: the bulk's journal
		// is dropped once the bulk succeeded.
		if _, err := s.Prune(bctx, store.PruneParams{JournalGrace: time.Nanosecond}); err != nil {
			tb.Fatal(err)
		}
		ps, allocs = ps[:0], allocs[:0]
	}
}

// reserveStmts and recordStmts count the write statements of fill's Reserve and RecordBatch
// calls.
var reserveStmts, recordStmts atomic.Int64

// bulkJournal is a stand-in for the compute-bulk journal entry: every service's intent, old
// and wanted leaves.
func bulkJournal(ps []store.RecordParams) json.RawMessage {
	type plan struct {
		Service store.Service                `json:"service"`
		Want    map[string][]store.OwnedLeaf `json:"want"`
	}
	var j struct {
		Plans []plan `json:"plans"`
	}
	for _, p := range ps {
		j.Plans = append(j.Plans, plan{Service: p.Service, Want: p.Owned})
	}
	b, err := json.Marshal(j)
	if err != nil {
		panic(err)
	}
	return b
}

func BenchmarkRecord(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		if err := s.Record(bctx, sample(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "services/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e3, "cpu-µs/service")
}

func BenchmarkRecordBatch(b *testing.B) {
	const batch = 500
	s := benchStore(b)
	b.ReportAllocs()
	i := 0
	ps := make([]store.RecordParams, batch)
	cpu0 := cpuTime()
	for b.Loop() {
		for j := range ps {
			ps[j] = sample(i)
			i++
		}
		if err := s.RecordBatch(bctx, ps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "services/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*batch)/1e3, "cpu-µs/service")
}

// cpuTime is the process's user+system CPU time in nanoseconds: on a shared machine it
// measures the store's cost where wall time measures the neighbours too.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkGetService(b *testing.B) {
	s := benchStore(b)
	const n = 20000
	fill(b, s, 0, n, 1000)
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetService(bctx, fmt.Sprintf("svc-%08d", r.IntN(n))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListServicesFiltered(b *testing.B) {
	s := benchStore(b)
	fill(b, s, 0, 20000, 1000)
	filters := []struct {
		name string
		f    store.ServiceFilter
	}{
		{"type", store.ServiceFilter{Type: "eline"}},
		{"type+state/-updated", store.ServiceFilter{Type: "eline", State: store.StateActive, Sort: "-updated"}},
		{"customer", store.ServiceFilter{Customer: "cust-42"}},
		{"device", store.ServiceFilter{Device: "pe17"}},
		{"device+port", store.ServiceFilter{Device: "pe17", Port: "ge-0/0/17"}},
		{"query", store.ServiceFilter{Query: "svc-0001"}},
	}
	for _, f := range filters {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, _, err := s.ListServices(bctx, f.f)
				if err != nil || len(page) == 0 {
					b.Fatal(len(page), err)
				}
			}
		})
	}
}

func BenchmarkAllocate(b *testing.B) {
	s := benchStore(b)
	if err := s.PutServiceState(bctx, store.Service{ID: "s", Type: "eline", State: store.StateCreating}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Allocate(bctx, store.AllocateParams{Pool: "vlan", Scope: "pe1", Service: "s", Key: strconv.Itoa(i),
			Lo: 1, Hi: 1 << 40, RunID: "r"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// TestScale fills a file-backed store with XPROV_SCALE services (batched as the engine's bulk
// path does) and reports throughput, size on disk, memory and read latencies. It is skipped
// unless XPROV_SCALE is set: XPROV_SCALE=1000000 go test -run TestScale -v -timeout 1h ./engine/store/
// XPROV_SCALE_DIR keeps the database somewhere other than a temporary directory.
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("XPROV_SCALE"))
	if n <= 0 {
		t.Skip("set XPROV_SCALE=N to run")
	}
	dir := os.Getenv("XPROV_SCALE_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("scale-%d.db", n))
	os.Remove(path)
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	s := setup(t, path)
	const batch = 500
	start, cpu0, stmts0 := time.Now(), cpuTime(), store.WriteStatements(s)
	reserveStmts.Store(0)
	recordStmts.Store(0)
	step := max(n/10, batch)
	for done := 0; done < n; done += step {
		k := min(step, n-done)
		t0 := time.Now()
		fill(t, s, done, k, batch)
		t.Logf("%9d services: %.0f services/s in the last %d; RSS %s", done+k, float64(k)/time.Since(t0).Seconds(), k, rss())
	}
	elapsed := time.Since(start)
	t.Logf("CPU: %.0f µs per service (process user+system)", float64(cpuTime()-cpu0)/float64(n)/1e3)
	t.Logf("write statements per service: %.2f in all (the bulk run, its journal and Prune included), %.2f in Reserve, %.2f in RecordBatch",
		float64(store.WriteStatements(s)-stmts0)/float64(n), float64(reserveStmts.Load())/float64(n), float64(recordStmts.Load())/float64(n))
	t.Logf("filled %d services in %v: %.0f services/s (each service: E-LINE shaped, 60 owned leaves on 2 targets, 4 allocations, 2 endpoints, 1 run, 1 event)",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	diskReport(t, s, path, n)

	r := rand.New(rand.NewPCG(3, 4))
	lat := func(name string, iters int, fn func() error) {
		t.Helper()
		var worst time.Duration
		t0 := time.Now()
		for range iters {
			t1 := time.Now()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			worst = max(worst, time.Since(t1))
		}
		t.Logf("%-40s mean %8v  max %8v", name, (time.Since(t0) / time.Duration(iters)).Round(time.Microsecond), worst.Round(time.Microsecond))
	}
	lat("GetService (random)", 2000, func() error {
		_, err := s.GetService(bctx, fmt.Sprintf("svc-%08d", r.IntN(n)))
		return err
	})
	page := func(f store.ServiceFilter) func() error {
		return func() error {
			p, next, err := s.ListServices(bctx, f)
			if err == nil && len(p) == 0 {
				return fmt.Errorf("empty page for %+v", f)
			}
			// and the next page through the cursor
			if err == nil && next != "" {
				f2 := f
				f2.After = next
				_, _, err = s.ListServices(bctx, f2)
			}
			return err
		}
	}
	for _, f := range []struct {
		name string
		f    store.ServiceFilter
	}{
		{"page: all", store.ServiceFilter{}},
		{"page: type", store.ServiceFilter{Type: "eline"}},
		{"page: type+state sort -updated", store.ServiceFilter{Type: "elan", State: store.StateActive, Sort: "-updated"}},
		{"page: customer", store.ServiceFilter{Customer: "cust-4242"}},
		{"page: device+port", store.ServiceFilter{Device: "pe17", Port: "ge-0/0/17"}},
		{"page: device", store.ServiceFilter{Device: "pe17"}},
		{"page: query prefix", store.ServiceFilter{Query: "svc-00012"}},
	} {
		lat(f.name+" (2 pages)", 50, page(f.f))
	}
	lat("CountServices type", 50, func() error { _, err := s.CountServices(bctx, store.ServiceFilter{Type: "eline"}); return err })
	lat("Owners (a PE's 30 paths)", 500, func() error {
		p := sample(r.IntN(n))
		var paths []string
		var target string
		for tg, ls := range p.Owned {
			target = tg
			for _, l := range ls {
				paths = append(paths, l.Path)
			}
		}
		_, err := s.Owners(bctx, target, paths, p.Service.ID)
		return err
	})
	lat("OwnedBelow (2 paths)", 500, func() error {
		p := sample(r.IntN(n))
		for tg, ls := range p.Owned {
			_, err := s.OwnedBelow(bctx, tg, []string{ls[0].Path, "routing-instances"}, p.Service.ID)
			return err
		}
		return nil
	})
	lat("PortUsers", 500, func() error {
		_, err := s.PortUsers(bctx, fmt.Sprintf("pe%d", r.IntN(200)), fmt.Sprintf("ge-0/0/%d", r.IntN(48)), 50)
		return err
	})
	lat("Record modify (single tx)", 500, func() error {
		i := r.IntN(n)
		p := sample(i)
		cur, err := s.GetService(bctx, p.Service.ID)
		if err != nil {
			return err
		}
		p.BaseVersion = cur.Version
		p.Run.ID += "-m" + strconv.Itoa(int(cur.Version))
		return s.Record(bctx, p)
	})
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("memory: RSS %s; Go heap in use %.1f MB", rss(), float64(ms.HeapInuse)/1e6)
}

// diskReport logs the database's size per service after a checkpoint (the WAL copied into
// the file and truncated) and the b-trees that make it up.
func diskReport(t *testing.T, s *store.SQLite, path string, n int) {
	t.Helper()
	if err := store.Checkpoint(s); err != nil {
		t.Fatal(err)
	}
	size := fileSize(path) + fileSize(path+"-wal")
	sizes, free, err := store.TableSizes(s)
	if err != nil {
		t.Logf("disk: %.1f MB, %.0f bytes per service (no dbstat: %v)", float64(size)/1e6, float64(size)/float64(n), err)
		return
	}
	t.Logf("disk: %.1f MB, %.0f bytes per service after checkpoint (%.0f in use, %.0f in free pages)",
		float64(size)/1e6, float64(size)/float64(n), float64(size-free)/float64(n), float64(free)/float64(n))
	var entries int64
	for _, ts := range sizes {
		entries += ts.Entries
		if ts.Bytes*100 >= size {
			t.Logf("  %-32s %7.0f bytes %6.1f entries per service", ts.Name, float64(ts.Bytes)/float64(n), float64(ts.Entries)/float64(n))
		}
	}
	t.Logf("  b-tree entries: %.1f per service", float64(entries)/float64(n))
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// rss reads the resident set (and its peak) from /proc/self/status.
func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	var cur, peak string
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			cur = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			peak = strings.TrimSpace(v)
		}
	}
	return cur + " (peak " + peak + ")"
}
