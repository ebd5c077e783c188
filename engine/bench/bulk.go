package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/junos"
	junossim "github.com/xprov/xprov/adapters/junos/sim"
	"github.com/xprov/xprov/adapters/memory"
	"github.com/xprov/xprov/adapters/sam"
	samsim "github.com/xprov/xprov/adapters/sam/sim"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/flexservices"
)

// BulkOptions configure RunBulk.
type BulkOptions struct {
	// Services to create (default 2000).
	Services int
	// Batch is the bulk size (default 500); 1 uses the single-service path (Submit + Wait).
	Batch int
	// Southbound is "sim" (NETCONF and SOAP simulators on loopback) or "memory".
	Southbound string
	// Junos and SR are the simulated device counts (default 4 and 2).
	Junos, SR int
	// Mixed makes every other service a Junos-to-Nokia E-LINE (through the SAM).
	Mixed bool
	// Dir holds the database (default a temp dir, removed afterwards).
	Dir string
	// Delete deletes every service afterwards and measures that too.
	Delete bool
	// Progress, when set, is called after each batch with the services done so far.
	Progress func(done int)
}

// BulkResult is what RunBulk measured.
type BulkResult struct {
	Services       int           `json:"services"`
	Batch          int           `json:"batch"`
	Southbound     string        `json:"southbound"`
	Elapsed        time.Duration `json:"elapsed_ns"`
	PerSecond      float64       `json:"services_per_second"`
	CPUPerService  time.Duration `json:"cpu_per_service_ns"`
	DeleteElapsed  time.Duration `json:"delete_elapsed_ns,omitempty"`
	DeletePerSec   float64       `json:"delete_per_second,omitempty"`
	MaxRSSBytes    int64         `json:"max_rss_bytes"`
	HeapBytes      uint64        `json:"heap_bytes"`
	DBBytes        int64         `json:"db_bytes"`
	DBPerService   int64         `json:"db_bytes_per_service"`
	Commits        int           `json:"device_commits"`
	FailedServices int           `json:"failed_services"`
	FirstError     string        `json:"first_error,omitempty"`
}

