package sim

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// Options describe one simulated device.
type Options struct {
	// Name is the device's host-name (default "pe1").
	Name string
	// Model is the hardware model (default "MX480").
	Model string
	// Version is the Junos release (default "21.4R3-S5.4").
	Version string
	// Serial is the chassis serial number (default derived from Name).
	Serial string
	// Loopback is lo0.0's address with prefix length (default "10.255.1.1/32").
	Loopback string
	// Ports is the number of physical ports, ge-0/0/0.. then xe-0/1/0.. (default 10).
	Ports int
	// Listen is the TCP address to listen on (default "127.0.0.1:0").
	Listen string
	// User and Password are the accepted login; an empty Password refuses password logins.
	User     string
	Password string
	// AuthorizedKeys are the public keys accepted for User.
	AuthorizedKeys []ssh.PublicKey
	// HostKey is the SSH host key; one is generated when nil. A fleet shares one key.
	HostKey ssh.Signer
	// DisableBase11 stops the device from advertising base:1.1 (so chunked framing is never
	// used), as a Junos box without `netconf rfc-compliant` behaves.
	DisableBase11 bool
	// CommitDelay is how long every commit takes (a commit check is immediate).
	CommitDelay time.Duration
	// HelloWithoutNamespace sends the server hello without the base:1.0 namespace, as old
	// Junos captures show; go-netconf then fails the handshake silently (PROTOCOLS.md §0.3).
	HelloWithoutNamespace bool
}

func (o *Options) defaults() error {
	if o.Name == "" {
		o.Name = "pe1"
	}
	if o.Model == "" {
		o.Model = "MX480"
	}
	if o.Version == "" {
		o.Version = "21.4R3-S5.4"
	}
	if o.Serial == "" {
		o.Serial = fmt.Sprintf("JN%010X", hash32(o.Name))
	}
	if o.Loopback == "" {
		o.Loopback = "10.255.1.1/32"
	}
	if !strings.Contains(o.Loopback, "/") {
		o.Loopback += "/32"
	}
	if o.Ports <= 0 {
		o.Ports = 10
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.HostKey == nil {
		k, err := NewHostKey()
		if err != nil {
			return err
		}
		o.HostKey = k
	}
	return nil
}

// NewHostKey generates an ed25519 SSH host key.
func NewHostKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sim: host key: %w", err)
	}
	return ssh.NewSignerFromKey(priv)
}

func hash32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// commitEntry is one element of the rollback history. Its tree shares every subtree the
// next commits did not touch, so an entry costs what its commit changed.
type commitEntry struct {
	tree *cnode
	at   time.Time
	user string
	log  string
	how  string // "netconf", "confirmed", "rollback"
}

// pendingCommit is a confirmed commit waiting for its confirmation.
type pendingCommit struct {
	prior *cnode // running before the confirmed commit
	// priorValid says whether prior passed a commit check (see Device.runValid).
	priorValid bool
	session    int
	persist    string
	timer      *time.Timer
	gen        int
	deadline   time.Time
	user       string
}

// port is one physical port of the simulated chassis.
type port struct {
	name  string
	speed int // Mbps
	up    bool
}

// Device is one simulated Junos router.
type Device struct {
	opts   Options
	ln     net.Listener
	sshCfg *ssh.ServerConfig
	ports  []port
	boot   time.Time

	closing chan struct{}
	wg      sync.WaitGroup

	mu        sync.Mutex
	running   *cnode
	candidate *cnode // the shared candidate; running itself until someone edits it
	// runIdx indexes running for the incremental commit check; runValid says whether
	// running passed a commit check (LoadSet can store a configuration that would not), in
	// which case a check only needs to look at what a candidate changes.
	runIdx     *index
	runValid   bool
	lockHolder int // session id holding the candidate lock, 0 when none
	history    []commitEntry
	pending    *pendingCommit
	pendingGen int
	sessions   map[int]*session
	commits    int

	// fleet is the fleet the device belongs to (nil when alone): the operational commands
	// find the other PEs there by loopback address.
	fleet *Fleet

	// onCommit, when set, is told (without the device lock) that running changed: a fleet
	// with a state file saves it in the background.
	onCommit func()

	// Faults.
	unreachable    atomic.Bool
	refuseLogin    atomic.Bool
	dropNextCommit atomic.Bool
	dropNextRPC    atomic.Pointer[string]
	latency        atomic.Int64
	commitDelay    atomic.Int64
	failMu         sync.Mutex
	failNextCommit string
}

