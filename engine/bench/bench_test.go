package bench_test

import (
	"context"
	"testing"

	"github.com/xprov/xprov/engine/bench"
)

// TestRunBulkSmall checks the engine-only harness on a few services over real NETCONF and SOAP.
// The REST bench (Run) needs the xprov binary for its child processes; cmd/xprov tests it.
func TestRunBulkSmall(t *testing.T) {
	res, err := bench.RunBulk(context.Background(), bench.BulkOptions{Services: 40, Batch: 20, Southbound: "sim", Mixed: true, Delete: true, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if res.FailedServices != 0 || res.Services != 40 || res.Commits == 0 {
		t.Fatalf("result %+v", res)
	}
}

// BenchmarkEndToEnd provisions E-LINEs from the bundled pack through the bulk path with
// in-memory devices; b.N services.
func BenchmarkEndToEnd(b *testing.B) {
	for _, sb := range []string{"memory", "sim"} {
		b.Run(sb, func(b *testing.B) {
			n := max(b.N, 10)
			res, err := bench.RunBulk(context.Background(), bench.BulkOptions{Services: n, Batch: 500, Southbound: sb, Mixed: true, Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			if res.FailedServices > 0 {
				b.Fatalf("%d failed: %s", res.FailedServices, res.FirstError)
			}
			b.ReportMetric(float64(res.CPUPerService.Microseconds()), "cpu-µs/service")
			b.ReportMetric(res.PerSecond, "services/s")
			b.ReportMetric(float64(res.DBPerService), "db-bytes/service")
		})
	}
}