// RunBulk provisions Services E-LINEs in this process, through the engine's bulk path
// (engine.Bulk) or its single path, with the simulators as goroutines, and measures. It is
// the engine-only view; Run measures the product as users drive it.
func RunBulk(ctx context.Context, o BulkOptions) (*BulkResult, error) {
	if o.Services <= 0 {
		o.Services = 2000
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Southbound == "" {
		o.Southbound = "sim"
	}
	if o.Junos <= 0 {
		o.Junos = 4
	}
	if o.SR <= 0 {
		o.SR = 2
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "xprov-bench-")
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	dbPath := filepath.Join(dir, "bench.db")
	st, err := store.OpenSQLite(ctx, dbPath, store.SQLiteOptions{})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer st.Close()

	targets, commits, closeSB, err := southbound(o)
	if err != nil {
		return nil, err
	}
	defer closeSB()

	reg := pack.NewRegistry(pack.Options{}, pack.Source{Name: "flexservices", FS: flexservices.FS})
	if err := reg.Reload(); err != nil {
		return nil, fmt.Errorf("bench: packs: %w", err)
	}
	// The pre-existing check fetches each target before planning; the bulk path plans many
	// services at once, where the check would dominate, so it is off here as in a migration.
	e, err := engine.New(engine.Options{Store: st, Packs: engine.RegistryPacks(reg), Targets: targets, SkipPreexistingCheck: true, Workers: 8})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	devs, err := e.Discover(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: discover: %w", err)
	}
	reqs, err := intents(devs, o)
	if err != nil {
		return nil, err
	}

	res := &BulkResult{Services: len(reqs), Batch: o.Batch, Southbound: o.Southbound}
	cpu0 := cpuTime()
	start := time.Now()
	failed, firstErr, err := apply(ctx, e, reqs, o)
	if err != nil {
		return nil, err
	}
	res.FirstError = firstErr
	res.Elapsed = time.Since(start)
	res.CPUPerService = (cpuTime() - cpu0) / time.Duration(len(reqs))
	res.PerSecond = float64(len(reqs)) / res.Elapsed.Seconds()
	res.FailedServices = failed
	if o.Delete {
		var dels []engine.Request
		for _, r := range reqs {
			dels = append(dels, engine.Request{Op: engine.OpDelete, ServiceID: r.ServiceID})
		}
		start := time.Now()
		o.Progress = nil
		if _, _, err := apply(ctx, e, dels, o); err != nil {
			return nil, err
		}
		res.DeleteElapsed = time.Since(start)
		res.DeletePerSec = float64(len(dels)) / res.DeleteElapsed.Seconds()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapBytes = ms.HeapAlloc
	res.MaxRSSBytes = maxRSS()
	for _, f := range []string{dbPath, dbPath + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			res.DBBytes += fi.Size()
		}
	}
	res.DBPerService = res.DBBytes / int64(len(reqs))
	res.Commits = commits()
	return res, nil
}

// apply runs requests in batches (bulk) or one by one; it returns how many failed.
func apply(ctx context.Context, e *engine.Engine, reqs []engine.Request, o BulkOptions) (int, string, error) {
	failed, first := 0, ""
	note := func(msg string) {
		failed++
		if first == "" {
			first = msg
		}
	}
	if o.Batch == 1 {
		for i, r := range reqs {
			run, err := e.Submit(ctx, r)
			if err != nil {
				note(r.ServiceID + ": " + err.Error())
				continue
			}
			if run, err = e.Wait(ctx, run.ID); err != nil {
				return failed, first, fmt.Errorf("bench: wait: %w", err)
			}
			if run.State != store.RunSucceeded {
				note(r.ServiceID + ": " + run.Error)
			}
			if o.Progress != nil && (i+1)%50 == 0 {
				o.Progress(i + 1)
			}
		}
		return failed, first, nil
	}
	for i := 0; i < len(reqs); i += o.Batch {
		j := min(i+o.Batch, len(reqs))
		res, err := e.Bulk(ctx, reqs[i:j], "bench")
		if err != nil {
			return failed, first, fmt.Errorf("bench: bulk: %w", err)
		}
		if res.State != store.RunSucceeded {
			return failed, first, fmt.Errorf("bench: bulk %s: %s", res.State, res.Error)
		}
		for _, it := range res.Items {
			if it.Error != "" {
				note(it.Service + ": " + it.Error)
			}
		}
		if o.Progress != nil {
			o.Progress(j)
		}
	}
	return failed, first, nil
}

// intents makes E-LINEs on distinct (port, VLAN) pairs: Junos to Junos, and with Mixed every
// other one Junos to Nokia.
func intents(devs []adapters.Device, o BulkOptions) ([]engine.Request, error) {
	jun, sr := byVendor(devs)
	if len(jun) < 2 {
		return nil, errors.New("bench: need at least two Junos devices")
	}
	up := func(d adapters.Device) []string {
		var ps []string
		for _, p := range d.Ports {
			if p.AdminUp {
				ps = append(ps, p.Name)
			}
		}
		return ps
	}
	// Each device hands out its own (port, VLAN) slots: ports first, then VLANs 2..4094.
	next := map[string]int{}
	slot := func(d adapters.Device) (string, int, error) {
		ps := up(d)
		if len(ps) == 0 {
			return "", 0, fmt.Errorf("bench: %s has no port up", d.Name)
		}
		n := next[d.Name]
		next[d.Name]++
		vlan := 2 + n/len(ps)
		if vlan > 4094 {
			return "", 0, fmt.Errorf("bench: %d services do not fit on %s", o.Services, d.Name)
		}
		return ps[n%len(ps)], vlan, nil
	}
	var out []engine.Request
	for i := 0; i < o.Services; i++ {
		a := jun[i%len(jun)]
		b := jun[(i+1)%len(jun)]
		if o.Mixed && i%2 == 1 && len(sr) > 0 {
			b = sr[i%len(sr)]
		}
		pa, va, err := slot(a)
		if err != nil {
			return nil, err
		}
		pb, vb, err := slot(b)
		if err != nil {
			return nil, err
		}
		intent := map[string]any{"customer": "CUST-" + strconv.Itoa(1+i%3), "description": "bench " + strconv.Itoa(i),
			"endpoints": []any{
				map[string]any{"device": a.Name, "port": pa, "vlan": va},
				map[string]any{"device": b.Name, "port": pb, "vlan": vb},
			}}
		raw, _ := json.Marshal(intent)
		out = append(out, engine.Request{Op: engine.OpCreate, Type: "eline", ServiceID: fmt.Sprintf("bench-%06d", i), Intent: raw, User: "bench"})
	}
	return out, nil
}

// southbound starts the targets and returns a commit counter and a closer.
func southbound(o BulkOptions) ([]adapters.Target, func() int, func(), error) {
	switch o.Southbound {
	case "memory":
		var ts []adapters.Target
		var devs []*memory.Device
		for i := 1; i <= o.Junos; i++ {
			name := fmt.Sprintf("pe%d", i)
			d := memory.New(memory.Options{Name: name, Devices: []adapters.Device{{Name: name, Vendor: "junos", Platform: "MX480",
				Address: fmt.Sprintf("10.255.1.%d", i), Ports: memPorts("ge-0/0/%d", 0, 10)}}})
			ts, devs = append(ts, d), append(devs, d)
		}
		var nodes []adapters.Device
		for i := 1; i <= o.SR; i++ {
			nodes = append(nodes, adapters.Device{Name: fmt.Sprintf("sr%d", i), Vendor: "sros", NMS: "sam1", Platform: "7750 SR-12",
				Address: fmt.Sprintf("10.255.2.%d", i), Ports: memPorts("1/1/%d", 1, 10)})
		}
		s := memory.New(memory.Options{Name: "sam1", Direct: true, Devices: nodes})
		ts, devs = append(ts, s), append(devs, s)
		commits := func() int {
			n := 0
			for _, d := range devs {
				n += d.Commits()
			}
			return n
		}
		return ts, commits, func() {}, nil
	case "sim":
		fleet, err := junossim.NewFleet(junossim.FleetOptions{Devices: o.Junos, Listen: "127.0.0.1:0", NamePrefix: "pe",
			Template: junossim.Options{User: "bench", Password: "bench", Ports: 10}})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("bench: junos simulators: %w", err)
		}
		srv := samsim.New(samsim.Options{Nodes: o.SR, PortsPerNode: 10, User: "bench", Password: "bench", Customers: []int{1, 2, 3}})
		if err := srv.Start("127.0.0.1:0"); err != nil {
			fleet.Close()
			return nil, nil, nil, fmt.Errorf("bench: SAM simulator: %w", err)
		}
		closeAll := func() { _ = srv.Close(); _ = fleet.Close() }
		var ts []adapters.Target
		for _, d := range fleet.Devices() {
			c, err := junos.New(junos.Config{Name: d.Name(), Address: d.Addr(), User: "bench", Password: "bench", InsecureIgnoreHostKey: true})
			if err != nil {
				closeAll()
				return nil, nil, nil, fmt.Errorf("bench: %s: %w", d.Name(), err)
			}
			ts = append(ts, c)
		}
		t, err := sam.New(sam.Options{Name: "sam1", URL: srv.InvokeURL(), User: "bench", Password: "bench"})
		if err != nil {
			closeAll()
			return nil, nil, nil, fmt.Errorf("bench: sam1: %w", err)
		}
		ts = append(ts, t)
		commits := func() int {
			n := 0
			for _, d := range fleet.Devices() {
				n += d.Commits()
			}
			return n
		}
		return ts, commits, func() {
			for _, t := range ts {
				_ = t.Close()
			}
			closeAll()
		}, nil
	}
	return nil, nil, nil, fmt.Errorf("bench: unknown southbound %q (sim or memory)", o.Southbound)
}

