package junos_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos"
	"github.com/xprov/xprov/adapters/junos/sim"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func createCS(target string, ls []config.Leaf) config.ChangeSet {
	cs := config.ChangeSet{Target: target}
	for _, l := range ls {
		cs.Changes = append(cs.Changes, config.Change{Op: config.Create, Path: l.Path, Value: l.Value})
	}
	config.SortChanges(cs.Changes)
	return cs
}

const vcLine = "set protocols l2circuit neighbor 10.255.0.2 interface ge-0/0/1.100 virtual-circuit-id 100"

func TestConfirmedCommitRollsBackWhenNotConfirmed(t *testing.T) {
	d, c := startDevice(t, sim.Options{}, nil)
	ctx := ctxT(t)
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{ConfirmTimeoutSeconds: 1}); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if !d.RunningHas(vcLine) || !d.PendingConfirm() {
		t.Fatal("confirmed commit is not in the running configuration")
	}
	waitFor(t, 10*time.Second, "automatic rollback", func() bool { return !d.PendingConfirm() })
	if d.RunningHas(vcLine) {
		t.Fatal("the change survived its confirm timeout")
	}
	// Committing now must not pretend success, and must not re-apply the change.
	err = tx.Commit(ctx)
	if !errors.Is(err, adapters.ErrRejected) {
		t.Fatalf("commit after expiry: %v, want ErrRejected", err)
	}
	if d.RunningHas(vcLine) {
		t.Fatal("the expired change came back")
	}
	if d.LockHolder() != 0 {
		t.Fatal("lock still held")
	}
}

func TestRollbackAfterConfirmedCommit(t *testing.T) {
	d, c := startDevice(t, sim.Options{}, nil)
	ctx := ctxT(t)
	before := strings.Join(d.RunningSet(), "\n")
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{Comment: "run 7"}); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if got := strings.Join(d.RunningSet(), "\n"); got != before {
		t.Fatalf("running after rollback differs:\n%s\nwant\n%s", got, before)
	}
	if d.PendingConfirm() || d.LockHolder() != 0 {
		t.Fatalf("pending %v, lock %d after rollback", d.PendingConfirm(), d.LockHolder())
	}
}

func TestLockHeldByAnotherSession(t *testing.T) {
	d, a := startDevice(t, sim.Options{}, nil)
	b, err := junos.New(junos.Config{Name: "pe1-b", Address: d.Addr(), User: testUser, Password: testPass, InsecureIgnoreHostKey: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := ctxT(t)
	txA, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := txA.Prepare(ctx, createCS(a.Name(), elineSample()), adapters.PrepareOptions{}); err != nil {
		t.Fatal(err)
	}
	txB, err := b.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = txB.Prepare(ctx, createCS(b.Name(), leaves("interfaces/interface[ge-0/0/5]/description", "x")), adapters.PrepareOptions{})
	var ae *adapters.Error
	if !errors.Is(err, adapters.ErrLocked) || !errors.As(err, &ae) || ae.Target != "pe1-b" || !strings.Contains(ae.Msg, "locked") {
		t.Fatalf("second session: %v, want ErrLocked naming pe1-b with the device message", err)
	}
	if err := txB.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := txA.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	txB, _ = b.Begin(ctx)
	if err := txB.Prepare(ctx, createCS(b.Name(), leaves("interfaces/interface[ge-0/0/5]/description", "x")), adapters.PrepareOptions{}); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	if err := txB.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		inject func(d *sim.Device)
		want   error
		msg    string
	}{
		{name: "fail next commit", inject: func(d *sim.Device) { d.FailNextCommit("commit failed: mgd: out of disk space") }, want: adapters.ErrRejected, msg: "out of disk space"},
		{name: "drop mid-commit", inject: func(d *sim.Device) { d.DropSessionOnNextCommit() }, want: adapters.ErrPossiblyApplied},
		{name: "refuse login", inject: func(d *sim.Device) { d.RefuseLogin(true) }, want: adapters.ErrUnreachable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, c := startDevice(t, sim.Options{}, nil)
			ctx := ctxT(t)
			tc.inject(d)
			tx, err := c.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("prepare: %v, want %v containing %q", err, tc.want, tc.msg)
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			// Whatever happened, nothing of the change stays and the device is usable again.
			d.RefuseLogin(false)
			waitFor(t, 5*time.Second, "the device to settle", func() bool { return !d.PendingConfirm() })
			if d.RunningHas(vcLine) {
				t.Fatal("change left on the device")
			}
			tx, err = c.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{}); err != nil {
				t.Fatalf("prepare after fault: %v", err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if !d.RunningHas(vcLine) {
				t.Fatal("change missing after commit")
			}
		})
	}
}

func TestTimeoutAfterCommitIsPossiblyApplied(t *testing.T) {
	d, c := startDevice(t, sim.Options{}, func(cfg *junos.Config) { cfg.CommitTimeout = 200 * time.Millisecond })
	d.SetCommitDelay(2 * time.Second)
	ctx := ctxT(t)
	tx, _ := c.Begin(ctx)
	err := tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{})
	if !errors.Is(err, adapters.ErrPossiblyApplied) {
		t.Fatalf("prepare: %v, want ErrPossiblyApplied", err)
	}
	_ = tx.Rollback(ctx)
}

