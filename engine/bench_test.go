package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/memory"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
)

// benchBundle is a store and engine on in-memory targets with a pool large enough for b.N.
func benchBundle(b *testing.B) *engine.Engine {
	b.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "bench.db"), store.SQLiteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	pe1Devs, samDevs := devicesFor()
	pe1 := memory.New(memory.Options{Name: "pe1", Devices: pe1Devs})
	sam1 := memory.New(memory.Options{Name: "sam1", Direct: true, Devices: samDevs})
	e, err := engine.New(engine.Options{Store: st, Packs: bigPacks{}, Targets: []adapters.Target{pe1, sam1}, SkipPreexistingCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Discover(context.Background()); err != nil {
		b.Fatal(err)
	}
	return e
}

// bigPacks serves the fake pack with a pool wide enough for benchmarks.
type bigPacks struct{}

func (bigPacks) Pack(name string) (engine.Pack, bool) {
	if name == "fake" {
		return fakePack{poolHi: 1 << 40}, true
	}
	return nil, false
}
func (bigPacks) List() []engine.Pack { return []engine.Pack{fakePack{poolHi: 1 << 40}} }

// BenchmarkSubmitCreate measures one create through the whole single-service path (validate,
// render, diff, journal, prepare and commit on two targets, record) with in-memory devices.
func BenchmarkSubmitCreate(b *testing.B) {
	e := benchBundle(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// The fake pack's pool holds 10 values: delete as we go to stay within it.
		id := fmt.Sprintf("s%d", i)
		r, err := e.Submit(ctx, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: id, Intent: intent(1+i%4000, "gold", "pe1:ge-0/0/1")})
		if err != nil {
			b.Fatal(err)
		}
		if r, err = e.Wait(ctx, r.ID); err != nil || r.State != store.RunSucceeded {
			b.Fatalf("%v %s", err, r.Error)
		}
		r, err = e.Submit(ctx, engine.Request{Op: engine.OpDelete, ServiceID: id})
		if err != nil {
			b.Fatal(err)
		}
		if _, err = e.Wait(ctx, r.ID); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(2*b.N), "µs/run")
}

// BenchmarkBulk measures the bulk path: batches of 500 creates, one commit per target and two
// store transactions per batch.
func BenchmarkBulk(b *testing.B) {
	e := benchBundle(b)
	ctx := context.Background()
	b.ReportAllocs()
	const size = 500
	n := 0
	for b.Loop() {
		var creates []engine.Request
		for k := 0; k < size; k++ {
			id := fmt.Sprintf("s%d-%d", n, k)
			// Each service on its own port and VLAN, as a mass migration would.
			creates = append(creates, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: id,
				Intent: intent(1+k%4000, fmt.Sprintf("p%d", n), fmt.Sprintf("pe1:ge-%d/0/%d", n, k))})
		}
		if res, err := e.Bulk(ctx, creates, "bench"); err != nil || res.State != store.RunSucceeded {
			b.Fatalf("%v %+v", err, res)
		}
		n++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(size*b.N), "µs/service")
}

// BenchmarkCreateOnFullDevice measures one create and one delete through the request path
// (admission, order, plan, read, journal, prepare and commit, record) on a device that holds
// 100 and 20,000 other services sharing its policy: the cost of a request must follow the
// request, not the size of the device or of the store.
func BenchmarkCreateOnFullDevice(b *testing.B) {
	for _, n := range []int{100, 20000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			e := benchBundle(b)
			ctx := context.Background()
			const batch = 500
			for start := 0; start < n; start += batch {
				var creates []engine.Request
				for k := start; k < n && k < start+batch; k++ {
					creates = append(creates, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: fmt.Sprintf("full-%d", k),
						Intent: intent(1+k%4000, "gold", fmt.Sprintf("pe1:ge-0/0/%d", 10+k/4000))})
				}
				if res, err := e.Bulk(ctx, creates, "bench"); err != nil || res.State != store.RunSucceeded {
					b.Fatalf("preload: %v %+v", err, res)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				id := fmt.Sprintf("new-%d", i)
				r, err := e.Submit(ctx, engine.Request{Op: engine.OpCreate, Type: "fake", ServiceID: id, Intent: intent(1+i%4000, "gold", "pe1:ge-0/0/1")})
				if err != nil {
					b.Fatal(err)
				}
				if r, err = e.Wait(ctx, r.ID); err != nil || r.State != store.RunSucceeded {
					b.Fatalf("%v %s", err, r.Error)
				}
				if r, err = e.Submit(ctx, engine.Request{Op: engine.OpDelete, ServiceID: id}); err != nil {
					b.Fatal(err)
				}
				if _, err = e.Wait(ctx, r.ID); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(2*b.N), "µs/run")
		})
	}
}