// sessionIDs are unique in the process, like PIDs on one box are unique per box.
var sessionIDs atomic.Int64

func init() { sessionIDs.Store(27000) }

// New creates a device and starts its SSH listener.
func New(opts Options) (*Device, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	d := &Device{opts: opts, closing: make(chan struct{}), sessions: map[int]*session{}, boot: time.Now()}
	d.commitDelay.Store(int64(opts.CommitDelay))
	for i := 0; i < opts.Ports; i++ {
		p := port{name: fmt.Sprintf("ge-0/0/%d", i), speed: 1000, up: i < opts.Ports-2}
		if i >= 8 {
			p = port{name: fmt.Sprintf("xe-0/1/%d", i-8), speed: 10000, up: i < opts.Ports-2}
		}
		d.ports = append(d.ports, p)
	}
	initial, errs := parseSetLines(d.initialConfig())
	errs = append(errs, modelEdit(initial)...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("sim: %s: initial config: %s", opts.Name, errs[0].message)
	}
	var eerrs []editError
	run := edit(&cnode{name: "configuration"}, initial, "merge", nil, &eerrs)
	d.running, d.candidate = run, run
	d.runIdx = newIndex()
	d.runIdx.update(nil, run)
	d.runValid = !hasErrors(checkConfig(run))
	d.history = []commitEntry{{tree: run, at: d.boot, user: "root", how: "cli"}}

	d.sshCfg = &ssh.ServerConfig{
		ServerVersion: "SSH-2.0-OpenSSH_7.5 (Junos sim)",
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if d.refuseLogin.Load() || d.opts.Password == "" {
				return nil, errors.New("login refused")
			}
			okUser := subtle.ConstantTimeCompare([]byte(c.User()), []byte(d.opts.User)) == 1
			okPass := subtle.ConstantTimeCompare(pw, []byte(d.opts.Password)) == 1
			if okUser && okPass {
				return &ssh.Permissions{}, nil
			}
			return nil, errors.New("bad credentials")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if d.refuseLogin.Load() || c.User() != d.opts.User {
				return nil, errors.New("login refused")
			}
			for _, a := range d.opts.AuthorizedKeys {
				if subtle.ConstantTimeCompare(a.Marshal(), k.Marshal()) == 1 {
					return &ssh.Permissions{}, nil
				}
			}
			return nil, errors.New("unknown key")
		},
	}
	d.sshCfg.AddHostKey(opts.HostKey)
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("sim: %s: listen: %w", opts.Name, err)
	}
	d.ln = ln
	d.wg.Add(1)
	go d.serve()
	return d, nil
}

// initialConfig is what a freshly installed box in the lab carries before any service.
func (d *Device) initialConfig() string {
	lo := d.opts.Loopback
	ip := strings.SplitN(lo, "/", 2)[0]
	n := hash32(d.opts.Name) % 250
	lines := []string{
		"set system host-name " + quote(d.opts.Name),
		"set system services netconf ssh",
		"set interfaces lo0 unit 0 family inet address " + lo,
		"set interfaces ge-0/0/0 description \"core: to P1\"",
		"set interfaces ge-0/0/0 mtu 9192",
		fmt.Sprintf("set interfaces ge-0/0/0 unit 0 family inet address 10.0.%d.1/30", n),
		"set interfaces ge-0/0/0 unit 0 family mpls",
		"set routing-options router-id " + ip,
		"set routing-options autonomous-system 65000",
		"set protocols mpls interface ge-0/0/0.0",
		"set protocols ldp interface ge-0/0/0.0",
		"set protocols ldp interface lo0.0",
	}
	if len(d.ports) > 8 {
		lines = append(lines,
			"set interfaces xe-0/1/0 description \"core: to P2\"",
			fmt.Sprintf("set interfaces xe-0/1/0 unit 0 family inet address 10.1.%d.1/30", n),
			"set interfaces xe-0/1/0 unit 0 family mpls",
			"set protocols mpls interface xe-0/1/0.0",
			"set protocols ldp interface xe-0/1/0.0")
	}
	return strings.Join(lines, "\n")
}

// Name returns the device's host-name.
func (d *Device) Name() string { return d.opts.Name }

// Addr returns the address the device listens on (host:port).
func (d *Device) Addr() string { return d.ln.Addr().String() }

// Loopback returns lo0.0's address without prefix length.
func (d *Device) Loopback() string { return strings.SplitN(d.opts.Loopback, "/", 2)[0] }

// HostKey returns the device's public host key, for a known_hosts file.
func (d *Device) HostKey() ssh.PublicKey { return d.opts.HostKey.PublicKey() }

