package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/xprov/xprov/engine/store"
)

// Extended is what the REST layer needs of a store beyond store.Store and store.Auth (the
// store's status, persisted idempotency keys and audit results).
type Extended interface {
	store.Store
	store.Auth
	store.Status
	store.Idempotency
	store.AuditResults
	store.AuditJobs
}

// ExerciseExtended runs the contract of the additions in Extended against fresh stores made by
// open (one per subtest).
func ExerciseExtended(t *testing.T, open func(t *testing.T) Extended) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s Extended)
	}{
		{"BadCursor", testBadCursor},
		{"LastEventSeq", testLastEventSeq},
		{"Idempotency", testIdempotency},
		{"CountUnfinishedRuns", testCountUnfinishedRuns},
		{"AuditOutcomes", testAuditOutcomes},
		{"AuditUnknownOutcome", testAuditUnknownOutcome},
		{"AuditJobs", testAuditJobs},
		{"AuditJobResults", testAuditJobResults},
		{"AuditPruneJobs", testAuditPruneJobs},
		{"AuditOwnedSets", testAuditOwnedSets},
		{"AuditSchedules", testAuditSchedules},
		{"TargetSync", testTargetSync},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

// testBadCursor: every paged list refuses a cursor it did not issue with ErrBadCursor.
func testBadCursor(t *testing.T, s Extended) {
	for _, c := range []string{"!!!", "eA", "eAB4"} {
		if _, _, err := s.ListServices(ctx, store.ServiceFilter{After: c}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("ListServices(After %q) = %v, want ErrBadCursor", c, err)
		}
		if _, _, err := s.ListServices(ctx, store.ServiceFilter{After: c, Sort: "-updated"}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("ListServices(After %q, -updated) = %v, want ErrBadCursor", c, err)
		}
		if _, _, err := s.ListRuns(ctx, "", c, 10); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("ListRuns(%q) = %v, want ErrBadCursor", c, err)
		}
		if _, _, err := s.ListRuns(ctx, "s1", c, 10); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("ListRuns(s1, %q) = %v, want ErrBadCursor", c, err)
		}
		if _, _, err := s.ListAudit(ctx, store.AuditFilter{After: c}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("ListAudit(%q) = %v, want ErrBadCursor", c, err)
		}
	}
	// A cursor the store issued is fine.
	for _, id := range []string{"a", "b"} {
		create(t, s, svc(id, "eline", "acme", store.StateActive), nil)
	}
	_, next, err := s.ListServices(ctx, store.ServiceFilter{Limit: 1})
	if err != nil || next == "" {
		t.Fatalf("first page: next %q, %v", next, err)
	}
	if _, _, err := s.ListServices(ctx, store.ServiceFilter{Limit: 1, After: next}); err != nil {
		t.Fatalf("issued cursor refused: %v", err)
	}
}

// testLastEventSeq: 0 on an empty store, then the seq of the newest event however it was
// appended.
func testLastEventSeq(t *testing.T, s Extended) {
	if n, err := s.LastEventSeq(ctx); err != nil || n != 0 {
		t.Fatalf("empty store: %d, %v; want 0", n, err)
	}
	var last int64
	for i := range 3 {
		seq, err := s.AppendEvent(ctx, store.Event{Type: "test", Service: fmt.Sprint("s", i)})
		if err != nil {
			t.Fatal(err)
		}
		last = seq
	}
	if n, err := s.LastEventSeq(ctx); err != nil || n != last {
		t.Fatalf("after 3 events: %d, %v; want %d", n, err, last)
	}
	evs, err := s.EventsAfter(ctx, last, 10)
	if err != nil || len(evs) != 0 {
		t.Fatalf("events after the last seq: %v, %v", evs, err)
	}
}

// testCountUnfinishedRuns: pending and running runs count, finished ones do not.
func testCountUnfinishedRuns(t *testing.T, s Extended) {
	if n, err := s.CountUnfinishedRuns(ctx); err != nil || n != 0 {
		t.Fatalf("empty store: %d, %v", n, err)
	}
	states := []string{store.RunPending, store.RunRunning, store.RunRunning, store.RunSucceeded, store.RunFailed,
		store.RunRolledBack, store.RunCancelled}
	for i, st := range states {
		if err := s.CreateRun(ctx, store.Run{ID: fmt.Sprint("r", i), Service: "s", Kind: store.RunCreate, State: st}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.CountUnfinishedRuns(ctx); err != nil || n != 3 {
		t.Fatalf("count: %d, %v; want 3", n, err)
	}
	runs, err := s.UnfinishedRuns(ctx)
	if err != nil || len(runs) != 3 {
		t.Fatalf("UnfinishedRuns disagrees: %d, %v", len(runs), err)
	}
	r := runs[0]
	r.State = store.RunSucceeded
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountUnfinishedRuns(ctx); err != nil || n != 2 {
		t.Fatalf("after one finished: %d, %v; want 2", n, err)
	}
}
