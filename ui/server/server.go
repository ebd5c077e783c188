// Package server wires one xprov process: the SQLite store, the packs, the engine with its
// southbound targets, the REST API and the web console on one HTTP listener. `xprov serve`
// is a thin shell around Start.
//
// With Demo set it also starts, in-process on free loopback ports, three simulated Junos
// routers (pe1..pe3, NETCONF over SSH) and a simulated 5620 SAM managing three 7750 SR nodes
// (sr1..sr3), registers the real Junos and SAM adapters against them and discovers them.
// Without Demo, the devices and SAMs come from a Config file; their passwords come from
// environment variables the file names and are never stored or logged.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/junos"
	"github.com/xprov/xprov/adapters/sam"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/flexservices"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/web"
)

// Config is the server's configuration file (JSON).
type Config struct {
	// Listen is the HTTP address (default 127.0.0.1:8080).
	Listen string `json:"listen,omitempty"`
	// DB is the SQLite file (default xprov.db; xprov-demo.db with --demo).
	DB string `json:"db,omitempty"`
	// Packs is a directory of packs; empty means the bundled flexservices.
	Packs string `json:"packs,omitempty"`
	// KnownHosts is the known_hosts file used to check Junos host keys.
	KnownHosts string `json:"known_hosts,omitempty"`
	// TLSCert and TLSKey are PEM files (a certificate chain and its private key); with both
	// set the server speaks HTTPS only. Both or neither.
	TLSCert string `json:"tls_cert,omitempty"`
	TLSKey  string `json:"tls_key,omitempty"`
	// Devices are Junos routers reached directly over NETCONF.
	Devices []DeviceConfig `json:"devices,omitempty"`
	// SAMs are 5620 SAMs reached over SAM-O.
	SAMs []SAMConfig `json:"sams,omitempty"`
	// HTTP bounds how long one client can hold the HTTP server (read, write, idle).
	HTTP HTTPConfig `json:"http,omitempty"`
}

// DeviceConfig is one directly managed Junos device.
type DeviceConfig struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	User    string `json:"user"`
	// PasswordEnv names the environment variable holding the password.
	PasswordEnv string `json:"password_env,omitempty"`
	KeyFile     string `json:"key_file,omitempty"`
	// CallTimeout bounds each NETCONF RPC (default 30s); CommitTimeout bounds commit, commit
	// check and validate (default 2m). A device that does not answer in time fails the call
	// with an error naming the device and the RPC.
	CallTimeout   Duration `json:"call_timeout,omitempty"`
	CommitTimeout Duration `json:"commit_timeout,omitempty"`
}

