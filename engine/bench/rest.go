package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
	_ "modernc.org/sqlite" // the "sqlite" driver, for the WAL checkpoint before measuring

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos"
	"github.com/xprov/xprov/adapters/sam"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/server"
)

// Options configure Run.
type Options struct {
	// Services is how many services to create, modify and delete (default 1000).
	Services int
	// Clients is how many REST clients run at once, each with its own token (default 8).
	Clients int
	// Packs are the service types, used in turn (default all four bundled packs).
	Packs []string
	// Junos and SR are the simulated Junos devices and SR nodes behind the SAM (default 4, 3).
	Junos, SR int
	// Dir holds the database, the server's config and the children's logs (default a temp
	// dir, removed afterwards unless Keep).
	Dir string
	// Keep keeps Dir (the database and logs) after the run.
	Keep bool
	// Profile writes a CPU profile of each child (server.pprof, sim-junos.pprof,
	// sim-sam.pprof) into Dir; it implies Keep.
	Profile bool
	// Exe is the xprov executable run as the simulators and the server (default this one).
	Exe string
	// Env is added to the children's environment.
	Env []string
	// Progress, when set, is called as requests finish with the phase and how far it is.
	Progress func(phase string, done, total int)
	// Stall ends the run with an error when no request finished for that long (default 2
	// minutes): a stuck server (a deadlock) must not hang the bench.
	Stall time.Duration
}

// Result is what Run measured.
type Result struct {
	Services int      `json:"services"`
	Clients  int      `json:"clients"`
	Packs    []string `json:"packs"`
	Junos    int      `json:"junos_devices"`
	SR       int      `json:"sr_nodes"`
	// Phases are create, modify and delete, in that order.
	Phases []Phase `json:"phases"`
	// ServerCPUSeconds and SimCPUSeconds are the whole run's CPU (start-up included).
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	SimCPUSeconds    float64 `json:"simulators_cpu_seconds"`
	// ServerPeakRSS is the server process's peak resident set.
	ServerPeakRSS int64 `json:"server_peak_rss_bytes"`
	// DBBytes is the database file after the creates and a WAL checkpoint (every service
	// present); DBBytesPerService divides it by the services created.
	DBBytes           int64 `json:"db_bytes"`
	DBBytesPerService int64 `json:"db_bytes_per_service"`
	// DeviceCommits are the commits the Junos simulators counted; SAMRequests the SOAP
	// requests the SAM simulator answered (SAM has no commit: it applies object by object).
	DeviceCommits int   `json:"device_commits"`
	SAMRequests   int64 `json:"sam_requests"`
	// Failed counts requests that did not succeed (all phases); FirstError is the first.
	Failed     int    `json:"failed"`
	FirstError string `json:"first_error,omitempty"`
	// Throttled counts 429 answers (the per-token rate limit); those requests were retried.
	Throttled int `json:"throttled"`
	// Residue lists configuration left on the devices after every service was deleted,
	// compared with before the run (empty when the engine cleaned up).
	Residue []string `json:"residue,omitempty"`
	// Dir is where the database and logs are, when kept.
	Dir string `json:"dir,omitempty"`
}

// Phase is one pass over every service.
type Phase struct {
	Name      string  `json:"name"`
	Requests  int     `json:"requests"`
	Failed    int     `json:"failed"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"services_per_second"`
	P50ms     float64 `json:"p50_ms"`
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	// ServerCPUms and SimCPUms are CPU milliseconds per service in this phase.
	ServerCPUms float64 `json:"server_cpu_ms_per_service"`
	SimCPUms    float64 `json:"simulators_cpu_ms_per_service"`
}

