package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// testIdempotency: a record replays until it expires; an unexpired key is not overwritten,
// an expired one is; keys belong to their user; Prune deletes only expired records.
func testIdempotency(t *testing.T, s Extended) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := store.IdempotencyRecord{User: "alice", Key: "k1", Fingerprint: []byte{1, 2, 3}, Status: 202,
		Header: map[string][]string{"Content-Type": {"application/json"}, "Location": {"/api/v1/runs/r1"}},
		Body:   []byte(`{"id":"r1"}`), Created: t0, Expires: t0.Add(time.Hour)}
	if err := s.PutIdempotency(ctx, rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetIdempotency(ctx, "alice", "k1", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Fingerprint, rec.Fingerprint) || got.Status != 202 || string(got.Body) != string(rec.Body) ||
		!slices.Equal(got.Header["Location"], []string{"/api/v1/runs/r1"}) || !got.Expires.Equal(rec.Expires) || !got.Created.Equal(t0) {
		t.Fatalf("record %+v, want %+v", got, rec)
	}
	tests := []struct {
		name      string
		user, key string
		at        time.Duration
		want      error
	}{
		{"another user's key", "bob", "k1", time.Minute, store.ErrNotFound},
		{"another key", "alice", "k2", time.Minute, store.ErrNotFound},
		{"expired", "alice", "k1", time.Hour, store.ErrNotFound},
	}
	for _, tc := range tests {
		if _, err := s.GetIdempotency(ctx, tc.user, tc.key, t0.Add(tc.at)); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// An unexpired key keeps its first response.
	again := rec
	again.Body, again.Created, again.Expires = []byte(`{"id":"r2"}`), t0.Add(time.Minute), t0.Add(2*time.Hour)
	if err := s.PutIdempotency(ctx, again); !errors.Is(err, store.ErrExists) {
		t.Fatalf("put over an unexpired key: %v, want ErrExists", err)
	}
	if got, _ := s.GetIdempotency(ctx, "alice", "k1", t0.Add(time.Minute)); string(got.Body) != `{"id":"r1"}` {
		t.Fatalf("first response overwritten: %s", got.Body)
	}
	// An expired one is replaced.
	again.Created = t0.Add(time.Hour)
	if err := s.PutIdempotency(ctx, again); err != nil {
		t.Fatalf("put over an expired key: %v", err)
	}
	if got, _ := s.GetIdempotency(ctx, "alice", "k1", t0.Add(time.Hour)); string(got.Body) != `{"id":"r2"}` {
		t.Fatalf("expired key not replaced: %s", got.Body)
	}
	// Prune removes expired records only.
	bob := rec
	bob.User, bob.Expires = "bob", t0.Add(time.Minute)
	if err := s.PutIdempotency(ctx, bob); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneIdempotency(ctx, t0.Add(90*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("prune: %d, %v; want 1", n, err)
	}
	if _, err := s.GetIdempotency(ctx, "alice", "k1", t0.Add(time.Hour)); err != nil {
		t.Fatalf("prune removed an unexpired record: %v", err)
	}
	// Once pruned, a record is gone whatever time is asked.
	if _, err := s.GetIdempotency(ctx, "bob", "k1", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("pruned record: %v", err)
	}
	// Prune (retention) drops expired records too.
	carol := rec
	carol.User, carol.Expires = "carol", t0.Add(time.Minute)
	if err := s.PutIdempotency(ctx, carol); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Prune(ctx, store.PruneParams{Now: t0.Add(90 * time.Minute)}); err != nil || res.Idempotency != 1 {
		t.Fatalf("Prune: %+v, %v; want 1 idempotency record", res, err)
	}
	if _, err := s.GetIdempotency(ctx, "alice", "k1", t0.Add(time.Hour)); err != nil {
		t.Fatalf("Prune removed an unexpired record: %v", err)
	}
}
