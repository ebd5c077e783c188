package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// testAuditOutcomes: the latest outcome per service counts; an older outcome recorded late
// does not replace a newer one; deleting a service drops its outcome; unknown services are
// ErrNotFound.
func testAuditOutcomes(t *testing.T, s Extended) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, id := range []string{"a", "b", "c"} {
		create(t, s, svc(id, "eline", "acme", store.StateActive), nil)
	}
	want := func(name string, c store.Compliance) {
		t.Helper()
		got, err := s.Compliance(ctx)
		if err != nil || got != c {
			t.Fatalf("%s: compliance %+v, %v; want %+v", name, got, err, c)
		}
	}
	want("nothing audited", store.Compliance{})
	steps := []struct {
		name string
		a    store.AuditOutcome
		c    store.Compliance
	}{
		{"a in sync", store.AuditOutcome{Service: "a", InSync: true, At: t0}, store.Compliance{Audited: 1, InSync: 1}},
		{"b drifted", store.AuditOutcome{Service: "b", InSync: false, Drift: []byte(`[{"target":"pe1"}]`), User: "op", At: t0},
			store.Compliance{Audited: 2, InSync: 1, Drifted: 1}},
		{"a drifted later", store.AuditOutcome{Service: "a", InSync: false, At: t0.Add(time.Minute)}, store.Compliance{Audited: 2, Drifted: 2}},
		{"an older a outcome is ignored", store.AuditOutcome{Service: "a", InSync: true, At: t0.Add(time.Second)}, store.Compliance{Audited: 2, Drifted: 2}},
		{"b repaired", store.AuditOutcome{Service: "b", InSync: true, At: t0.Add(time.Hour)}, store.Compliance{Audited: 2, InSync: 1, Drifted: 1}},
	}
	for _, st := range steps {
		if err := s.PutAuditOutcome(ctx, st.a); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		want(st.name, st.c)
	}
	got, err := s.LatestAudit(ctx, "a")
	if err != nil || got.InSync || !got.At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("latest of a: %+v, %v", got, err)
	}
	if _, err := s.LatestAudit(ctx, "c"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("never audited: %v", err)
	}
	if err := s.PutAuditOutcome(ctx, store.AuditOutcome{Service: "nope", At: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown service: %v", err)
	}
	// Deleting a service takes its outcome with it.
	if err := s.Record(ctx, store.RecordParams{Service: store.Service{ID: "a", Type: "eline"}, BaseVersion: 1, Delete: true,
		Run: store.Run{ID: "del-a", Service: "a", Kind: store.RunDelete, State: store.RunSucceeded}}); err != nil {
		t.Fatal(err)
	}
	want("a deleted", store.Compliance{Audited: 1, InSync: 1})
}
