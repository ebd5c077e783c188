package sim

import (
	"testing"
	"time"
)

// TestConfirmedCommitOutlivesItsSession: as Junos documents it, a confirmed commit stays
// pending after its session ends, until its deadline (then it rolls back by itself), a later
// commit from any session (which confirms it) or `rollback 1` and a commit (which undo it).
func TestConfirmedCommitOutlivesItsSession(t *testing.T) {
	const line = "set protocols l2circuit neighbor 10.255.2.2 interface ge-0/0/2.1 virtual-circuit-id 100001"
	tests := []struct {
		name  string
		after func(t *testing.T, d *Device)
		keeps bool
	}{
		{"deadline rolls back", func(t *testing.T, d *Device) {
			waitFor(t, "the deadline", func() bool { return !d.PendingConfirm() })
		}, false},
		{"a later commit confirms", func(t *testing.T, d *Device) {
			mustOK(t, simSession(t, d), el("commit-configuration", tx("log", "confirm")))
		}, true},
		{"rollback 1 and commit undo", func(t *testing.T, d *Device) {
			s := simSession(t, d)
			mustOK(t, s, el("load-configuration").SetAttr("rollback", "1"))
			mustOK(t, s, el("commit-configuration"))
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newTestDevice(t)
			s := simSession(t, d)
			mustOK(t, s, editService(1))
			mustOK(t, s, el("commit", el("confirmed"), tx("confirm-timeout", "1")))
			d.endSession(s)
			if !d.PendingConfirm() || !d.RunningHas(line) {
				t.Fatal("the end of the session rolled the confirmed commit back")
			}
			if dl, ok := d.ConfirmDeadline(); !ok || time.Until(dl) > time.Second {
				t.Fatalf("deadline %v, %v", dl, ok)
			}
			info := d.commitInformation()
			if c := info.Find("commit-history")[0].ChildText("comment"); c != "commit confirmed, rollback in 1mins" {
				t.Fatalf("show system commit: %q", c)
			}
			tc.after(t, d)
			time.Sleep(1200 * time.Millisecond) // past the deadline
			if d.PendingConfirm() || d.RunningHas(line) != tc.keeps {
				t.Fatalf("pending %v, change kept %v, want %v", d.PendingConfirm(), d.RunningHas(line), tc.keeps)
			}
		})
	}
}
