package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// testAuditUnknownOutcome: an outcome with status unknown counts as audited but neither in
// sync nor drifted, and reads back with its status.
func testAuditUnknownOutcome(t *testing.T, s Extended) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	create(t, s, svc("a", "eline", "acme", store.StateActive), nil)
	create(t, s, svc("b", "eline", "acme", store.StateActive), nil)
	if err := s.PutAuditOutcome(ctx, store.AuditOutcome{Service: "a", Status: store.AuditUnknown, At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAuditOutcome(ctx, store.AuditOutcome{Service: "b", InSync: true, At: t0}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Compliance(ctx)
	if want := (store.Compliance{Audited: 2, InSync: 1, Unknown: 1}); err != nil || c != want {
		t.Fatalf("compliance %+v, %v; want %+v", c, err, want)
	}
	got, err := s.LatestAudit(ctx, "a")
	if err != nil || got.Status != store.AuditUnknown || got.InSync {
		t.Fatalf("latest of a: %+v, %v", got, err)
	}
	got, err = s.LatestAudit(ctx, "b")
	if err != nil || got.Status != store.AuditInSync || !got.InSync {
		t.Fatalf("latest of b (in sync given as a bool): %+v, %v", got, err)
	}
}

// testAuditJobs: a job is created once, updated, read back and listed newest first in pages.
func testAuditJobs(t *testing.T, s Extended) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	scope := json.RawMessage(`{"all":true}`)
	for i := 0; i < 5; i++ {
		j := store.AuditJob{ID: fmt.Sprintf("job-%d", i), Scope: scope, State: store.AuditJobPending, User: "op", Created: t0.Add(time.Duration(i) * time.Minute)}
		if err := s.CreateAuditJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	mustErr(t, s.CreateAuditJob(ctx, store.AuditJob{ID: "job-1", State: store.AuditJobPending}), store.ErrExists)
	started, finished := t0.Add(time.Hour), t0.Add(2*time.Hour)
	upd := store.AuditJob{ID: "job-2", State: store.AuditJobDone, Services: 10, InSync: 7, Drifted: 2, Unknown: 1, Targets: 3,
		Unreachable: 1, Started: &started, Finished: &finished, Error: "pe3: unreachable"}
	if err := s.UpdateAuditJob(ctx, upd); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.UpdateAuditJob(ctx, store.AuditJob{ID: "nope", State: store.AuditJobDone}), store.ErrNotFound)
	got, err := s.GetAuditJob(ctx, "job-2")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.AuditJobDone || got.Services != 10 || got.InSync != 7 || got.Drifted != 2 || got.Unknown != 1 ||
		got.Targets != 3 || got.Unreachable != 1 || got.User != "op" || string(got.Scope) != string(scope) ||
		got.Started == nil || !got.Started.Equal(started) || got.Finished == nil || !got.Finished.Equal(finished) ||
		!got.Created.Equal(t0.Add(2*time.Minute)) || got.Error != "pe3: unreachable" {
		t.Fatalf("job-2 = %+v", got)
	}
	_, err = s.GetAuditJob(ctx, "nope")
	mustErr(t, err, store.ErrNotFound)
	var ids []string
	after := ""
	for {
		page, next, err := s.ListAuditJobs(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range page {
			ids = append(ids, j.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	if want := []string{"job-4", "job-3", "job-2", "job-1", "job-0"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("jobs listed %v, want %v", ids, want)
	}
	_, _, err = s.ListAuditJobs(ctx, "!!!", 2)
	mustErr(t, err, store.ErrBadCursor)
}

// testAuditJobResults: results are kept per job and filtered by status in pages; each becomes
// its service's latest outcome unless the service is gone or a later outcome is recorded.
func testAuditJobResults(t *testing.T, s Extended) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, id := range []string{"a", "b", "c", "d"} {
		create(t, s, svc(id, "eline", "acme", store.StateActive), nil)
	}
	for _, id := range []string{"j1", "j2"} {
		if err := s.CreateAuditJob(ctx, store.AuditJob{ID: id, State: store.AuditJobRunning, Created: t0}); err != nil {
			t.Fatal(err)
		}
	}
	drift := json.RawMessage(`[{"target":"pe1","missing":["interfaces/interface[ge-0/0/1]/unit[100]"]}]`)
	rs := []store.AuditServiceResult{
		{Service: "a", Status: store.AuditInSync},
		{Service: "b", Status: store.AuditDrifted, Drift: drift},
		{Service: "c", Status: store.AuditUnknown, Drift: json.RawMessage(`[{"target":"pe2","error":"unreachable"}]`)},
		{Service: "gone", Status: store.AuditDrifted, Drift: drift},
	}
	if err := s.PutAuditResults(ctx, "j1", "op", t0, rs[:2]); err != nil {
		t.Fatal(err)
	}
	// Results may come in several calls.
	if err := s.PutAuditResults(ctx, "j1", "op", t0, rs[2:]); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.PutAuditResults(ctx, "nope", "op", t0, rs), store.ErrNotFound)
	c, err := s.Compliance(ctx)
	if want := (store.Compliance{Audited: 3, InSync: 1, Drifted: 1, Unknown: 1}); err != nil || c != want {
		t.Fatalf("compliance %+v, %v; want %+v (a service that is gone is not counted)", c, err, want)
	}
	got, err := s.LatestAudit(ctx, "b")
	if err != nil || got.Status != store.AuditDrifted || got.InSync || got.User != "op" || string(got.Drift) != string(drift) {
		t.Fatalf("latest of b: %+v, %v", got, err)
	}
	// All results of the job, in pages of 3.
	var all []store.AuditServiceResult
	after := ""
	for {
		page, next, err := s.ListAuditResults(ctx, store.AuditResultFilter{Job: "j1", After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		after = next
	}
	var names []string
	for _, r := range all {
		if r.Job != "j1" {
			t.Fatalf("result of job %q listed for j1", r.Job)
		}
		names = append(names, r.Service+"="+r.Status)
	}
	if want := []string{"a=in-sync", "b=drifted", "c=unknown", "gone=drifted"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("results %v, want %v", names, want)
	}
	if string(all[1].Drift) != string(drift) || all[0].Drift != nil {
		t.Fatalf("drift read back: %s / %s", all[1].Drift, all[0].Drift)
	}
	page, next, err := s.ListAuditResults(ctx, store.AuditResultFilter{Job: "j1", Status: store.AuditDrifted, Limit: 1})
	if err != nil || len(page) != 1 || page[0].Service != "b" || next == "" {
		t.Fatalf("drifted page 1: %+v %q %v", page, next, err)
	}
	page, next, err = s.ListAuditResults(ctx, store.AuditResultFilter{Job: "j1", Status: store.AuditDrifted, Limit: 1, After: next})
	if err != nil || len(page) != 1 || page[0].Service != "gone" {
		t.Fatalf("drifted page 2: %+v %q %v", page, next, err)
	}
	if page, _, err := s.ListAuditResults(ctx, store.AuditResultFilter{Job: "j2"}); err != nil || len(page) != 0 {
		t.Fatalf("results of another job: %+v, %v", page, err)
	}
	_, _, err = s.ListAuditResults(ctx, store.AuditResultFilter{Job: "j1", After: "!!!"})
	mustErr(t, err, store.ErrBadCursor)
	// An older job finishing late does not replace a newer outcome.
	if err := s.PutAuditResults(ctx, "j2", "cron", t0.Add(-time.Hour), []store.AuditServiceResult{{Service: "b", Status: store.AuditInSync}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LatestAudit(ctx, "b"); err != nil || got.Status != store.AuditDrifted {
		t.Fatalf("older result replaced the latest: %+v, %v", got, err)
	}
	// A later one does, and the counters follow.
	if err := s.PutAuditResults(ctx, "j2", "cron", t0.Add(time.Hour), []store.AuditServiceResult{{Service: "b", Status: store.AuditInSync}}); err != nil {
		t.Fatal(err)
	}
	c, err = s.Compliance(ctx)
	if want := (store.Compliance{Audited: 3, InSync: 2, Unknown: 1}); err != nil || c != want {
		t.Fatalf("compliance after repair %+v, %v; want %+v", c, err, want)
	}
}

// testAuditPruneJobs: all but the newest finished jobs go with their results; unfinished jobs
// stay.
func testAuditPruneJobs(t *testing.T, s Extended) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	create(t, s, svc("a", "eline", "acme", store.StateActive), nil)
	states := []string{store.AuditJobDone, store.AuditJobRunning, store.AuditJobFailed, store.AuditJobDone, store.AuditJobDone, store.AuditJobDone}
	for i, st := range states {
		id := fmt.Sprintf("j%d", i)
		if err := s.CreateAuditJob(ctx, store.AuditJob{ID: id, State: st, Created: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutAuditResults(ctx, id, "", t0, []store.AuditServiceResult{{Service: "a", Status: store.AuditInSync}}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneAuditJobs(ctx, 2)
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v; want 3 (j0, j2, j3: j1 is unfinished)", n, err)
	}
	page, _, err := s.ListAuditJobs(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range page {
		ids = append(ids, j.ID)
	}
	if want := []string{"j5", "j4", "j1"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("jobs kept %v, want %v", ids, want)
	}
	if rs, _, err := s.ListAuditResults(ctx, store.AuditResultFilter{Job: "j0"}); err != nil || len(rs) != 0 {
		t.Fatalf("results of a pruned job: %+v, %v", rs, err)
	}
	if n, err := s.PruneAuditJobs(ctx, 2); err != nil || n != 0 {
		t.Fatalf("second prune: %d, %v", n, err)
	}
}

// testAuditOwnedSets: what services own is read target by target (with each service's
// version and state) or service by service.
func testAuditOwnedSets(t *testing.T, s Extended) {
	leaf := func(p, v string) store.OwnedLeaf { return store.OwnedLeaf{Path: p, Value: v} }
	create(t, s, svc("b", "eline", "acme", store.StateActive), map[string][]store.OwnedLeaf{
		"pe1": {leaf("interfaces/interface[ge-0/0/1]/unit[200]", ""), leaf("interfaces/interface[ge-0/0/1]/unit[200]/vlan-id", "200")},
		"sam": {leaf("svc[7]", ""), leaf("svc[7]/name", "b")},
	})
	create(t, s, svc("a", "eline", "acme", store.StateActive), map[string][]store.OwnedLeaf{
		"pe1": {leaf("interfaces/interface[ge-0/0/1]/unit[100]", ""), leaf("interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "100")},
	})
	create(t, s, svc("idle", "eline", "acme", store.StateFailed), nil)
	ts, err := s.OwnedTargets(ctx)
	if err != nil || !reflect.DeepEqual(ts, []string{"pe1", "sam"}) {
		t.Fatalf("owned targets %v, %v", ts, err)
	}
	var on []store.OwnedSet
	if err := s.OwnedSetsOn(ctx, "pe1", func(set store.OwnedSet) error { on = append(on, set); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(on) != 2 || on[0].Service != "a" || on[1].Service != "b" || on[0].Version != 1 || on[0].State != store.StateActive ||
		on[0].Target != "pe1" || len(on[1].Leaves) != 2 || on[1].Leaves[1].Path != "interfaces/interface[ge-0/0/1]/unit[200]/vlan-id" ||
		on[1].Leaves[1].Value != "200" || on[1].Leaves[1].Target != "pe1" {
		t.Fatalf("sets on pe1: %+v", on)
	}
	stop := errors.New("stop")
	if err := s.OwnedSetsOn(ctx, "pe1", func(store.OwnedSet) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("fn's error not returned: %v", err)
	}
	of, err := s.OwnedSetsOf(ctx, []string{"b", "idle", "nope", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(of) != 2 || of[0].Target != "pe1" || of[1].Target != "sam" || of[1].Service != "b" || len(of[1].Leaves) != 2 {
		t.Fatalf("sets of b: %+v", of)
	}
	// Many services take several statements.
	ids := make([]string, 0, 1200)
	for i := 0; i < 1200; i++ {
		ids = append(ids, fmt.Sprintf("x%d", i))
	}
	if of, err := s.OwnedSetsOf(ctx, append(ids, "a")); err != nil || len(of) != 1 || of[0].Service != "a" {
		t.Fatalf("sets of 1201 services: %+v, %v", of, err)
	}
}

// testAuditSchedules: schedules are created, replaced, listed by id and deleted.
func testAuditSchedules(t *testing.T, s Extended) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, id := range []string{"nightly", "hourly"} {
		if err := s.PutAuditSchedule(ctx, store.AuditSchedule{ID: id, Scope: json.RawMessage(`{"all":true}`), Every: time.Hour, Next: t0, User: "op", Created: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutAuditSchedule(ctx, store.AuditSchedule{ID: "bad", Every: 0, Next: t0}); err == nil {
		t.Fatal("a schedule without an interval was accepted")
	}
	if err := s.PutAuditSchedule(ctx, store.AuditSchedule{ID: "nightly", Scope: json.RawMessage(`{"type":"eline"}`), Every: 24 * time.Hour,
		Next: t0.Add(time.Hour), User: "op", Created: t0, LastJob: "job-1"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAuditSchedules(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("schedules %+v, %v", got, err)
	}
	n := got[1]
	if got[0].ID != "hourly" || n.ID != "nightly" || n.Every != 24*time.Hour || !n.Next.Equal(t0.Add(time.Hour)) || n.LastJob != "job-1" ||
		string(n.Scope) != `{"type":"eline"}` || n.User != "op" || !n.Created.Equal(t0) {
		t.Fatalf("schedules %+v", got)
	}
	if err := s.DeleteAuditSchedule(ctx, "hourly"); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.DeleteAuditSchedule(ctx, "hourly"), store.ErrNotFound)
	if got, err := s.ListAuditSchedules(ctx); err != nil || len(got) != 1 {
		t.Fatalf("after delete: %+v, %v", got, err)
	}
}

// testTargetSync: a target's latest state replaces an older one, never the other way round;
// states are read for some targets or all.
func testTargetSync(t *testing.T, s Extended) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	put := func(ts ...store.TargetSync) {
		t.Helper()
		if err := s.PutTargetSync(ctx, ts); err != nil {
			t.Fatal(err)
		}
	}
	put(store.TargetSync{Target: "pe1", State: store.SyncInSync, Services: 3, Job: "j1", At: t0},
		store.TargetSync{Target: "pe2", State: store.SyncOutOfSync, Services: 2, Drifted: 1, Job: "j1", At: t0})
	put(store.TargetSync{Target: "pe1", State: store.SyncUnknown, Error: "unreachable", Job: "j0", At: t0.Add(-time.Hour)}) // older: ignored
	put(store.TargetSync{Target: "pe2", State: store.SyncOutOfSync, Detail: "root via cli", Job: "j1", At: t0.Add(time.Minute)})
	if got, err := s.TargetSyncs(ctx, "pe2"); err != nil || len(got) != 1 || got[0].Detail != "root via cli" {
		t.Fatalf("detail: %+v, %v", got, err)
	}
	put(store.TargetSync{Target: "pe2", State: store.SyncInSync, Services: 2, Job: "j2", At: t0.Add(time.Hour)})
	all, err := s.TargetSyncs(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("all: %+v, %v", all, err)
	}
	if all[0].Target != "pe1" || all[0].State != store.SyncInSync || all[0].Services != 3 || all[0].Job != "j1" || !all[0].At.Equal(t0) {
		t.Fatalf("pe1: %+v", all[0])
	}
	if all[1].State != store.SyncInSync || all[1].Job != "j2" || all[1].Detail != "" {
		t.Fatalf("pe2: %+v", all[1])
	}
	some, err := s.TargetSyncs(ctx, "pe2", "nope")
	if err != nil || len(some) != 1 || some[0].Target != "pe2" {
		t.Fatalf("some: %+v, %v", some, err)
	}
}