func memPorts(format string, from, n int) []adapters.Port {
	var ps []adapters.Port
	for i := from; i < from+n; i++ {
		ps = append(ps, adapters.Port{Name: fmt.Sprintf(format, i), SpeedMbps: 1000, AdminUp: true, OperUp: true})
	}
	return ps
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS is the process's peak resident set (Linux reports kilobytes).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

// Print writes a human summary.
func (r *BulkResult) Print(w io.Writer) {
	fmt.Fprintf(w, "services        %d (batch %d, southbound %s, %d failed)\n", r.Services, r.Batch, r.Southbound, r.FailedServices)
	fmt.Fprintf(w, "create          %s  (%.0f services/s, %s CPU per service)\n", r.Elapsed.Round(time.Millisecond), r.PerSecond, r.CPUPerService.Round(time.Microsecond))
	if r.DeleteElapsed > 0 {
		fmt.Fprintf(w, "delete          %s  (%.0f services/s)\n", r.DeleteElapsed.Round(time.Millisecond), r.DeletePerSec)
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "first failure   %s\n", r.FirstError)
	}
	fmt.Fprintf(w, "device commits  %d\n", r.Commits)
	fmt.Fprintf(w, "memory          peak RSS %s, heap %s\n", mib(r.MaxRSSBytes), mib(int64(r.HeapBytes)))
	fmt.Fprintf(w, "store           %s on disk (%d bytes per service)\n", mib(r.DBBytes), r.DBPerService)
}

func mib(n int64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.1f", float64(n)/(1<<20)), "0"), ".") + " MiB"
}