// Run starts the simulators and a server as child processes, drives them over REST and
// measures; see the package doc.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	if o.Services <= 0 {
		o.Services = 1000
	}
	if o.Clients <= 0 {
		o.Clients = 8
	}
	if len(o.Packs) == 0 {
		o.Packs = Packs
	}
	for _, p := range o.Packs {
		if _, ok := endpointsOf[p]; !ok {
			return nil, fmt.Errorf("bench: unknown pack %q (have %s)", p, strings.Join(Packs, ", "))
		}
	}
	if o.Stall <= 0 {
		o.Stall = 2 * time.Minute
	}
	if o.Junos <= 0 {
		o.Junos = 4
	}
	if o.SR <= 0 {
		o.SR = 3
	}
	if o.Exe == "" {
		if o.Exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
	}
	if o.Profile {
		o.Keep = true
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "xprov-bench-"); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		if !o.Keep {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}

	l, err := startLab(ctx, o, dir)
	if err != nil {
		return nil, err
	}
	defer l.close()

	res = &Result{Services: o.Services, Clients: o.Clients, Packs: o.Packs, Junos: o.Junos, SR: o.SR}
	if o.Keep {
		res.Dir = dir
	}
	admin := &client.Client{Base: l.url, Token: l.token, HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients + 1}}}
	devs, err := admin.Devices(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("bench: devices: %w", err)
	}
	if want := o.Junos + o.SR; len(devs) != want {
		return nil, fmt.Errorf("bench: the server discovered %d devices, want %d (see %s)", len(devs), want, filepath.Join(dir, "server.log"))
	}
	jobs, err := plan(devs, o.Packs, o.Services)
	if err != nil {
		return nil, err
	}
	before, err := l.fetchAll(ctx)
	if err != nil {
		return nil, err
	}
	clients := make([]*client.Client, o.Clients)
	for i := range clients {
		tok, err := admin.CreateToken(ctx, fmt.Sprintf("bench-%d", i), store.RoleOperator)
		if err != nil {
			return nil, fmt.Errorf("bench: token: %w", err)
		}
		clients[i] = &client.Client{Base: l.url, Token: tok.Token, HTTP: admin.HTTP}
	}

	d := &driver{o: o, lab: l, clients: clients, res: res}
	phases := []struct {
		name string
		do   func(ctx context.Context, c *client.Client, j job) (client.Result, error)
	}{
		{"create", func(ctx context.Context, c *client.Client, j job) (client.Result, error) {
			return c.CreateService(ctx, rest.CreateRequest{Type: j.typ, ID: j.id, Intent: j.create}, client.RunOptions{Wait: true, IdempotencyKey: j.id})
		}},
		{"modify", func(ctx context.Context, c *client.Client, j job) (client.Result, error) {
			return c.ModifyService(ctx, j.id, j.modify, client.RunOptions{Wait: true})
		}},
		{"delete", func(ctx context.Context, c *client.Client, j job) (client.Result, error) {
			return c.DeleteService(ctx, j.id, client.RunOptions{Wait: true})
		}},
	}
	for _, ph := range phases {
		p, err := d.phase(ctx, ph.name, jobs, ph.do)
		if err != nil {
			return nil, err
		}
		res.Phases = append(res.Phases, p)
		if ph.name == "create" {
			if res.DBBytes, err = checkpointedSize(ctx, l.db); err != nil {
				return nil, err
			}
			res.DBBytesPerService = res.DBBytes / int64(max(1, o.Services))
		}
	}
	after, err := l.fetchAll(ctx)
	if err != nil {
		return nil, err
	}
	res.Residue = residue(before, after)

	res.ServerPeakRSS = l.server.peakRSS()
	if err := l.stop(); err != nil {
		return nil, err
	}
	res.ServerPeakRSS = max(res.ServerPeakRSS, l.server.peakRSS())
	res.ServerCPUSeconds = l.server.cpu().Seconds()
	res.SimCPUSeconds = (l.junos.cpu() + l.sam.cpu()).Seconds()
	res.DeviceCommits, res.SAMRequests = l.counters()
	return res, nil
}

// driver runs the phases.
type driver struct {
	o       Options
	lab     *lab
	clients []*client.Client
	res     *Result
	mu      sync.Mutex
}

func (d *driver) fail(msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.res.Failed++
	if d.res.FirstError == "" {
		d.res.FirstError = msg
	}
}

// phase sends one request per job from every client at once and measures.
func (d *driver) phase(ctx context.Context, name string, jobs []job, do func(context.Context, *client.Client, job) (client.Result, error)) (Phase, error) {
	p := Phase{Name: name, Requests: len(jobs)}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	progress := make(chan struct{}, 1)
	go d.watch(ctx, cancel, name, progress)
	next := make(chan job)
	lat := make([][]time.Duration, len(d.clients))
	var failed, done int
	var mu sync.Mutex
	srv0, sim0 := d.lab.server.cpu(), d.lab.junos.cpu()+d.lab.sam.cpu()
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range d.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				t0 := time.Now()
				err := d.request(ctx, c, j, do)
				lat[i] = append(lat[i], time.Since(t0))
				mu.Lock()
				done++
				n := done
				if err != nil {
					failed++
				}
				mu.Unlock()
				select {
				case progress <- struct{}{}:
				default:
				}
				if err != nil && ctx.Err() == nil {
					d.fail(fmt.Sprintf("%s %s: %v", name, j.id, err))
				}
				if d.o.Progress != nil {
					d.o.Progress(name, n, len(jobs))
				}
			}
		}()
	}
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return p, context.Cause(ctx)
	}
	elapsed := time.Since(start)
	p.Failed = failed
	p.Seconds = elapsed.Seconds()
	p.PerSecond = float64(len(jobs)-failed) / elapsed.Seconds()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	p.P50ms, p.P90ms, p.P99ms = ms(percentile(all, 50)), ms(percentile(all, 90)), ms(percentile(all, 99))
	n := float64(max(1, len(jobs)))
	p.ServerCPUms = ms(d.lab.server.cpu()-srv0) / n
	p.SimCPUms = ms(d.lab.junos.cpu()+d.lab.sam.cpu()-sim0) / n
	return p, nil
}

