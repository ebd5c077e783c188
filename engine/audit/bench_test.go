package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos"
	junossim "github.com/xprov/xprov/adapters/junos/sim"
	"github.com/xprov/xprov/adapters/memory"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/store"
)

// The benchmarks audit every service of a network where 1% of the services drifted (a third
// each: a unit deleted, a VLAN id changed, "disable" added under the unit) and check that
// exactly those are found. Run them one iteration each:
//
//	go test ./engine/audit -run '^$' -bench . -benchtime 1x
//
// Services are recorded straight in the store (as the engine records them) and their
// configuration is loaded on the devices, so that setting up 100,000 services does not take
// longer than auditing them.

// benchFleet lays out n services over devices: service i has unit 2+k on port ge-0/0/(k%ports)
// of device i%devices, k = i/devices (the port, its tagging and encapsulation are shared by
// every service on it).
type benchFleet struct {
	n, devices, ports int
}

func (f benchFleet) device(i int) string { return fmt.Sprintf("pe%d", i%f.devices+1) }

func (f benchFleet) unit(i int) (port string, vlan int) {
	k := i / f.devices
	return fmt.Sprintf("ge-0/0/%d", k%f.ports), 2 + k/f.ports
}

func (f benchFleet) leaves(i int) []store.OwnedLeaf {
	port, vlan := f.unit(i)
	p := "interfaces/interface[" + port + "]"
	u := fmt.Sprintf("%s/unit[%d]", p, vlan)
	return []store.OwnedLeaf{
		{Path: p}, {Path: p + "/encapsulation", Value: "flexible-ethernet-services"}, {Path: p + "/flexible-vlan-tagging"},
		{Path: u}, {Path: u + "/description", Value: fmt.Sprintf("svc-%06d", i)}, {Path: u + "/vlan-id", Value: fmt.Sprint(vlan)},
	}
}

// setLines is service i's configuration as Junos set lines.
func (f benchFleet) setLines(i int) string {
	port, vlan := f.unit(i)
	return fmt.Sprintf("set interfaces %s flexible-vlan-tagging\nset interfaces %s encapsulation flexible-ethernet-services\n"+
		"set interfaces %s unit %d vlan-id %d\nset interfaces %s unit %d description svc-%06d\n", port, port, port, vlan, vlan, port, vlan, i)
}

// drift is what happens to service i out of band, "" for nothing (99 services in 100).
func (f benchFleet) drift(i int) string {
	if i%100 != 50 {
		return ""
	}
	return []string{"missing", "changed", "extra"}[(i/100)%3]
}

// record stores the services and what they own.
func (f benchFleet) record(b *testing.B, st *store.SQLite) {
	b.Helper()
	ctx := context.Background()
	const batch = 2000
	for lo := 0; lo < f.n; lo += batch {
		var ps []store.RecordParams
		for i := lo; i < min(lo+batch, f.n); i++ {
			id := fmt.Sprintf("svc-%06d", i)
			ps = append(ps, store.RecordParams{
				Service: store.Service{ID: id, Type: "vlan", State: store.StateActive, Intent: json.RawMessage(`{}`), PackVersion: "1.0.0",
					Endpoints: []store.EndpointRef{{Device: f.device(i), Port: func() string { p, _ := f.unit(i); return p }()}}},
				Owned: map[string][]store.OwnedLeaf{f.device(i): f.leaves(i)},
				Run:   store.Run{ID: "run-" + id, Service: id, Kind: store.RunCreate, State: store.RunSucceeded},
			})
		}
		if err := st.RecordBatch(ctx, ps); err != nil {
			b.Fatal(err)
		}
	}
}

