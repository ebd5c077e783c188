package sam_test

import (
	"fmt"
	"net/http/httptest"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/sam"
	"github.com/xprov/xprov/adapters/sam/sim"
)

// holding returns a simulated SAM that already holds n E-LINE services (ids 10001 on, SAPs on
// ports 1/1/1 and 1/1/2 of the three nodes) and a target on it. The services are loaded
// without SOAP so that a large database costs little to build.
func holding(tb testing.TB, n int) bundle {
	tb.Helper()
	s := sim.New(sim.Options{Nodes: 3, User: "oss", Password: "s3cret"})
	nodes := s.Nodes()
	for i := 0; i < n; i++ {
		id := fmt.Sprint(10001 + i)
		near, far := nodes[i%len(nodes)], nodes[(i+1)%len(nodes)]
		j := i / len(nodes)
		svc := sim.Object{Class: "epipe.Epipe", Props: map[string]string{"serviceId": id, "customerId": "1", "displayedName": "eline-" + id},
			Children: []sim.Object{{Class: "epipe.Site", Props: map[string]string{"siteId": near.Address}, Children: []sim.Object{
				{Class: "vll.L2AccessInterface", Props: map[string]string{"portName": fmt.Sprintf("1/1/%d", 1+j/4000), "innerEncapValue": fmt.Sprint(1 + j%4000)}},
				{Class: "svt.SpokeSdpBinding", Props: map[string]string{"tunnelSelectionTerminationSiteId": far.Address, "vcId": id}},
			}}}}
		if _, err := s.Create("svc-mgr", svc); err != nil {
			tb.Fatal(err)
		}
	}
	runtime.GC() // the load's garbage is not the benchmark's cost
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	tg, err := sam.New(sam.Options{Name: "sam1", URL: ts.URL, User: "oss", Password: "s3cret", CallTimeout: 5 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { tg.Close() })
	return bundle{sim: s, target: tg}
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkELine is one E-LINE's life through the adapter over real SOAP: create its four
// objects (Begin/Prepare/Commit), Fetch them, delete the service (Begin/Prepare/Commit), on a
// SAM holding 100 or 20,000 other services. The cost per op must not depend on how many
// services the SAM holds. (The delete keeps the number held constant across iterations.)
// Besides ns/op it reports cpu-ns/op, the process's CPU time (adapter and simulator) per op,
// which a busy machine disturbs less than wall time.
func BenchmarkELine(b *testing.B) {
	for _, n := range []int{100, 20000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			bd := holding(b, n)
			objs := eline("4000")
			create := createCS(b, objs...)
			root := mustPath(b, "epipe.Epipe[4000]")
			del := config.ChangeSet{Target: "sam1", Changes: []config.Change{{Op: config.Delete, Path: root}}}
			want := len(leaves(b, objs...))
			ctx := ctxT(b)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime(b)
			for i := 0; i < b.N; i++ {
				commit(b, bd, create)
				got, err := bd.target.Fetch(ctx, []config.Path{root})
				if err != nil || len(got) != want {
					b.Fatalf("fetch: %d leaves, want %d: %v", len(got), want, err)
				}
				commit(b, bd, del)
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
			if bd.sim.Count("epipe.Epipe") != n {
				b.Fatalf("the SAM holds %d services, want %d", bd.sim.Count("epipe.Epipe"), n)
			}
		})
	}
}