// SAMConfig is one 5620 SAM.
type SAMConfig struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	User        string `json:"user"`
	PasswordEnv string `json:"password_env,omitempty"`
	// CallTimeout bounds each SAM-O call (default 30s).
	CallTimeout Duration `json:"call_timeout,omitempty"`
	// CAFile is a PEM file of the CAs that sign the SAM's HTTPS certificate (default: the
	// system's roots). The certificate is always checked unless InsecureSkipVerify is set,
	// which is for labs only and logged as a warning at every start.
	CAFile             string `json:"ca_file,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

// LoadConfig reads a JSON config file; unknown members are errors (a typo must not be
// silently ignored).
func LoadConfig(path string) (Config, error) {
	var c Config
	f, err := os.Open(path)
	if err != nil {
		return c, fmt.Errorf("server: config: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("server: config %s: %w", path, err)
	}
	return c, nil
}

// Options configure Start.
type Options struct {
	Config Config
	// Demo starts simulated devices and a simulated SAM and uses them as the southbound.
	Demo   bool
	Logger *slog.Logger
	// Out receives the banner: URL, admin token, demo devices.
	Out io.Writer
	// Getenv reads password variables (default os.Getenv).
	Getenv func(string) string
}

// Instance is a running server.
type Instance struct {
	// URL is the server's base URL.
	URL string
	// Token is the admin token created at this start ("" when none was created).
	Token string

	log     *slog.Logger
	http    *http.Server
	rest    *rest.Server
	eng     *engine.Engine
	audits  *audit.Auditor
	st      *store.SQLite
	targets []adapters.Target
	closers []func() error
	served  chan error
	// secrets are the demo network's credentials (tests check that none leaks).
	secrets []string
}

// Start brings a server up and returns once it listens.
func Start(ctx context.Context, o Options) (_ *Instance, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	cfg := o.Config
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
	}
	if cfg.DB == "" {
		cfg.DB = "xprov.db"
		if o.Demo {
			cfg.DB = "xprov-demo.db"
		}
	}
	in := &Instance{log: o.Logger, served: make(chan error, 1)}
	defer func() {
		if err != nil {
			in.closeAll()
		}
	}()
	// A bad certificate is refused before anything starts.
	tlsConf, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}

	// Listen first: a busy port must fail the start before anything is started, created or
	// printed (a token printed by a server that then fails is a token nobody can use).
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("server: listen %s: %w", cfg.Listen, err)
	}
	in.closers = append(in.closers, func() error {
		if in.http == nil {
			return ln.Close() // never served: Shutdown does not own it
		}
		return nil
	})

	// Southbound first: with --demo the simulators must listen before discovery.
	if o.Demo {
		sb, err := startDemo(o.Logger, cfg.DB+".junos-state.json", strings.TrimSuffix(cfg.DB, filepath.Ext(cfg.DB))+"-sam.json", o.Getenv("XPROV_SAM_PASSWORD"))
		if err != nil {
			return nil, err
		}
		in.targets, in.closers, in.secrets = sb.targets, append(in.closers, sb.close), sb.secrets
		defer func() {
			if err == nil {
				sb.banner(o.Out)
			}
		}()
	} else {
		if in.targets, err = configTargets(cfg, o.Getenv, o.Logger); err != nil {
			return nil, err
		}
	}

	st, err := store.OpenSQLite(ctx, cfg.DB, store.SQLiteOptions{})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	in.st = st

	src := pack.Source{Name: "flexservices", FS: flexservices.FS}
	if cfg.Packs != "" {
		src = pack.DirSource(cfg.Packs)
	}
	reg := pack.NewRegistry(pack.Options{}, src)
	if err := reg.Reload(); err != nil {
		var le *pack.LoadError
		if !errors.As(err, &le) {
			return nil, fmt.Errorf("server: packs: %w", err)
		}
		o.Logger.Warn("some packs do not load", "problems", len(reg.Problems()))
		for _, p := range reg.Problems() {
			o.Logger.Warn("pack problem", "problem", p.String())
		}
	}
	if cfg.Packs != "" {
		// Packs on disk are watched: a saved edit is live within a poll, no reload needed.
		wctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			reg.Watch(wctx, packsPoll, func(err error) { logReload(o.Logger, reg, err) })
		}()
		in.closers = append(in.closers, func() error { stop(); <-done; return nil })
		o.Logger.Info("watching packs", "dir", cfg.Packs, "poll", packsPoll)
	}
	packs := engine.RegistryPacks(reg)

	retention := store.DefaultRetention()
	eng, err := engine.New(engine.Options{Store: st, Packs: packs, Targets: in.targets, Logger: o.Logger, Retention: &retention})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	in.eng = eng
	if err := eng.Recover(ctx); err != nil {
		return nil, fmt.Errorf("server: recover runs: %w", err)
	}
	if len(in.targets) > 0 {
		devs, err := eng.Discover(ctx)
		if err != nil {
			// A device that is down must not keep the server down; it is rediscovered later.
			o.Logger.Warn("discovery incomplete", "err", err)
		}
		o.Logger.Info("discovered", "devices", len(devs))
	}

	// Audit jobs run beside the engine, reading the same targets; scheduled ones start from
	// the schedules kept in the store. Every 5 minutes the devices' commit histories are read
	// for changes made behind xprov's back.
	if in.audits, err = audit.New(ctx, audit.Options{Store: st, Target: eng.Target, Logger: o.Logger, ChangeEvery: 5 * time.Minute}); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}

	reg2 := prometheus.NewRegistry()
	reg2.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rs, err := rest.New(rest.Options{
		Engine: eng, Packs: packs, Auth: st, Logger: o.Logger, Registry: reg2,
		Reload: func(ctx context.Context) ([]pack.Problem, error) {
			if err := reg.Reload(); err != nil {
				var le *pack.LoadError
				if !errors.As(err, &le) && !errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("server: reload packs: %w", err)
				}
			}
			return reg.Problems(), nil
		},
		PoolBounds: func(pool string) (int64, int64, bool) {
			for _, p := range reg.Packs() {
				if spec, ok := p.Meta.Pools[pool]; ok {
					lo, hi := spec.Bounds()
					return lo, hi, true
				}
			}
			return 0, 0, false
		},
		// Unready while the engine refuses changes (shutting down, or the store refuses writes).
		Ready:  func(ctx context.Context) error { return eng.Ready() },
		UI:     web.Handler(web.Options{}),
		Audits: in.audits,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	in.rest = rs

	if in.Token, err = adminToken(ctx, st, o.Demo); err != nil {
		return nil, err
	}

	in.URL = "http://" + ln.Addr().String()
	if tlsConf != nil {
		in.URL = "https://" + ln.Addr().String()
		ln = tls.NewListener(ln, tlsConf)
	}
	in.http = newHTTPServer(rs.Handler(), cfg.HTTP, o.Logger)
	in.http.TLSConfig = tlsConf
	// Event streams never go idle; end them when shutdown starts.
	in.http.RegisterOnShutdown(rs.Close)
	go func() { in.served <- in.http.Serve(ln) }()

	fmt.Fprintf(o.Out, "xprov is serving on %s (API %s/api/v1, metrics %s/metrics)\n", in.URL, in.URL, in.URL)
	if in.Token != "" {
		fmt.Fprintf(o.Out, "admin token (shown once, stored hashed): %s\n", in.Token)
		fmt.Fprintf(o.Out, "  export XPROV_SERVER=%s XPROV_TOKEN=%s\n", in.URL, in.Token)
	}
	o.Logger.Info("serving", "url", in.URL, "db", cfg.DB, "targets", len(in.targets), "tls", tlsConf != nil)
	return in, nil
}

// packsPoll is how often serve looks for changed pack files under --packs.
var packsPoll = 2 * time.Second

// logReload logs the outcome of a reload the pack watcher made.
func logReload(log *slog.Logger, reg *pack.Registry, err error) {
	var le *pack.LoadError
	if err != nil && !errors.As(err, &le) {
		log.Warn("packs reload failed", "err", err)
		return
	}
	probs := reg.Problems()
	for _, p := range probs {
		log.Warn("pack problem", "problem", p.String())
	}
	vers := make([]string, 0)
	for _, p := range reg.Packs() {
		vers = append(vers, p.Meta.Name+" "+p.Version)
	}
	log.Info("packs reloaded", "packs", strings.Join(vers, ", "), "problems", len(probs))
}

// tlsConfig loads the server certificate of cfg; nil without one.
func tlsConfig(cfg Config) (*tls.Config, error) {
	if cfg.TLSCert == "" && cfg.TLSKey == "" {
		return nil, nil
	}
	if cfg.TLSCert == "" || cfg.TLSKey == "" {
		return nil, errors.New("server: TLS needs both a certificate (--tls-cert, tls_cert) and its key (--tls-key, tls_key)")
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("server: TLS certificate %s, key %s: %w", cfg.TLSCert, cfg.TLSKey, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// adminToken creates an admin token when the database has no active one (a new database, or
// every admin token expired), or with demo a fresh one at every start (the database keeps
// only hashes, so an old token cannot be shown again).
func adminToken(ctx context.Context, st *store.SQLite, demo bool) (string, error) {
	toks, err := st.ListTokens(ctx)
	if err != nil {
		return "", fmt.Errorf("server: tokens: %w", err)
	}
	now := time.Now()
	admins := 0
	for _, t := range toks {
		if t.Role == store.RoleAdmin && t.State(now) == store.TokenActive {
			admins++
		}
	}
	if admins > 0 && !demo {
		return "", nil
	}
	name := "admin"
	if demo || len(toks) > 0 {
		var b [3]byte
		_, _ = rand.Read(b[:])
		name = "admin-" + hex.EncodeToString(b[:])
		if demo {
			name = "demo-" + name
		}
	}
	tok, err := st.CreateToken(ctx, name, store.RoleAdmin)
	if err != nil {
		return "", fmt.Errorf("server: create admin token: %w", err)
	}
	return tok, nil
}

// Wait blocks until the HTTP server stops by itself (an error) or ctx ends.
func (in *Instance) Wait(ctx context.Context) error {
	select {
	case err := <-in.served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
		return nil
	}
}

// Shutdown stops taking requests, lets requests in flight finish, then stops the engine:
// runs still going when ctx ends are cancelled, which rolls back those before their commit
// point and leaves the rest journaled for Recover at the next start.
func (in *Instance) Shutdown(ctx context.Context) error {
	var errs []error
	if in.http != nil {
		if err := in.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: http shutdown: %w", err))
		}
	}
	if in.rest != nil {
		in.rest.Close()
	}
	if in.audits != nil {
		in.audits.Close()
	}
	if in.eng != nil {
		if err := in.eng.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: engine shutdown: %w", err))
		}
	}
	in.closeAll()
	return errors.Join(errs...)
}

func (in *Instance) closeAll() {
	if in.audits != nil {
		in.audits.Close() // before the targets and the store it reads
		in.audits = nil
	}
	for _, t := range in.targets {
		_ = t.Close()
	}
	if in.st != nil {
		_ = in.st.Close()
		in.st = nil
	}
	for i := len(in.closers) - 1; i >= 0; i-- {
		_ = in.closers[i]()
	}
	in.closers = nil
	in.targets = nil
}

// configTargets builds the adapters of a config file's devices and SAMs.
func configTargets(cfg Config, getenv func(string) string, log *slog.Logger) ([]adapters.Target, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var out []adapters.Target
	secret := func(what, env string) (string, error) {
		if env == "" {
			return "", nil
		}
		v := getenv(env)
		if v == "" {
			return "", fmt.Errorf("server: %s: environment variable %s is empty", what, env)
		}
		return v, nil
	}
	for _, d := range cfg.Devices {
		pw, err := secret("device "+d.Name, d.PasswordEnv)
		if err != nil {
			return nil, err
		}
		c, err := junos.New(junos.Config{Name: d.Name, Address: d.Address, User: d.User, Password: pw, KeyFile: d.KeyFile,
			KnownHostsFile: cfg.KnownHosts, CallTimeout: time.Duration(d.CallTimeout), CommitTimeout: time.Duration(d.CommitTimeout),
			Logf: func(format string, args ...any) { log.Debug(fmt.Sprintf(format, args...), "device", d.Name) }})
		if err != nil {
			return nil, fmt.Errorf("server: device %s: %w", d.Name, err)
		}
		out = append(out, c)
	}
	for _, s := range cfg.SAMs {
		pw, err := secret("sam "+s.Name, s.PasswordEnv)
		if err != nil {
			return nil, err
		}
		t, err := sam.New(sam.Options{Name: s.Name, URL: s.URL, User: s.User, Password: pw,
			CallTimeout: time.Duration(s.CallTimeout), CAFile: s.CAFile, InsecureSkipVerify: s.InsecureSkipVerify})
		if err != nil {
			return nil, fmt.Errorf("server: sam %s: %w", s.Name, err)
		}
		if s.InsecureSkipVerify {
			log.Warn("the SAM's HTTPS certificate is not checked (insecure_skip_verify): anyone on the path can impersonate it and read its credentials; set ca_file instead",
				"sam", s.Name, "url", s.URL)
		}
		out = append(out, t)
	}
	return out, nil
}
