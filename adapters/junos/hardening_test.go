package junos_test

import (
	"errors"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/junos"
	"github.com/xprov/xprov/adapters/junos/sim"
)

// TestSessionDropSaysWhatXprovDid drops the NETCONF session at each step of a transaction: the
// error names the device, the step in flight and what it means, says its cause once, and the
// device is left clean and usable.
func TestSessionDropSaysWhatXprovDid(t *testing.T) {
	tests := []struct {
		name     string
		rpc      string // the operation dropped
		inCommit bool   // dropped in Commit rather than Prepare
		want     error
		msg      string
		// committed: the transaction still commits (the change stays, confirmed).
		committed bool
	}{
		{name: "lock", rpc: "lock", want: adapters.ErrUnreachable,
			msg: "pe1: prepare: NETCONF session closed during <lock> (EOF); nothing was locked or changed: unreachable"},
		{name: "edit-config", rpc: "edit-config", want: adapters.ErrUnreachable,
			msg: "pe1: prepare: NETCONF session closed during <edit-config> (EOF); the candidate is discarded with the session (and its lock released), nothing was committed: unreachable"},
		{name: "commit check", rpc: "commit-configuration", want: adapters.ErrUnreachable,
			msg: "pe1: prepare: NETCONF session closed during <commit-configuration> (EOF); the candidate is discarded with the session (and its lock released), nothing was committed: unreachable"},
		{name: "confirmed commit", rpc: "commit", want: adapters.ErrPossiblyApplied,
			msg: "pe1: prepare: NETCONF session closed during <commit> (EOF); if the device took the confirmed commit, Junos keeps it pending until its confirm timeout although the session ended; rolling back undoes it explicitly, and the engine reads the device before going on: possibly applied"},
		// The confirming commit is lost with its session; Junos keeps the confirmed commit
		// pending, and Commit confirms it on a new session.
		{name: "confirming commit", rpc: "commit-configuration", inCommit: true, committed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, c := startDevice(t, sim.Options{Name: "pe1"}, nil)
			ctx := ctxT(t)
			if _, err := c.Fetch(ctx, nil); err != nil { // a session exists before the fault
				t.Fatal(err)
			}
			tx, err := c.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.inCommit {
				d.DropSessionOnNextRPC(tc.rpc)
			}
			err = tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{})
			if tc.inCommit {
				if err != nil {
					t.Fatalf("prepare: %v", err)
				}
				d.DropSessionOnNextRPC(tc.rpc)
				err = tx.Commit(ctx)
			}
			if tc.committed {
				if err != nil {
					t.Fatalf("commit: %v", err)
				}
				if !d.RunningHas(vcLine) || d.PendingConfirm() || d.LockHolder() != 0 {
					t.Fatalf("after commit: change %v, pending %v, lock %d", d.RunningHas(vcLine), d.PendingConfirm(), d.LockHolder())
				}
				return
			}
			if !errors.Is(err, tc.want) || err.Error() != tc.msg {
				t.Fatalf("error:\n%v\nwant %v:\n%s", err, tc.want, tc.msg)
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			waitFor(t, 5*time.Second, "the device to settle", func() bool { return !d.PendingConfirm() && d.LockHolder() == 0 })
			if d.RunningHas(vcLine) {
				t.Fatal("the change is on the device")
			}
			// The device is usable again, on a new session.
			tx, err = c.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{}); err != nil {
				t.Fatalf("prepare after the drop: %v", err)
			}
			if err := tx.Commit(ctx); err != nil || !d.RunningHas(vcLine) {
				t.Fatalf("commit after the drop: %v", err)
			}
		})
	}
}

// TestFrozenDeviceTimesOut: a device that stops answering fails a prepare within the call
// timeout, with an error naming the device and the RPC, and is used again once it answers.
func TestFrozenDeviceTimesOut(t *testing.T) {
	d, c := startDevice(t, sim.Options{Name: "pe1"}, func(cfg *junos.Config) { cfg.CallTimeout = 300 * time.Millisecond })
	ctx := ctxT(t)
	if _, err := c.Fetch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	d.SetLatency(time.Hour)
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = tx.Prepare(ctx, createCS(c.Name(), elineSample()), adapters.PrepareOptions{})
	took := time.Since(start)
	const want = "pe1: prepare: no reply to <lock> within 300ms; xprov closed the NETCONF session; nothing was locked or changed: unreachable"
	if !errors.Is(err, adapters.ErrUnreachable) || err.Error() != want {
		t.Fatalf("prepare on a frozen device:\n%v\nwant:\n%s", err, want)
	}
	if took > 2*time.Second {
		t.Fatalf("prepare took %v with a 300ms call timeout", took)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	d.SetLatency(0)
	if _, err := c.Fetch(ctx, nil); err != nil {
		t.Fatalf("after the device answers again: %v", err)
	}
}