// Options returns the options the device runs with (defaults filled in).
func (d *Device) Options() Options { return d.opts }

// Close stops the listener, ends every session and waits for their goroutines.
func (d *Device) Close() error {
	select {
	case <-d.closing:
		return nil
	default:
	}
	close(d.closing)
	err := d.ln.Close()
	d.mu.Lock()
	for _, s := range d.sessions {
		s.kill()
	}
	if d.pending != nil {
		d.pending.timer.Stop()
	}
	d.mu.Unlock()
	d.wg.Wait()
	return err
}

// KillSessions ends every NETCONF session, as when the management link drops.
func (d *Device) KillSessions() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.sessions {
		s.kill()
	}
}

// SetUnreachable makes the device unreachable (true): every session ends and new
// connections close before the SSH handshake; false makes it reachable again.
func (d *Device) SetUnreachable(on bool) {
	d.unreachable.Store(on)
	if on {
		d.KillSessions()
	}
}

// RefuseLogin makes the device refuse (true) or accept (false) new logins.
func (d *Device) RefuseLogin(refuse bool) { d.refuseLogin.Store(refuse) }

// DropSessionOnNextCommit makes the next commit apply and then drop the session before the
// reply is sent, as when a link fails mid-commit. A confirmed commit dropped this way stays
// pending until its deadline, like any confirmed commit whose session ends.
func (d *Device) DropSessionOnNextCommit() { d.dropNextCommit.Store(true) }

// DropSessionOnNextRPC makes the device drop the session, without a reply and before acting
// on it, when it receives the next RPC whose operation element is named rpc (e.g.
// "edit-config", "lock", "get-config"), as when a link fails while a request is in flight.
func (d *Device) DropSessionOnNextRPC(rpc string) { d.dropNextRPC.Store(&rpc) }

// FailNextCommit makes the next commit (or commit check) fail with msg.
func (d *Device) FailNextCommit(msg string) {
	d.failMu.Lock()
	d.failNextCommit = msg
	d.failMu.Unlock()
}

// SetLatency delays every RPC reply by lat.
func (d *Device) SetLatency(lat time.Duration) { d.latency.Store(int64(lat)) }

// SetCommitDelay makes every commit take delay.
func (d *Device) SetCommitDelay(delay time.Duration) { d.commitDelay.Store(int64(delay)) }

// Sessions returns the number of open NETCONF sessions.
func (d *Device) Sessions() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.sessions)
}

// LockHolder returns the session id holding the candidate lock, 0 when unlocked.
func (d *Device) LockHolder() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lockHolder
}

// Commits returns how many commits (including automatic rollbacks) the device has made.
func (d *Device) Commits() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.commits
}

// CommitLog returns the log message (the commit comment) and user of the n-th newest entry of
// the rollback history (0: the running configuration); ok is false beyond the history.
func (d *Device) CommitLog(n int) (log, user string, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n < 0 || n >= len(d.history) {
		return "", "", false
	}
	return d.history[n].log, d.history[n].user, true
}

// ConfirmDeadline returns when the pending confirmed commit rolls back by itself; ok is
// false when none is pending.
func (d *Device) ConfirmDeadline() (deadline time.Time, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending == nil {
		return time.Time{}, false
	}
	return d.pending.deadline, true
}

// PendingConfirm reports whether a confirmed commit is waiting for confirmation.
func (d *Device) PendingConfirm() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending != nil
}

// RunningSet returns the running configuration as `set` lines.
func (d *Device) RunningSet() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return setLines(d.running)
}

// CandidateSet returns the candidate configuration as `set` lines.
func (d *Device) CandidateSet() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return setLines(d.candidate)
}

// RunningHas reports whether the running configuration holds the given set line (as
// RunningSet renders it).
func (d *Device) RunningHas(line string) bool {
	for _, l := range d.RunningSet() {
		if l == line {
			return true
		}
	}
	return false
}

// LoadSet applies set/delete lines to the running configuration directly (a commit by
// another operator on the CLI), for tests that need drift or pre-existing configuration.
func (d *Device) LoadSet(lines string) error {
	ed, errs := parseSetLines(lines)
	errs = append(errs, modelEdit(ed)...)
	d.mu.Lock()
	defer d.mu.Unlock()
	c := edit(d.running, ed, "merge", nil, &errs)
	for _, e := range errs {
		if e.severity == "error" {
			return fmt.Errorf("sim: %s: load: %s %s", d.opts.Name, e.message, e.bad)
		}
	}
	// Unlike a commit, this stores what it is given; remember whether that passes a check.
	d.commitLocked(c, !hasErrors(d.checkLocked(c, false)), "cli", "root", "")
	d.candidate = c
	return nil
}

