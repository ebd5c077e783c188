package junos_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos"
	"github.com/xprov/xprov/adapters/junos/sim"
)

// TestCrashLeavesConfirmedCommitPending: a process that dies after its confirmed commit leaves
// it pending on Junos (its session's end does not roll it back). The next process's first read
// finds it (a confirmed commit of xprov's user whose session is gone) and confirms it, so what
// it reads does not change by itself at the deadline; the engine's recovery then converges
// from that stable state.
func TestCrashLeavesConfirmedCommitPending(t *testing.T) {
	d, a := startDevice(t, sim.Options{}, nil)
	ctx := ctxT(t)
	tx, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Prepare(ctx, createCS(a.Name(), elineSample()), adapters.PrepareOptions{ConfirmTimeoutSeconds: 600}); err != nil {
		t.Fatal(err)
	}
	a.Close() // the process dies: no confirming commit, no rollback
	waitFor(t, 5*time.Second, "the session to end", func() bool { return d.Sessions() == 0 })
	if !d.PendingConfirm() || !d.RunningHas(vcLine) {
		t.Fatal("the confirmed commit did not stay pending after its session ended")
	}

	b, err := junos.New(junos.Config{Name: "pe1", Address: d.Addr(), User: testUser, Password: testPass, InsecureIgnoreHostKey: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.Fetch(ctx, []config.Path{p("protocols/l2circuit")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("the read does not show the confirmed change")
	}
	if d.PendingConfirm() {
		t.Fatal("the read left the confirmed commit pending (it would vanish at its deadline)")
	}
	if !d.RunningHas(vcLine) {
		t.Fatal("settling the pending commit lost the change")
	}
	if log, _, _ := d.CommitLog(0); log == "" {
		t.Fatal("the settling commit carries no log")
	}
}

// TestPendingOfALiveSessionIsLeftAlone: a confirmed commit whose session still holds the lock
// (another xprov process in the middle of its transaction) is not touched by a read.
func TestPendingOfALiveSessionIsLeftAlone(t *testing.T) {
	d, a := startDevice(t, sim.Options{}, nil)
	ctx := ctxT(t)
	tx, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Prepare(ctx, createCS(a.Name(), elineSample()), adapters.PrepareOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := junos.New(junos.Config{Name: "pe1", Address: d.Addr(), User: testUser, Password: testPass, InsecureIgnoreHostKey: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Fetch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if !d.PendingConfirm() {
		t.Fatal("a read confirmed another live transaction's commit")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if d.RunningHas(vcLine) || d.PendingConfirm() {
		t.Fatal("rollback did not undo the confirmed commit")
	}
}

// TestDroppedSessionAfterConfirmedCommit: the session of a transaction ends after its confirmed
// commit; the change stays pending on the device, and the transaction settles it explicitly on
// a new session: Rollback undoes it (rollback 1 and a commit), Commit confirms it.
func TestDroppedSessionAfterConfirmedCommit(t *testing.T) {
	for _, commit := range []bool{false, true} {
		name := "rollback"
		if commit {
			name = "commit"
		}
		t.Run(name, func(t *testing.T) {
			d, c := startDevice(t, sim.Options{}, nil)
			ctx := ctxT(t)
			tx, err := c.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{Comment: "run 9"}); err != nil {
				t.Fatal(err)
			}
			d.KillSessions()
			waitFor(t, 5*time.Second, "the session to end", func() bool { return d.Sessions() == 0 })
			if !d.PendingConfirm() {
				t.Fatal("the confirmed commit did not stay pending")
			}
			if commit {
				if err := tx.Commit(ctx); err != nil {
					t.Fatalf("commit: %v", err)
				}
				if !d.RunningHas(vcLine) || d.PendingConfirm() {
					t.Fatalf("commit on a new session: change %v, pending %v", d.RunningHas(vcLine), d.PendingConfirm())
				}
				if log, _, _ := d.CommitLog(0); log != "run 9" {
					t.Fatalf("confirming commit log %q, want the run's comment", log)
				}
			} else {
				if err := tx.Rollback(ctx); err != nil {
					t.Fatalf("rollback: %v", err)
				}
				if d.RunningHas(vcLine) || d.PendingConfirm() {
					t.Fatalf("rollback on a new session: change %v, pending %v", d.RunningHas(vcLine), d.PendingConfirm())
				}
			}
			if d.LockHolder() != 0 {
				t.Fatal("lock left held")
			}
		})
	}
}

// TestModelRefusalReachesTheCaller: what the device model refuses comes back from Prepare as
// ErrRejected with Junos' error-path and message, and nothing is left on the device.
func TestModelRefusalReachesTheCaller(t *testing.T) {
	d, c := startDevice(t, sim.Options{}, nil)
	ctx := ctxT(t)
	before := d.RunningSet()
	for _, tc := range []struct {
		leaves   []config.Leaf
		path, in string
	}{
		{leaves("interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "9999"), "[edit interfaces ge-0/0/1 unit 100]", "Value 9999 is not within range (1..4094)"},
		{leaves("frobnicate/widget[w1]/colour", "purple"), "[edit]", "syntax error"},
		{leaves("interfaces/interface[ge-0/0/1]/mtu", "banana"), "[edit interfaces ge-0/0/1]", "invalid numeric value: 'banana'"},
	} {
		tx, err := c.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = tx.Prepare(ctx, createCS(c.Name(), tc.leaves), adapters.PrepareOptions{})
		var ae *adapters.Error
		if !errors.Is(err, adapters.ErrRejected) || !errors.As(err, &ae) || ae.Path != tc.path || !strings.Contains(ae.Msg, tc.in) {
			t.Errorf("prepare %v: %v (path %q), want ErrRejected at %s with %q", tc.leaves, err, pathOf(ae), tc.path, tc.in)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := d.RunningSet(); !reflect.DeepEqual(got, before) {
		t.Fatal("a refused change reached the running configuration")
	}
}

func pathOf(ae *adapters.Error) string {
	if ae == nil {
		return ""
	}
	return ae.Path
}
