package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fleet is n services: service i has a unit on pe(i%3+1) port ge-0/0/(i%4) VLAN 100+i, and
// when i is even an epipe on sr((i/2)%2+1) behind sam1.
func fleet(n int) []engine.Request {
	var reqs []engine.Request
	for i := 0; i < n; i++ {
		eps := [][3]any{{fmt.Sprintf("pe%d", i%3+1), fmt.Sprintf("ge-0/0/%d", i%4), 100 + i}}
		if i%2 == 0 {
			eps = append(eps, [3]any{fmt.Sprintf("sr%d", (i/2)%2+1), "1/1/1", 100 + i})
		}
		reqs = append(reqs, engine.Request{Op: engine.OpCreate, Type: "vlan", ServiceID: fmt.Sprintf("s%02d", i), Intent: vlanIntent(eps...)})
	}
	return reqs
}

func results(t *testing.T, st *store.SQLite, job, status string) map[string]store.AuditServiceResult {
	t.Helper()
	out := map[string]store.AuditServiceResult{}
	f := store.AuditResultFilter{Job: job, Status: status, Limit: 7}
	for {
		page, next, err := st.ListAuditResults(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			out[r.Service] = r
		}
		if next == "" {
			return out
		}
		f.After = next
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestJobAttributesDrift: one audit of everything reads each target once, finds every kind of
// drift (missing, changed, extra; on a Junos port and on SAM objects; a shared node a device
// lost) and attributes it to the services that own the nodes; the services of a target that
// cannot be read are unknown, not drifted. Results are stored per job and as latest outcomes.
func TestJobAttributesDrift(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.create(t, fleet(40))

	// s01 (pe2 ge-0/0/1.101) loses its unit; s03 (pe1 ge-0/0/3.103) gets another VLAN id; s04
	// (pe2 ge-0/0/0.104) gets "disable" added under its unit; s06's epipe (sr2) another
	// description; s10's epipe (sr2) an extra property; pe1 ge-0/0/1 loses its
	// flexible-vlan-tagging, which s09, s21 and s33 share; pe3 does not answer.
	b.dev["pe2"].Remove(mustPath(t, "interfaces/interface[ge-0/0/1]/unit[101]"))
	b.dev["pe1"].Seed(config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/3]/unit[103]/vlan-id"), Value: "999"})
	b.dev["pe2"].Seed(config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/0]/unit[104]/disable")})
	b.dev["sam1"].Seed(config.Leaf{Path: mustPath(t, "epipe[s06@sr2]/description"), Value: "changed by hand"})
	b.dev["sam1"].Seed(config.Leaf{Path: mustPath(t, "epipe[s10@sr2]/admin-state"), Value: "down"})
	b.dev["pe1"].Remove(mustPath(t, "interfaces/interface[ge-0/0/1]/flexible-vlan-tagging"))
	b.dev["pe3"].FailNext("fetch", "connection refused")
	// Unowned configuration next to the services' is nobody's drift: a port nobody uses, a
	// unit on a shared port, a pre-existing object.
	b.dev["pe1"].Seed(config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/9]/description"), Value: "spare"},
		config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/0]/unit[4000]/vlan-id"), Value: "4000"},
		config.Leaf{Path: mustPath(t, "vpls[legacy]/description"), Value: "not ours"})

	b.resetFetches()
	j, err := b.a.Run(ctx, audit.Scope{}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if j.State != store.AuditJobDone || j.Services != 40 || j.Drifted != 8 || j.Unknown != 13 || j.InSync != 19 ||
		j.Targets != 4 || j.Unreachable != 1 || j.User != "alice" || j.Started == nil || j.Finished == nil {
		t.Fatalf("job %+v", j)
	}
	// Each target once for all its services. The drifted services did not change meanwhile,
	// so their first look stands, but for extra nodes, which a second look at the service's
	// targets confirms (two reads: s04 on pe2 and sam1, s10 on pe2 and sam1).
	wantFetches := map[string]int64{"pe1": 1, "pe2": 1 + 2*2, "pe3": 1, "sam1": 1 + 2*2}
	for n, c := range b.targets {
		if got := c.fetches.Load(); got != wantFetches[n] {
			t.Errorf("%s read %d times, want %d", n, got, wantFetches[n])
		}
	}
	drifted := results(t, b.st, j.ID, store.AuditDrifted)
	if want := []string{"s01", "s03", "s04", "s06", "s09", "s10", "s21", "s33"}; !reflect.DeepEqual(keys(drifted), want) {
		t.Fatalf("drifted %v, want %v", keys(drifted), want)
	}
	unknown := results(t, b.st, j.ID, store.AuditUnknown)
	for id, r := range unknown {
		var n int
		fmt.Sscanf(id, "s%d", &n)
		if n%3 != 2 || !strings.Contains(string(r.Drift), "connection refused") {
			t.Errorf("unknown %s: %s", id, r.Drift)
		}
	}
	if all := results(t, b.st, j.ID, ""); len(all) != 40 {
		t.Fatalf("%d results stored, want 40", len(all))
	}
	// The drift of each drifted service, as stored (golden).
	var golden bytes.Buffer
	for _, id := range keys(drifted) {
		var v any
		if err := json.Unmarshal(drifted[id].Drift, &v); err != nil {
			t.Fatal(err)
		}
		line, _ := json.Marshal(v)
		fmt.Fprintf(&golden, "%s %s\n", id, line)
	}
	checkGolden(t, "drift.golden", golden.Bytes())

	// Latest outcomes follow, and compliance counts them.
	if a, err := b.st.LatestAudit(ctx, "s04"); err != nil || a.Status != store.AuditDrifted || a.User != "alice" {
		t.Fatalf("latest of s04: %+v, %v", a, err)
	}
	if c, err := b.st.Compliance(ctx); err != nil || c != (store.Compliance{Audited: 40, InSync: 19, Drifted: 8, Unknown: 13}) {
		t.Fatalf("compliance %+v, %v", c, err)
	}

	// Redeploy repairs what a service owns alone; a later audit of the device says so.
	for _, id := range []string{"s01", "s06"} {
		run, err := b.e.Submit(ctx, engine.Request{Op: engine.OpRedeploy, ServiceID: id})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := b.e.Wait(ctx, run.ID); err != nil || r.State != store.RunSucceeded {
			t.Fatalf("redeploy %s: %+v, %v", id, r, err)
		}
	}
	j, err = b.a.Run(ctx, audit.Scope{Device: "pe2"}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(results(t, b.st, j.ID, store.AuditDrifted)); j.Unknown != 0 || j.Services != 13 || !slices.Equal(got, []string{"s04", "s10"}) {
		t.Fatalf("pe2 after redeploy: %+v, drifted %v", j, got)
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestScopes: a job covers exactly the services its scope selects and reads only their
// targets.
func TestScopes(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.create(t, fleet(24))
	tests := []struct {
		name     string
		scope    audit.Scope
		services int64
		targets  int64
	}{
		{"one service on a port and an SR", audit.Scope{Service: "s04"}, 1, 2},
		{"one service on a port", audit.Scope{Service: "s05"}, 1, 1},
		{"a Junos device", audit.Scope{Device: "pe1"}, 8, 2},
		{"an SR behind the SAM", audit.Scope{Device: "sr1"}, 6, 4},
		{"a type", audit.Scope{Type: "vlan"}, 24, 4},
		{"a type on a device", audit.Scope{Type: "vlan", Device: "pe3"}, 8, 2},
		{"a state", audit.Scope{State: store.StateFailed}, 0, 0},
		{"everything", audit.Scope{}, 24, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.resetFetches()
			j, err := b.a.Run(ctx, tt.scope, "op")
			if err != nil {
				t.Fatal(err)
			}
			if j.State != store.AuditJobDone || j.Services != tt.services || j.InSync != tt.services || j.Targets != tt.targets {
				t.Fatalf("job %+v, want %d services on %d targets", j, tt.services, tt.targets)
			}
			var reads int64
			for _, c := range b.targets {
				reads += c.fetches.Load()
			}
			if reads != tt.targets {
				t.Fatalf("%d reads for %d targets", reads, tt.targets)
			}
			var scope audit.Scope
			if err := json.Unmarshal(j.Scope, &scope); err != nil || scope != tt.scope {
				t.Fatalf("stored scope %s", j.Scope)
			}
		})
	}
	if _, err := b.a.Run(ctx, audit.Scope{Service: "nope"}, "op"); err != nil {
		t.Fatal(err)
	} else if page, _, _ := b.st.ListAuditJobs(ctx, "", 1); page[0].State != store.AuditJobFailed || !strings.Contains(page[0].Error, "not found") {
		t.Fatalf("unknown service: %+v", page[0])
	}
}

// TestAuditWhileRequestsChangeServices: audits of everything run while requests create,
// modify and delete services on the same ports; no job reports a false drift, and the one
// real drift (a service nobody touches) is found by every job.
func TestAuditWhileRequestsChangeServices(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	// Each Junos device has a port one service (solo-N) owns alone, entry included: units
	// other requests put there are extra nodes under solo-N's entry until they are recorded.
	reqs := fleet(24)
	for d := 1; d <= 3; d++ {
		reqs = append(reqs, engine.Request{Op: engine.OpCreate, Type: "vlan", ServiceID: fmt.Sprintf("solo-%d", d),
			Intent: vlanIntent([3]any{fmt.Sprintf("pe%d", d), "ge-0/0/7", 7})})
	}
	b.create(t, reqs)
	b.dev["pe1"].Seed(config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/3]/unit[103]/disable")}) // s03, never touched

	for _, c := range b.targets {
		c.slow.Store(true)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				// A new service on a busy port, its modify to another VLAN, its delete; and
				// a modify of an existing service (not s03).
				id := fmt.Sprintf("churn-%d-%d", w, k)
				dev := fmt.Sprintf("pe%d", w+1)
				steps := []engine.Request{
					{Op: engine.OpCreate, Type: "vlan", ServiceID: id, Intent: vlanIntent([3]any{dev, "ge-0/0/7", 2000 + 10*w + k%10})},
					{Op: engine.OpModify, ServiceID: id, Intent: vlanIntent([3]any{dev, "ge-0/0/7", 3000 + 10*w + k%10}, [3]any{"sr1", "1/1/2", 3000 + 10*w + k%10})},
					{Op: engine.OpDelete, ServiceID: id},
					{Op: engine.OpModify, ServiceID: fmt.Sprintf("s%02d", w*3+1), Intent: vlanIntent([3]any{fmt.Sprintf("pe%d", (w*3+1)%3+1), "ge-0/0/1", 500 + k%2*100 + w})},
				}
				for _, req := range steps {
					run, err := b.e.Submit(ctx, req)
					if err == nil {
						var r store.Run
						if r, err = b.e.Wait(ctx, run.ID); err == nil && r.State != store.RunSucceeded {
							err = fmt.Errorf("%s %s: %s %s", req.Op, req.ServiceID, r.State, r.Error)
						}
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}(w)
	}
	for i := 0; i < 20; i++ {
		j, err := b.a.Run(ctx, audit.Scope{}, "op")
		if err != nil {
			t.Fatal(err)
		}
		drifted := keys(results(t, b.st, j.ID, store.AuditDrifted))
		if j.State != store.AuditJobDone || !slices.Equal(drifted, []string{"s03"}) {
			t.Errorf("audit %d during requests: %+v drifted %v", i, j, drifted)
			for _, id := range drifted {
				r := results(t, b.st, j.ID, store.AuditDrifted)[id]
				t.Logf("%s: %s", id, r.Drift)
			}
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	j, err := b.a.Run(ctx, audit.Scope{}, "op")
	if err != nil {
		t.Fatal(err)
	}
	if j.Drifted != 1 || j.Unknown != 0 || j.InSync != j.Services-1 {
		t.Fatalf("after the requests: %+v", j)
	}
}

// TestCheckUnknownAndExtra: the one-service audit (engine.Audit) says unknown for a target it
// cannot read and lists extra nodes under the service's own entry as drift.
func TestCheckUnknownAndExtra(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.create(t, fleet(3))
	b.dev["pe1"].FailNext("fetch", "timeout")
	rep, err := b.e.Audit(ctx, "s00")
	if err != nil || rep.Status != store.AuditUnknown || rep.InSync || len(rep.Drift) != 1 || rep.Drift[0].Target != "pe1" ||
		!strings.Contains(rep.Drift[0].Error, "timeout") {
		t.Fatalf("unreachable: %+v, %v", rep, err)
	}
	b.dev["pe1"].Seed(config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/0]/unit[100]/disable")})
	rep, err = b.e.Audit(ctx, "s00")
	if err != nil || rep.Status != store.AuditDrifted || len(rep.Drift) != 1 ||
		!reflect.DeepEqual(rep.Drift[0].Extra, []audit.DriftLeaf{{Path: "interfaces/interface[ge-0/0/0]/unit[100]/disable"}}) {
		t.Fatalf("extra: %+v, %v", rep, err)
	}
	if _, err := b.e.Audit(ctx, "nope"); err == nil {
		t.Fatal("audit of an unknown service succeeded")
	}
}

// TestSchedules: a schedule starts a job when due, once per interval, skipping missed times.
func TestSchedules(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.create(t, fleet(4))
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	a, err := audit.New(ctx, audit.Options{Store: b.st, Target: b.e.Target, ScheduleTick: -1, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Schedule(ctx, audit.Scope{Device: "pe1"}, time.Second, "op"); err == nil {
		t.Fatal("a schedule every second was accepted")
	}
	s, err := a.Schedule(ctx, audit.Scope{Device: "pe1"}, time.Hour, "op")
	if err != nil {
		t.Fatal(err)
	}
	if js, err := a.RunDue(ctx); err != nil || len(js) != 0 {
		t.Fatalf("not due yet: %v, %v", js, err)
	}
	set(now.Add(3*time.Hour + time.Minute)) // three times missed: one job
	js, err := a.RunDue(ctx)
	if err != nil || len(js) != 1 || js[0].Schedule != s.ID || js[0].User != "op" {
		t.Fatalf("due: %+v, %v", js, err)
	}
	j, err := a.Wait(ctx, js[0].ID)
	if err != nil || j.State != store.AuditJobDone || j.Services != 2 {
		t.Fatalf("scheduled job: %+v, %v", j, err)
	}
	if js, err := a.RunDue(ctx); err != nil || len(js) != 0 {
		t.Fatalf("ran twice in one interval: %v, %v", js, err)
	}
	scheds, err := b.st.ListAuditSchedules(ctx)
	if err != nil || len(scheds) != 1 || !scheds[0].Next.Equal(s.Next.Add(3*time.Hour)) || scheds[0].LastJob != j.ID {
		t.Fatalf("schedule after its run: %+v, %v", scheds, err)
	}
}

// TestInterruptedJobsFail: a job a previous process left running is failed at the next start.
func TestInterruptedJobsFail(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	if err := b.st.CreateAuditJob(ctx, store.AuditJob{ID: "left", State: store.AuditJobRunning}); err != nil {
		t.Fatal(err)
	}
	a, err := audit.New(ctx, audit.Options{Store: b.st, Target: b.e.Target, ScheduleTick: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	j, err := b.st.GetAuditJob(ctx, "left")
	if err != nil || j.State != store.AuditJobFailed || !strings.Contains(j.Error, "interrupted") || j.Finished == nil {
		t.Fatalf("left job: %+v, %v", j, err)
	}
}

// TestCheckInFlight: drift seen while a request is in flight proves nothing: a service being
// modified is unknown, and extra nodes on a device where another service is being created
// (whose ownership is recorded when it ends) are unknown until it ends.
func TestCheckInFlight(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.create(t, fleet(2))
	b.dev["pe1"].Seed(config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/0]/unit[100]/disable")}) // s00
	b.dev["pe2"].Remove(mustPath(t, "interfaces/interface[ge-0/0/1]/unit[101]/vlan-id"))                  // s01

	if err := b.st.PutServiceState(ctx, store.Service{ID: "s01", State: store.StateModifying}); err != nil {
		t.Fatal(err)
	}
	if rep, err := b.e.Audit(ctx, "s01"); err != nil || rep.Status != store.AuditUnknown || !strings.Contains(fmt.Sprint(rep.Drift), "changed while it was audited") {
		t.Fatalf("service being modified: %+v, %v", rep, err)
	}
	ghost := store.Service{ID: "ghost", Type: "vlan", State: store.StateCreating, Endpoints: []store.EndpointRef{{Device: "pe1", Port: "ge-0/0/0"}}}
	if err := b.st.PutServiceState(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	if rep, err := b.e.Audit(ctx, "s00"); err != nil || rep.Status != store.AuditUnknown || !strings.Contains(fmt.Sprint(rep.Drift), "is in flight on pe1") {
		t.Fatalf("extra while a create is in flight: %+v, %v", rep, err)
	}
	ghost.State = store.StateFailed
	if err := b.st.PutServiceState(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	if rep, err := b.e.Audit(ctx, "s00"); err != nil || rep.Status != store.AuditDrifted {
		t.Fatalf("extra once the create ended: %+v, %v", rep, err)
	}
}

// TestTargetSync: each audit records its targets' states (out of sync where a service drifted,
// unknown where the target could not be read), and the deploy gate names the out-of-sync ones
// until a later audit finds them repaired.
func TestTargetSync(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.create(t, fleet(6))
	b.dev["pe2"].Seed(config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/1]/unit[101]/vlan-id"), Value: "7"}) // s01
	b.dev["pe3"].FailNext("fetch", "connection refused")
	j, err := b.a.Run(ctx, audit.Scope{}, "op")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := b.st.TargetSyncs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range ts {
		got[s.Target] = fmt.Sprintf("%s %d/%d %v", s.State, s.Drifted, s.Services, s.Job == j.ID)
	}
	want := map[string]string{"pe1": "in-sync 0/2 true", "pe2": "out-of-sync 1/2 true", "pe3": "unknown 0/2 true", "sam1": "in-sync 0/3 true"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("target sync %v, want %v", got, want)
	}
	err = audit.CheckTargets(ctx, b.st, []string{"pe1", "pe2", "pe3", "pe9"})
	var oos *audit.OutOfSyncError
	if !errors.As(err, &oos) || !errors.Is(err, audit.ErrOutOfSync) || len(oos.Targets) != 1 || oos.Targets[0].Target != "pe2" ||
		!strings.Contains(err.Error(), "pe2 (1 of 2 services drifted") {
		t.Fatalf("gate: %v", err)
	}
	if err := audit.CheckTargets(ctx, b.st, []string{"pe1", "sam1"}); err != nil {
		t.Fatalf("gate on in-sync targets: %v", err)
	}
	run, err := b.e.Submit(ctx, engine.Request{Op: engine.OpRedeploy, ServiceID: "s01"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := b.e.Wait(ctx, run.ID); err != nil || r.State != store.RunSucceeded {
		t.Fatalf("redeploy: %+v, %v", r, err)
	}
	// An audit of one service on pe2 cannot say pe2 is in sync; one of the device can.
	if _, err := b.a.Run(ctx, audit.Scope{Service: "s01"}, "op"); err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckTargets(ctx, b.st, []string{"pe2"}); !errors.Is(err, audit.ErrOutOfSync) {
		t.Fatalf("gate after a one-service audit: %v", err)
	}
	if _, err := b.a.Run(ctx, audit.Scope{Device: "pe2"}, "op"); err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckTargets(ctx, b.st, []string{"pe2"}); err != nil {
		t.Fatalf("gate after the repair: %v", err)
	}
}

// historyTarget is a target with a commit history the test writes.
type historyTarget struct {
	*counted
	commits []adapters.Commit
}

func (h *historyTarget) CommitHistory(ctx context.Context) ([]adapters.Commit, error) {
	return h.commits, nil
}

// TestCheckChanges: a commit by someone else than xprov after a device's audit marks it out of
// sync, with who and how; xprov's own commits and commits before the audit do not; an audit of
// the whole device clears it.
func TestCheckChanges(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	h := &historyTarget{counted: b.targets["pe1"]}
	b.e.AddTarget(h)
	b.create(t, fleet(3))
	j, err := b.a.Run(ctx, audit.Scope{}, "op")
	if err != nil {
		t.Fatal(err)
	}
	audited := *j.Finished
	h.commits = []adapters.Commit{
		{Seq: 0, At: audited.Add(time.Minute), User: "xprov", Client: "netconf", Comment: "xprov run r9 (create s9 by alice)"},
		{Seq: 1, At: audited.Add(-time.Minute), User: "root", Client: "cli"},
	}
	if ch, err := b.a.CheckChanges(ctx); err != nil || len(ch) != 0 {
		t.Fatalf("only xprov's commits since the audit: %+v, %v", ch, err)
	}
	h.commits = append([]adapters.Commit{{Seq: 0, At: audited.Add(2 * time.Minute), User: "jdoe", Client: "cli", Comment: "fix ge-0/0/0"}}, h.commits...)
	ch, err := b.a.CheckChanges(ctx)
	if err != nil || len(ch) != 1 || ch[0].Target != "pe1" || ch[0].State != store.SyncOutOfSync ||
		!strings.Contains(ch[0].Detail, "by jdoe via cli") || !strings.Contains(ch[0].Detail, `"fix ge-0/0/0"`) {
		t.Fatalf("a CLI commit: %+v, %v", ch, err)
	}
	err = audit.CheckTargets(ctx, b.st, []string{"pe1"})
	if !errors.Is(err, audit.ErrOutOfSync) || !strings.Contains(err.Error(), "jdoe") {
		t.Fatalf("gate: %v", err)
	}
	// The change touched nothing a service owns: an audit of pe1 finds it in sync again.
	if _, err := b.a.Run(ctx, audit.Scope{Device: "pe1"}, "op"); err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckTargets(ctx, b.st, []string{"pe1"}); err != nil {
		t.Fatalf("gate after the audit: %v", err)
	}
}

// TestExtraDeletes: the deletes of a report's extra nodes, applied on the device, bring the
// service back in sync (what a re-deploy needs beyond its diff).
func TestExtraDeletes(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	b.create(t, fleet(1))
	b.dev["pe1"].Seed(config.Leaf{Path: mustPath(t, "interfaces/interface[ge-0/0/0]/unit[100]/disable")})
	rep, err := audit.Check(ctx, b.st, b.e.Target, "s00")
	if err != nil || rep.Status != store.AuditDrifted {
		t.Fatalf("check: %+v, %v", rep, err)
	}
	dels, err := audit.ExtraDeletes(rep, "pe1")
	if err != nil || len(dels) != 1 || dels[0].Op != config.Delete || dels[0].Path.String() != "interfaces/interface[ge-0/0/0]/unit[100]/disable" {
		t.Fatalf("deletes: %+v, %v", dels, err)
	}
	if other, _ := audit.ExtraDeletes(rep, "sam1"); len(other) != 0 {
		t.Fatalf("deletes on another target: %+v", other)
	}
	tx, err := b.dev["pe1"].Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Prepare(ctx, config.ChangeSet{Target: "pe1", Changes: dels}, adapters.PrepareOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.Check(ctx, b.st, b.e.Target, "s00"); err != nil || rep.Status != store.AuditInSync {
		t.Fatalf("after the deletes: %+v, %v", rep, err)
	}
}
