package junos_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos"
)

// netconfdEnv is a yuma123 netconfd behind OpenSSH's sshd on a free loopback port
// (PROTOCOLS.md §7).
type netconfdEnv struct {
	port       int
	user       string
	clientKey  string
	knownHosts string
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startNetconfd(t *testing.T) netconfdEnv {
	t.Helper()
	_, errN := exec.LookPath("netconfd")
	_, errK := exec.LookPath("ssh-keygen")
	_, errS := os.Stat("/usr/sbin/sshd")
	_, errSub := os.Stat("/usr/sbin/netconf-subsystem")
	requireTool(t, "netconfd, netconf-subsystem, sshd and ssh-keygen", errN == nil && errK == nil && errS == nil && errSub == nil)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// A short directory: the UNIX socket path must fit in sun_path.
	dir, err := os.MkdirTemp("", "xnc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "netconfd.log")); err == nil {
				if len(b) > 6000 {
					b = b[len(b)-6000:]
				}
				t.Logf("netconfd.log (tail):\n%s", b)
			}
		}
		os.RemoveAll(dir)
	})
	for _, k := range []string{"host_key", "client_key"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub, err := os.ReadFile(filepath.Join(dir, "client_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	sock := filepath.Join(dir, "ncx.sock")
	cfg := fmt.Sprintf(`ListenAddress 127.0.0.1
Port %d
HostKey %s/host_key
PidFile %s/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
AuthorizedKeysFile %s/authorized_keys
StrictModes no
UsePAM no
Subsystem netconf "/usr/sbin/netconf-subsystem --ncxserver-sockname=%d@%s"
`, port, dir, dir, dir, port, sock)
	if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll("/run/sshd", 0o755)
	yang, err := filepath.Abs("testdata/xprov-test.yang")
	if err != nil {
		t.Fatal(err)
	}
	// --port must be the SSH port the sessions arrive on, or netconfd refuses them.
	nc := exec.Command("netconfd", "--no-startup", "--superuser="+me.Username, "--port="+strconv.Itoa(port),
		"--ncxserver-sockname="+sock, "--target=candidate", "--log-level=info",
		"--module="+yang, "--log="+filepath.Join(dir, "netconfd.log"))
	nc.Env = append(os.Environ(), "HOME="+dir)
	if err := nc.Start(); err != nil {
		t.Fatalf("netconfd: %v", err)
	}
	t.Cleanup(func() { nc.Process.Kill(); nc.Wait() })
	waitFor(t, 10*time.Second, "netconfd socket", func() bool { _, err := os.Stat(sock); return err == nil })
	sshd := exec.Command("/usr/sbin/sshd", "-D", "-f", filepath.Join(dir, "sshd_config"), "-E", filepath.Join(dir, "sshd.log"))
	if err := sshd.Start(); err != nil {
		t.Fatalf("sshd: %v", err)
	}
	t.Cleanup(func() { sshd.Process.Kill(); sshd.Wait() })
	waitFor(t, 10*time.Second, "sshd port", func() bool {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	hostPub, err := os.ReadFile(filepath.Join(dir, "host_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	hk, _, _, _, err := ssh.ParseAuthorizedKey(hostPub)
	if err != nil {
		t.Fatal(err)
	}
	kh := filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}, hk)
	if err := os.WriteFile(kh, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return netconfdEnv{port: port, user: me.Username, clientKey: filepath.Join(dir, "client_key"), knownHosts: kh}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// TestInteropNetconfd runs the adapter's standard operations (edit-config on the candidate,
// validate, commit confirmed and confirming commit, get-config with a subtree filter,
// discard-changes, rollback of a confirmed commit) against yuma123 netconfd reached through
// OpenSSH, with key authentication and host-key checking, in base:1.1 chunked framing.
func TestInteropNetconfd(t *testing.T) {
	env := startNetconfd(t)
	c, err := junos.New(junos.Config{
		Name: "yuma", Address: "127.0.0.1", Port: env.port, User: env.user, KeyFile: env.clientKey,
		KnownHostsFile: env.knownHosts, DialTimeout: 5 * time.Second, CallTimeout: 10 * time.Second,
		SettleDelay: 200 * time.Millisecond, // PROTOCOLS.md §0.6
		Namespaces:  map[string]string{"services": "urn:xprov:test"},
		Logf:        t.Logf,
		// netconfd 2.13 applies nothing on the commit that follows a <validate>.
		SkipValidate: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	root := p("services/service[s1]")
	svc := leaves(
		"services/service[s1]", "",
		"services/service[s1]/vlan-id", "100",
		"services/service[s1]/description", "E-LINE <s1> & co",
	)
	create := config.ChangeSet{Target: "yuma"}
	for _, l := range svc {
		create.Changes = append(create.Changes, config.Change{Op: config.Create, Path: l.Path, Value: l.Value})
	}
	apply := func(cs config.ChangeSet) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		if err := tx.Prepare(ctx, cs, adapters.PrepareOptions{Comment: "interop", ConfirmTimeoutSeconds: 60}); err != nil {
			if rerr := tx.Rollback(ctx); rerr != nil {
				t.Errorf("rollback after failed prepare: %v", rerr)
			}
			return err
		}
		return tx.Commit(ctx)
	}
	fetch := func() map[string]string {
		got, err := c.Fetch(ctx, []config.Path{root})
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		m := map[string]string{}
		for _, l := range got {
			m[l.Path.String()] = l.Value
		}
		return m
	}

	if err := apply(create); err != nil {
		t.Fatalf("create: %v", err)
	}
	// netconfd advertises base:1.1, so the session runs in chunked framing (transport.go).
	if got := c.Framing(); got != junos.FramingChunked {
		t.Errorf("framing with netconfd = %q, want %q", got, junos.FramingChunked)
	}
	got := fetch()
	for _, l := range svc {
		if v, ok := got[l.Path.String()]; !ok || v != l.Value {
			t.Errorf("after commit %s = %q (present %v), want %q", l.Path, v, ok, l.Value)
		}
	}

	// An invalid value is rejected with the server's message, and nothing is left.
	bad := config.ChangeSet{Target: "yuma", Changes: []config.Change{{Op: config.Update, Path: p("services/service[s1]/vlan-id"), Value: "5000", Old: "100"}}}
	err = apply(bad)
	var ae *adapters.Error
	if !errors.Is(err, adapters.ErrRejected) || !errors.As(err, &ae) || ae.Msg == "" || ae.Target != "yuma" {
		t.Fatalf("invalid vlan-id: got %v, want ErrRejected with the server's message", err)
	}
	t.Logf("netconfd rejected vlan-id 5000: %v", err)
	if v := fetch()["services/service[s1]/vlan-id"]; v != "100" {
		t.Errorf("after rejected change vlan-id = %q, want 100", v)
	}

	// Prepare (confirmed commit done), then roll back: netconfd has no cancel-commit, so the
	// adapter ends the session and the server reverts the confirmed commit.
	upd := config.ChangeSet{Target: "yuma", Changes: []config.Change{{Op: config.Update, Path: p("services/service[s1]/vlan-id"), Value: "200", Old: "100"}}}
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Prepare(ctx, upd, adapters.PrepareOptions{ConfirmTimeoutSeconds: 60}); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if v := fetch()["services/service[s1]/vlan-id"]; v != "200" {
		t.Errorf("after confirmed commit vlan-id = %q, want 200", v)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	waitFor(t, 10*time.Second, "netconfd to revert the confirmed commit", func() bool {
		return fetch()["services/service[s1]/vlan-id"] == "100"
	})

	// The inverse deletes with operation="remove", so applying it twice is harmless.
	inv := create.Inverse()
	for i := 0; i < 2; i++ {
		if err := apply(inv); err != nil {
			t.Fatalf("inverse #%d: %v", i+1, err)
		}
	}
	if got := fetch(); len(got) != 0 {
		t.Errorf("after inverse the server still holds %v", got)
	}
}