// watch cancels the phase when no request finished for o.Stall.
func (d *driver) watch(ctx context.Context, cancel context.CancelCauseFunc, name string, progress <-chan struct{}) {
	t := time.NewTimer(d.o.Stall)
	defer t.Stop()
	for {
		select {
		case <-progress:
			t.Reset(d.o.Stall)
		case <-t.C:
			cancel(fmt.Errorf("bench: %s: no request finished for %s; the server looks stuck (runs waiting for each other's targets?), see %s",
				name, d.o.Stall, "its goroutines: kill -QUIT the server, its log is in --dir with --keep"))
			return
		case <-ctx.Done():
			return
		}
	}
}

// request sends one request until it is not throttled, and waits for its run if the server
// answered before the run ended (?wait=true has a time limit).
func (d *driver) request(ctx context.Context, c *client.Client, j job, do func(context.Context, *client.Client, job) (client.Result, error)) error {
	for {
		r, err := do(ctx, c, j)
		if client.StatusOf(err) == http.StatusTooManyRequests {
			d.mu.Lock()
			d.res.Throttled++
			d.mu.Unlock()
			select {
			case <-time.After(100 * time.Millisecond):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err != nil {
			return firstLine(err)
		}
		if r.Run == nil {
			return errors.New("no run in the answer")
		}
		run := *r.Run
		for !engine.Finished(run.State) {
			select {
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			rd, err := c.GetRun(ctx, run.ID)
			if err != nil {
				return err
			}
			run = rd.Run
		}
		if run.State != store.RunSucceeded {
			return fmt.Errorf("run %s %s: %s", run.ID, run.State, run.Error)
		}
		return nil
	}
}

// firstLine keeps an error's first line (field errors follow on further lines).
func firstLine(err error) error {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return fmt.Errorf("%s (%s)", s[:i], strings.TrimSpace(strings.ReplaceAll(s[i+1:], "\n", "; ")))
	}
	return err
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// lab is the child processes and what the bench knows about them.
type lab struct {
	junos, sam, server *child
	password           string
	knownHosts         string
	devices            []server.DeviceConfig
	samURL             string
	url, token         string
	db                 string
	stopped            bool
}

// startLab starts the simulators, then a server whose config points at them.
func startLab(ctx context.Context, o Options, dir string) (_ *lab, err error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	l := &lab{password: hex.EncodeToString(b[:]), db: filepath.Join(dir, "bench.db")}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	logf := func(name string) (*os.File, error) {
		f, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		return f, nil
	}
	jlog, err := logf("sim-junos")
	if err != nil {
		return nil, err
	}
	defer jlog.Close()
	profile := func(name string) []string {
		env := append([]string(nil), o.Env...)
		if o.Profile {
			env = append(env, "XPROV_CPUPROFILE="+filepath.Join(dir, name+".pprof"))
		}
		return env
	}
	if l.junos, err = startChild("junos simulators", o.Exe, append(profile("sim-junos"), "XPROV_SIM_PASSWORD="+l.password), jlog, "sim", "junos",
		"--devices", strconv.Itoa(o.Junos), "--listen", "127.0.0.1:0", "--user", "bench", "--ports", "10"); err != nil {
		return nil, err
	}
	samlog, err := logf("sim-sam")
	if err != nil {
		return nil, err
	}
	defer samlog.Close()
	// The SAM simulator takes its password from the environment, never the command line.
	if l.sam, err = startChild("SAM simulator", o.Exe, append(profile("sim-sam"), "XPROV_SAM_PASSWORD="+l.password), samlog, "sim", "sam",
		"--nodes", strconv.Itoa(o.SR), "--listen", "127.0.0.1:0", "--user", "bench", "--ports", "10"); err != nil {
		return nil, err
	}

	// Junos: "pe1\t127.0.0.1:40001\tloopback 10.255.1.1/32" per device, then "... ready".
	ready, _, err := l.junos.expect(ctx, 0, time.Minute, func(s string) bool { return strings.Contains(s, "Junos devices ready") })
	if err != nil {
		return nil, err
	}
	for _, line := range l.junos.output()[:ready] {
		f := strings.Split(line, "\t")
		if len(f) >= 2 {
			l.devices = append(l.devices, server.DeviceConfig{Name: f[0], Address: f[1], User: "bench", PasswordEnv: "XPROV_BENCH_PASSWORD"})
		}
	}
	if len(l.devices) != o.Junos {
		return nil, fmt.Errorf("bench: the Junos simulator announced %d devices, want %d", len(l.devices), o.Junos)
	}
	_, line, err := l.sam.expect(ctx, 0, time.Minute, func(s string) bool { return strings.HasPrefix(s, "SAM-O endpoint: ") })
	if err != nil {
		return nil, err
	}
	l.samURL = strings.TrimPrefix(line, "SAM-O endpoint: ")

	// The simulators make up a host key at start; trust it as an operator would after
	// checking it, through a known_hosts file.
	key, err := hostKey(l.devices[0].Address)
	if err != nil {
		return nil, err
	}
	var kh strings.Builder
	for _, d := range l.devices {
		kh.WriteString(knownhosts.Line([]string{d.Address}, key) + "\n")
	}
	l.knownHosts = filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(l.knownHosts, []byte(kh.String()), 0o600); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}

	cfg := server.Config{Listen: "127.0.0.1:0", DB: l.db, KnownHosts: l.knownHosts, Devices: l.devices,
		SAMs: []server.SAMConfig{{Name: "sam1", URL: l.samURL, User: "bench", PasswordEnv: "XPROV_BENCH_PASSWORD"}}}
	raw, _ := json.MarshalIndent(cfg, "", "  ")
	cfgPath := filepath.Join(dir, "xprov.json")
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	srvlog, err := logf("server")
	if err != nil {
		return nil, err
	}
	defer srvlog.Close()
	env := append(profile("server"), "XPROV_BENCH_PASSWORD="+l.password)
	if l.server, err = startChild("server", o.Exe, env, srvlog, "serve", "--config", cfgPath, "--log-level", "warn", "--grace", "1m"); err != nil {
		return nil, err
	}
	i, line, err := l.server.expect(ctx, 0, 2*time.Minute, func(s string) bool { return strings.HasPrefix(s, "xprov is serving on ") })
	if err != nil {
		return nil, err
	}
	l.url = strings.Fields(strings.TrimPrefix(line, "xprov is serving on "))[0]
	_, line, err = l.server.expect(ctx, i, 10*time.Second, func(s string) bool { return strings.HasPrefix(s, "admin token") })
	if err != nil {
		return nil, err
	}
	l.token = line[strings.LastIndexByte(line, ' ')+1:]
	return l, nil
}

// hostKey reads a simulator's SSH host key (the handshake stops there).
func hostKey(addr string) (ssh.PublicKey, error) {
	var key ssh.PublicKey
	errGot := errors.New("got the key")
	cfg := &ssh.ClientConfig{User: "bench", Timeout: 10 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error { key = k; return errGot }}
	c, err := ssh.Dial("tcp", addr, cfg)
	if c != nil {
		_ = c.Close()
	}
	if key == nil {
		return nil, fmt.Errorf("bench: host key of %s: %w", addr, err)
	}
	return key, nil
}

// fetchAll reads the whole configuration of every simulated target, as the bench's own
// client (not through the server): what is on the devices, whatever the server believes.
func (l *lab) fetchAll(ctx context.Context) (map[string][]config.Leaf, error) {
	out := map[string][]config.Leaf{}
	var ts []adapters.Target
	defer func() {
		for _, t := range ts {
			_ = t.Close()
		}
	}()
	for _, d := range l.devices {
		c, err := junos.New(junos.Config{Name: d.Name, Address: d.Address, User: "bench", Password: l.password, KnownHostsFile: l.knownHosts})
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", d.Name, err)
		}
		ts = append(ts, c)
	}
	t, err := sam.New(sam.Options{Name: "sam1", URL: l.samURL, User: "bench", Password: l.password})
	if err != nil {
		return nil, fmt.Errorf("bench: sam1: %w", err)
	}
	ts = append(ts, t)
	for _, t := range ts {
		leaves, err := t.Fetch(ctx, []config.Path{nil})
		if err != nil {
			return nil, fmt.Errorf("bench: fetch %s: %w", t.Name(), err)
		}
		out[t.Name()] = leaves
	}
	return out, nil
}

// residue lists what after holds that before did not, per target (at most 20 lines).
func residue(before, after map[string][]config.Leaf) []string {
	var out []string
	names := make([]string, 0, len(after))
	for n := range after {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		had := map[string]bool{}
		for _, l := range before[n] {
			had[l.Path.String()+"="+l.Value] = true
		}
		for _, l := range after[n] {
			if k := l.Path.String() + "=" + l.Value; !had[k] && len(out) < 20 {
				out = append(out, n+": "+k)
			}
		}
	}
	return out
}

// checkpointedSize checkpoints the server's WAL into the database file and returns the file's
// size: what the services take on disk, without a WAL that only grows until checkpointed.
func checkpointedSize(ctx context.Context, path string) (int64, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, fmt.Errorf("bench: open %s: %w", path, err)
	}
	defer db.Close()
	for try := 0; ; try++ {
		var busy, logFrames, done int
		if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
			return 0, fmt.Errorf("bench: checkpoint: %w", err)
		}
		if busy == 0 || try == 20 {
			break
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	var size int64
	for _, f := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	return size, nil
}

// stop shuts the server down cleanly, then the simulators (which then print their counters).
func (l *lab) stop() error {
	if l.stopped {
		return nil
	}
	l.stopped = true
	var errs []error
	for _, c := range []*child{l.server, l.junos, l.sam} {
		if c != nil {
			if err := c.stop(time.Minute); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// close kills whatever still runs (after a failure).
func (l *lab) close() {
	for _, c := range []*child{l.server, l.junos, l.sam} {
		if c != nil {
			c.kill()
		}
	}
}

// counters reads the simulators' exit lines: "pe1\tcommits 12" and "requests 345".
func (l *lab) counters() (commits int, samRequests int64) {
	for _, line := range l.junos.output() {
		if _, v, ok := strings.Cut(line, "\tcommits "); ok {
			n, _ := strconv.Atoi(v)
			commits += n
		}
	}
	for _, line := range l.sam.output() {
		if v, ok := strings.CutPrefix(line, "requests "); ok {
			samRequests, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return commits, samRequests
}

// Print writes a human summary.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "%d services (%s), %d clients, %d Junos devices, %d SR nodes behind one SAM\n",
		r.Services, strings.Join(r.Packs, ", "), r.Clients, r.Junos, r.SR)
	fmt.Fprintf(w, "%-8s %10s %9s %9s %9s %15s %15s %7s\n", "phase", "services/s", "p50 ms", "p90 ms", "p99 ms", "server CPU ms", "sims CPU ms", "failed")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "%-8s %10.1f %9.1f %9.1f %9.1f %15.2f %15.2f %7d\n", p.Name, p.PerSecond, p.P50ms, p.P90ms, p.P99ms, p.ServerCPUms, p.SimCPUms, p.Failed)
	}
	fmt.Fprintf(w, "(CPU per service; server and simulators are separate processes)\n")
	fmt.Fprintf(w, "server          peak RSS %s, %.1f s CPU in all\n", mib(r.ServerPeakRSS), r.ServerCPUSeconds)
	fmt.Fprintf(w, "simulators      %.1f s CPU in all\n", r.SimCPUSeconds)
	fmt.Fprintf(w, "database        %s after the creates and a checkpoint (%d bytes per service)\n", mib(r.DBBytes), r.DBBytesPerService)
	fmt.Fprintf(w, "device commits  %d on the Junos devices; %d SAM requests\n", r.DeviceCommits, r.SAMRequests)
	fmt.Fprintf(w, "throttled       %d (429, retried)\n", r.Throttled)
	if r.FirstError != "" {
		fmt.Fprintf(w, "failed          %d, first: %s\n", r.Failed, r.FirstError)
	}
	if len(r.Residue) > 0 {
		fmt.Fprintf(w, "left on devices after the deletes:\n  %s\n", strings.Join(r.Residue, "\n  "))
	}
	if r.Dir != "" {
		fmt.Fprintf(w, "kept            %s\n", r.Dir)
	}
}