func TestSlowDeviceDoesNotBlockOthers(t *testing.T) {
	slow, sc := startDevice(t, sim.Options{Name: "slow"}, func(cfg *junos.Config) { cfg.CallTimeout = 300 * time.Millisecond })
	_, fc := startDevice(t, sim.Options{Name: "fast"}, nil)
	ctx := ctxT(t)
	if _, err := sc.Fetch(ctx, nil); err != nil { // connect while it is fast
		t.Fatal(err)
	}
	slow.SetLatency(5 * time.Second)
	done := make(chan error, 1)
	go func() {
		_, err := sc.Fetch(ctx, []config.Path{p("interfaces")})
		done <- err
	}()
	start := time.Now()
	for i := 0; i < 5; i++ {
		if _, err := fc.Fetch(ctx, []config.Path{p("system")}); err != nil {
			t.Fatal(err)
		}
	}
	err := <-done
	if !errors.Is(err, adapters.ErrUnreachable) {
		t.Fatalf("slow device: %v, want ErrUnreachable (timeout)", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("slow device took %v despite a 300ms call timeout", el)
	}
	// And it reconnects once it is fast again.
	slow.SetLatency(0)
	if _, err := sc.Fetch(ctx, nil); err != nil {
		t.Fatalf("after latency: %v", err)
	}
}

func TestUnreachableDevice(t *testing.T) {
	port := freePort(t)
	c, err := junos.New(junos.Config{Name: "gone", Address: "127.0.0.1", Port: port, User: "u", Password: "p", InsecureIgnoreHostKey: true, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fetch(ctxT(t), nil)
	var ae *adapters.Error
	if !errors.Is(err, adapters.ErrUnreachable) || !errors.As(err, &ae) || ae.Target != "gone" {
		t.Fatalf("fetch: %v, want ErrUnreachable naming gone", err)
	}
}

func TestHandshake(t *testing.T) {
	t.Run("hello without namespace", func(t *testing.T) {
		_, c := startDevice(t, sim.Options{HelloWithoutNamespace: true}, nil)
		_, err := c.Fetch(ctxT(t), nil)
		if !errors.Is(err, adapters.ErrUnreachable) || !strings.Contains(err.Error(), "handshake") {
			t.Fatalf("fetch: %v, want a failed handshake", err)
		}
	})
	t.Run("host key mismatch", func(t *testing.T) {
		other, err := sim.NewHostKey()
		if err != nil {
			t.Fatal(err)
		}
		_, c := startDevice(t, sim.Options{}, nil)
		d2, _ := startDevice(t, sim.Options{HostKey: other}, nil)
		// c's known_hosts has the first device's key; point it at the second.
		kh := filepath.Join(t.TempDir(), "kh")
		os.WriteFile(kh, nil, 0o600)
		c2, err := junos.New(junos.Config{Name: "mitm", Address: d2.Addr(), User: testUser, Password: testPass, KnownHostsFile: kh})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		_, err = c2.Fetch(ctxT(t), nil)
		if !errors.Is(err, adapters.ErrUnreachable) || !strings.Contains(err.Error(), "key") {
			t.Fatalf("fetch: %v, want a host key error", err)
		}
		_ = c
	})
	t.Run("public key auth", func(t *testing.T) {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		sp, _ := ssh.NewPublicKey(pub)
		block, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		kf := filepath.Join(t.TempDir(), "id_ed25519")
		if err := os.WriteFile(kf, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		_, c := startDevice(t, sim.Options{User: "keyuser", AuthorizedKeys: []ssh.PublicKey{sp}}, func(cfg *junos.Config) { cfg.Password, cfg.KeyFile = "", kf })
		if _, err := c.Fetch(ctxT(t), nil); err != nil {
			t.Fatalf("fetch with key auth: %v", err)
		}
	})
}

func TestRender(t *testing.T) {
	_, c := startDevice(t, sim.Options{}, nil)
	cs := createCS("pe1", elineSample())
	cs.Changes = append([]config.Change{{Op: config.Delete, Path: p("routing-instances/instance[OLD]")}}, cs.Changes...)
	r, err := c.Render(cs)
	if err != nil {
		t.Fatal(err)
	}
	want := `delete routing-instances OLD
set interfaces ge-0/0/1 encapsulation flexible-ethernet-services
set interfaces ge-0/0/1 flexible-vlan-tagging
set interfaces ge-0/0/1 unit 100 description "E-LINE 100 to pe2 <cust & co>"
set interfaces ge-0/0/1 unit 100 encapsulation vlan-ccc
set interfaces ge-0/0/1 unit 100 vlan-id 100
set protocols l2circuit neighbor 10.255.0.2 interface ge-0/0/1.100 virtual-circuit-id 100
`
	if r.Format != "junos-set" || r.Text != want {
		t.Errorf("set lines:\n%s\nwant\n%s", r.Text, want)
	}
	x := r.Extra["netconf-xml"]
	for _, s := range []string{`<instance delete="delete"><name>OLD</name></instance>`, `&lt;cust &amp; co&gt;`, `<flexible-vlan-tagging></flexible-vlan-tagging>`} {
		if !strings.Contains(x, s) {
			t.Errorf("netconf-xml lacks %s:\n%s", s, x)
		}
	}
}

func TestDiscoverAndOp(t *testing.T) {
	d, c := startDevice(t, sim.Options{Name: "pe9", Model: "MX960", Loopback: "10.255.1.9/32", Ports: 12}, nil)
	ctx := ctxT(t)
	devs, err := c.Discover(ctx)
	if err != nil || len(devs) != 1 {
		t.Fatalf("discover: %v %v", devs, err)
	}
	dv := devs[0]
	if dv.Vendor != "junos" || dv.Platform != "MX960" || dv.Address != "10.255.1.9" || dv.Serial == "" || dv.OSVersion == "" || len(dv.Ports) != 12 {
		t.Fatalf("discovered %+v", dv)
	}
	if p := dv.Ports[0]; p.Name != "ge-0/0/0" || p.SpeedMbps != 1000 || !p.AdminUp || !p.OperUp || p.Description == "" {
		t.Errorf("port 0: %+v", p)
	}
	if p := dv.Ports[11]; p.Name != "xe-0/1/3" || p.SpeedMbps != 10000 || p.OperUp {
		t.Errorf("port 11: %+v", p)
	}
	if err := d.LoadSet("set routing-instances CUST-A instance-type vrf\nset interfaces ge-0/0/3 vlan-tagging\nset interfaces ge-0/0/3 unit 300 vlan-id 300 family inet address 192.0.2.1/30\nset routing-instances CUST-A interface ge-0/0/3.300\nset routing-instances CUST-A route-distinguisher 65000:300\nset routing-instances CUST-A vrf-target target:65000:300"); err != nil {
		t.Fatal(err)
	}
	res, err := c.Op(ctx, "pe9", "show route table CUST-A.inet.0")
	if err != nil || !strings.Contains(res.Text, "192.0.2.0/30") || !strings.Contains(res.XML, "<rt-destination>192.0.2.0/30</rt-destination>") {
		t.Fatalf("op: %+v %v", res, err)
	}
	if _, err := c.Op(ctx, "pe9", "show bogus thing"); !errors.Is(err, adapters.ErrRejected) {
		t.Fatalf("bogus command: %v", err)
	}
}

func TestFleetOfHundreds(t *testing.T) {
	f, err := sim.NewFleet(sim.FleetOptions{Devices: 200, Template: sim.Options{User: testUser, Password: testPass}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	devs := f.Devices()
	if len(devs) != 200 || devs[199].Name() != "pe200" || devs[199].Loopback() != "10.255.1.200" {
		t.Fatalf("fleet: %d devices, last %s %s", len(devs), devs[199].Name(), devs[199].Loopback())
	}
	// Talk to a handful in parallel.
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for _, d := range devs[:10] {
		wg.Add(1)
		go func(d *sim.Device) {
			defer wg.Done()
			c, err := junos.New(junos.Config{Name: d.Name(), Address: d.Addr(), User: testUser, Password: testPass, InsecureIgnoreHostKey: true})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			ds, err := c.Discover(ctxT(t))
			if err == nil && ds[0].Address != d.Loopback() {
				err = errors.New("wrong loopback " + ds[0].Address)
			}
			if err != nil {
				errs <- err
			}
		}(d)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
