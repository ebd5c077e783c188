package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

var bctx = context.Background()

// sample is a service shaped like an l3vpn site pair: an intent of a few hundred bytes, two
// endpoints, five owned leaves on each of two PEs, a run and an event.
func sample(i int) store.RecordParams {
	id := fmt.Sprintf("svc-%08d", i)
	pe1, pe2 := fmt.Sprintf("pe%d", i%200), fmt.Sprintf("pe%d", (i+7)%200)
	p1, p2 := fmt.Sprintf("ge-0/0/%d", i%48), fmt.Sprintf("ge-0/1/%d", i%48)
	vlan := 100 + i%3900
	intent := fmt.Sprintf(`{"customer":"cust-%d","vrf":"%s","rd":"65000:%d","endpoints":[{"device":"%s","port":"%s","vlan":%d,"ip":"10.%d.%d.1/30"},{"device":"%s","port":"%s","vlan":%d,"ip":"10.%d.%d.2/30"}],"qos":"gold","mtu":9000}`,
		i%5000, id, i, pe1, p1, vlan, i%250, i%200, pe2, p2, vlan, i%250, i%200)
	owned := func(dev, port string) []store.OwnedLeaf {
		unit := fmt.Sprintf("interfaces/interface[%s]/unit[%d]", port, vlan)
		return []store.OwnedLeaf{
			{Target: dev, Path: "interfaces/interface[" + port + "]", Value: ""},
			{Target: dev, Path: unit + "/vlan-id", Value: strconv.Itoa(vlan)},
			{Target: dev, Path: unit + "/family/inet/address[10.0.0.1/30]", Value: ""},
			{Target: dev, Path: "routing-instances/instance[" + id + "]/interface[" + port + "." + strconv.Itoa(vlan) + "]", Value: ""},
			{Target: dev, Path: "routing-instances/instance[" + id + "]/route-distinguisher", Value: fmt.Sprintf("65000:%d", i)},
		}
	}
	return store.RecordParams{
		Service: store.Service{ID: id, Type: []string{"l3vpn", "eline", "elan"}[i%3], Customer: fmt.Sprintf("cust-%d", i%5000),
			State: store.StateActive, Intent: []byte(intent), PackVersion: "1.2.0", LastRun: "run-" + id,
			Endpoints: []store.EndpointRef{{Device: pe1, Port: p1}, {Device: pe2, Port: p2}}},
		Owned: map[string][]store.OwnedLeaf{pe1: owned(pe1, p1), pe2: owned(pe2, p2)},
		Run:   store.Run{ID: "run-" + id, Service: id, Kind: store.RunCreate, State: store.RunSucceeded, User: "bench"},
		Event: &store.Event{Type: "service.created"},
	}
}

func benchStore(b *testing.B) *store.SQLite {
	return setup(b, filepath.Join(b.TempDir(), "bench.db"))
}

func fill(tb testing.TB, s *store.SQLite, from, n, batch int) {
	tb.Helper()
	ps := make([]store.RecordParams, 0, batch)
	for i := from; i < from+n; i++ {
		ps = append(ps, sample(i))
		if len(ps) == batch || i == from+n-1 {
			if err := s.RecordBatch(bctx, ps); err != nil {
				tb.Fatal(err)
			}
			ps = ps[:0]
		}
	}
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
		{"type", store.ServiceFilter{Type: "l3vpn"}},
		{"type+state/-updated", store.ServiceFilter{Type: "l3vpn", State: store.StateActive, Sort: "-updated"}},
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
	if err := s.PutServiceState(bctx, store.Service{ID: "s", Type: "l3vpn", State: store.StateCreating}); err != nil {
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
	const batch = 1000
	start, cpu0 := time.Now(), cpuTime()
	step := max(n/10, batch)
	for done := 0; done < n; done += step {
		k := min(step, n-done)
		t0 := time.Now()
		fill(t, s, done, k, batch)
		t.Logf("%9d services: %.0f services/s in the last %d; RSS %s", done+k, float64(k)/time.Since(t0).Seconds(), k, rss())
	}
	elapsed := time.Since(start)
	t.Logf("CPU: %.0f µs per service (process user+system)", float64(cpuTime()-cpu0)/float64(n)/1e3)
	t.Logf("filled %d services in %v: %.0f services/s (each service: 1 service row, 2 endpoints, 10 owned leaves, 1 run, 1 event)",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	if _, err := s.AppendEvent(bctx, store.Event{Type: "checkpoint"}); err != nil {
		t.Fatal(err)
	}
	size := fileSize(path) + fileSize(path+"-wal")
	t.Logf("disk: %.1f MB, %.0f bytes per service (WAL %.1f MB)", float64(size)/1e6, float64(size)/float64(n), float64(fileSize(path+"-wal"))/1e6)

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
		{"page: type", store.ServiceFilter{Type: "l3vpn"}},
		{"page: type+state sort -updated", store.ServiceFilter{Type: "elan", State: store.StateActive, Sort: "-updated"}},
		{"page: customer", store.ServiceFilter{Customer: "cust-4242"}},
		{"page: device+port", store.ServiceFilter{Device: "pe17", Port: "ge-0/0/17"}},
		{"page: device", store.ServiceFilter{Device: "pe17"}},
		{"page: query prefix", store.ServiceFilter{Query: "svc-00012"}},
	} {
		lat(f.name+" (2 pages)", 50, page(f.f))
	}
	lat("CountServices type", 50, func() error { _, err := s.CountServices(bctx, store.ServiceFilter{Type: "l3vpn"}); return err })
	lat("Owners (10 paths)", 500, func() error {
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