// commitLocked makes tree the running configuration and records it in the history; valid
// says whether tree passed a commit check.
func (d *Device) commitLocked(tree *cnode, valid bool, how, user, log string) {
	d.runIdx.update(d.running, tree)
	d.running, d.runValid = tree, valid
	d.commits++
	d.history = append([]commitEntry{{tree: tree, at: time.Now(), user: user, log: log, how: how}}, d.history...)
	if len(d.history) > 50 {
		d.history = d.history[:50]
	}
	if d.onCommit != nil {
		d.onCommit()
	}
}

// FleetOptions describe a fleet of devices.
type FleetOptions struct {
	// Devices is how many devices to start.
	Devices int
	// Listen is the first device's address; device i listens on port+i. Port 0 gives every
	// device its own free port.
	Listen string
	// NamePrefix names devices prefix1, prefix2, ... (default "pe").
	NamePrefix string
	// Template holds the options every device shares (credentials, model, ports, ...).
	// Name, Listen, Loopback and Serial are set per device; HostKey is shared.
	Template Options
	// StateFile, when set, keeps the devices' running configurations across restarts: a
	// device whose name the file holds starts with that configuration, and every commit is
	// saved to it in the background (state.go). Empty: devices start fresh.
	StateFile string
}

// Fleet is a set of devices in one process.
type Fleet struct {
	devices []*Device
	byName  map[string]*Device
	saver   *saver
}

// NewFleet starts opts.Devices devices on consecutive ports. Device i (from 1) is named
// prefix+i and has loopback 10.255.x.y/32 derived from i.
func NewFleet(opts FleetOptions) (*Fleet, error) {
	if opts.Devices <= 0 {
		return nil, errors.New("sim: fleet needs at least one device")
	}
	if opts.NamePrefix == "" {
		opts.NamePrefix = "pe"
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	host, portStr, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("sim: fleet listen %q: %w", opts.Listen, err)
	}
	base, err := strconv.Atoi(portStr)
	if err != nil || base < 0 || base+opts.Devices > 65536 {
		return nil, fmt.Errorf("sim: fleet listen %q: bad port range for %d devices", opts.Listen, opts.Devices)
	}
	if opts.Template.HostKey == nil {
		if opts.Template.HostKey, err = NewHostKey(); err != nil {
			return nil, err
		}
	}
	saved, err := readState(opts.StateFile)
	if err != nil {
		return nil, err
	}
	f := &Fleet{byName: map[string]*Device{}}
	for i := 1; i <= opts.Devices; i++ {
		o := opts.Template
		o.Name = fmt.Sprintf("%s%d", opts.NamePrefix, i)
		o.Loopback = fmt.Sprintf("10.255.%d.%d/32", 1+(i-1)/254, 1+(i-1)%254)
		o.Serial = ""
		p := 0
		if base != 0 {
			p = base + i - 1
		}
		o.Listen = net.JoinHostPort(host, strconv.Itoa(p))
		d, err := New(o)
		if err != nil {
			f.Close()
			return nil, err
		}
		d.fleet = f
		f.devices = append(f.devices, d)
		f.byName[o.Name] = d
		if lines, ok := saved[o.Name]; ok {
			if err := d.restore(lines); err != nil {
				f.Close()
				return nil, fmt.Errorf("sim: state file %s: %w", opts.StateFile, err)
			}
		}
	}
	if opts.StateFile != "" {
		f.startSaver(opts.StateFile)
	}
	return f, nil
}

// Devices returns the devices in order.
func (f *Fleet) Devices() []*Device { return append([]*Device(nil), f.devices...) }

// byLoopback returns the device of the fleet whose loopback is addr, or nil.
func (f *Fleet) byLoopback(addr string) *Device {
	if f == nil {
		return nil
	}
	for _, d := range f.devices {
		if d.Loopback() == addr {
			return d
		}
	}
	return nil
}

// Device returns the device named name, or nil.
func (f *Fleet) Device(name string) *Device { return f.byName[name] }

// Close stops every device (and saves the state file one last time).
func (f *Fleet) Close() error {
	var first error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, d := range f.devices {
		wg.Add(1)
		go func(d *Device) {
			defer wg.Done()
			if err := d.Close(); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(d)
	}
	wg.Wait()
	if f.saver != nil {
		if err := f.saver.stop(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