// audit runs b.N audits of everything and checks each finds exactly the drifted services.
func (f benchFleet) audit(b *testing.B, st *store.SQLite, targets map[string]adapters.Target, workers int) {
	b.Helper()
	ctx := context.Background()
	a, err := audit.New(ctx, audit.Options{Store: st, Workers: workers, ScheduleTick: -1, Keep: 2,
		Target: func(n string) (adapters.Target, bool) { t, ok := targets[n]; return t, ok }})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	want := map[string]bool{}
	for i := 0; i < f.n; i++ {
		if f.drift(i) != "" {
			want[fmt.Sprintf("svc-%06d", i)] = true
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var total, cpu time.Duration
	for it := 0; it < b.N; it++ {
		start, cpu0 := time.Now(), cpuTime()
		j, err := a.Run(ctx, audit.Scope{}, "bench")
		total, cpu = total+time.Since(start), cpu+cpuTime()-cpu0
		if err != nil || j.State != store.AuditJobDone {
			b.Fatalf("audit: %+v, %v", j, err)
		}
		b.StopTimer()
		if j.Services != int64(f.n) || j.Drifted != int64(len(want)) || j.Unknown != 0 || j.Targets != int64(f.devices) {
			b.Fatalf("job %+v: want %d services, %d drifted on %d targets", j, f.n, len(want), f.devices)
		}
		found := 0
		cursor := ""
		for {
			page, next, err := st.ListAuditResults(ctx, store.AuditResultFilter{Job: j.ID, Status: store.AuditDrifted, After: cursor, Limit: store.MaxPageSize})
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range page {
				if !want[r.Service] {
					b.Fatalf("false positive: %s %s", r.Service, r.Drift)
				}
				found++
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if found != len(want) {
			b.Fatalf("found %d drifted services, injected %d", found, len(want))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(f.n)*float64(b.N)/total.Seconds(), "services/s")
	// CPU time of the process (the auditor, the store and, for simulators, the simulators):
	// on a shared machine the wall time says as much about the neighbours as about the audit.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(want)), "drifted")
}

func openBenchStore(b *testing.B) *store.SQLite {
	b.Helper()
	st, err := store.OpenSQLite(context.Background(), b.TempDir()+"/xprov.db", store.SQLiteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}

// BenchmarkAuditMemory audits 10,000 and 100,000 services on 50 in-memory devices.
func BenchmarkAuditMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			f := benchFleet{n: n, devices: 50, ports: 40}
			st := openBenchStore(b)
			f.record(b, st)
			targets := map[string]adapters.Target{}
			devs := map[string]*memory.Device{}
			for d := 1; d <= f.devices; d++ {
				name := fmt.Sprintf("pe%d", d)
				devs[name] = memory.New(memory.Options{Name: name})
				targets[name] = devs[name]
			}
			for i := 0; i < n; i++ {
				var ls []config.Leaf
				for _, l := range f.leaves(i) {
					p, err := config.ParsePath(l.Path)
					if err != nil {
						b.Fatal(err)
					}
					ls = append(ls, config.Leaf{Path: p, Value: l.Value})
				}
				dev := devs[f.device(i)]
				dev.Seed(ls...)
				switch f.drift(i) {
				case "missing":
					dev.Remove(ls[3].Path)
				case "changed":
					dev.Seed(config.Leaf{Path: ls[5].Path, Value: "4000"})
				case "extra":
					dev.Seed(config.Leaf{Path: ls[3].Path.Child(config.Seg{Name: "disable"})})
				}
			}
			f.audit(b, st, targets, 8)
		})
	}
}

// BenchmarkAuditJunosSim audits 10,000 services on 10 Junos simulators and 100,000 on 20,
// read over NETCONF (SSH) by the real adapter.
func BenchmarkAuditJunosSim(b *testing.B) {
	for _, f := range []benchFleet{{n: 10_000, devices: 10, ports: 10}, {n: 100_000, devices: 20, ports: 40}} {
		b.Run(fmt.Sprintf("services=%d", f.n), func(b *testing.B) { benchJunosSim(b, f) })
	}
}

func benchJunosSim(b *testing.B, f benchFleet) {
	fleet, err := junossim.NewFleet(junossim.FleetOptions{Devices: f.devices, Listen: "127.0.0.1:0", NamePrefix: "pe",
		Template: junossim.Options{User: "bench", Password: "bench", Ports: f.ports}})
	if err != nil {
		b.Fatal(err)
	}
	defer fleet.Close()
	st := openBenchStore(b)
	f.record(b, st)
	lines := map[string]*strings.Builder{}
	for i := 0; i < f.n; i++ {
		d := f.device(i)
		if lines[d] == nil {
			lines[d] = &strings.Builder{}
		}
		lines[d].WriteString(f.setLines(i))
		port, vlan := f.unit(i)
		switch f.drift(i) {
		case "missing":
			fmt.Fprintf(lines[d], "delete interfaces %s unit %d\n", port, vlan)
		case "changed":
			fmt.Fprintf(lines[d], "set interfaces %s unit %d vlan-id 4000\n", port, vlan)
		case "extra":
			fmt.Fprintf(lines[d], "set interfaces %s unit %d disable\n", port, vlan)
		}
	}
	targets := map[string]adapters.Target{}
	for _, d := range fleet.Devices() {
		if err := d.LoadSet(lines[d.Name()].String()); err != nil {
			b.Fatal(err)
		}
		c, err := junos.New(junos.Config{Name: d.Name(), Address: d.Addr(), User: "bench", Password: "bench", InsecureIgnoreHostKey: true})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		targets[d.Name()] = c
	}
	f.audit(b, st, targets, 8)
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
