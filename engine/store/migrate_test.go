package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// ownershipFixture is what a few services own on two targets: a node shared by three
// services with one value and a fourth with another, long values (hashed in owned_nodes),
// deep paths, and nodes nobody shares.
func ownershipFixture() map[string]map[string][]OwnedLeaf {
	long := "a description longer than eight bytes"
	own := map[string]map[string][]OwnedLeaf{}
	add := func(svc, target string, kv ...string) {
		if own[svc] == nil {
			own[svc] = map[string][]OwnedLeaf{}
		}
		for i := 0; i < len(kv); i += 2 {
			own[svc][target] = append(own[svc][target], OwnedLeaf{Target: target, Path: kv[i], Value: kv[i+1]})
		}
	}
	for i, svc := range []string{"s1", "s2", "s3", "s4"} {
		rate := "10m"
		if svc == "s4" {
			rate = "20m"
		}
		unit := fmt.Sprintf("interfaces/interface[ge-0/0/1]/unit[%d]", 100+i)
		add(svc, "pe1",
			"policer[p]", "", "policer[p]/rate", rate, "policer[p]/description", long,
			"interfaces/interface[ge-0/0/1]", "", unit, "", unit+"/vlan-id", fmt.Sprint(100+i),
			unit+"/description", long+" "+svc, unit+"/family/ccc/filter/input/deep/er/still", "x")
		add(svc, "pe2", "protocols/l2circuit/neighbor[10.0.0.1]/interface[ge-0/0/2."+fmt.Sprint(i)+"]", "")
	}
	add("s5", "pe2", "system/ntp/server[1.1.1.1]", "", "protocols/l2circuit/neighbor[10.0.0.1]", "")
	return own
}

var fixtureAllocations = []Allocation{
	{Pool: "vlan", Scope: "pe1:ge-0/0/1", Key: "100", Value: 100, Service: "s1", RunID: "bulk-1"},
	{Pool: "vlan", Scope: "pe1:ge-0/0/1", Key: "101", Value: 101, Service: "s2"},
	{Pool: "vc-id", Scope: "global", Key: "vc", Value: 7, Service: "s1"},
	{Pool: "vc-id", Scope: "global", Key: "vc", Value: 8, Service: "s5", RunID: "bulk-2"},
}

var fixtureExternal = map[string][]OwnedLeaf{
	"pe1": {{Path: "interfaces/interface[ge-0/0/1]/description", Value: "uplink"}, {Path: "policer[p]/rate", Value: "10m"}},
	"pe2": {{Path: "system/ntp/server[1.1.1.1]/prefer", Value: ""}},
}

// ownershipAnswers asks every ownership question of the fixture's paths and their prefixes,
// and every service's allocations.
func ownershipAnswers(t *testing.T, s *SQLite) []string {
	t.Helper()
	ctx := context.Background()
	paths := map[string][]string{}
	for _, byTarget := range ownershipFixture() {
		for target, ls := range byTarget {
			for _, l := range ls {
				paths[target] = append(paths[target], l.Path)
				for i := range l.Path {
					if l.Path[i] == '/' {
						paths[target] = append(paths[target], l.Path[:i])
					}
				}
			}
		}
	}
	for target, ls := range fixtureExternal {
		for _, l := range ls {
			paths[target] = append(paths[target], l.Path)
		}
	}
	usage, err := s.PoolUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{fmt.Sprintf("pool usage: %v", usage)}
	for _, svc := range []string{"s1", "s2", "s3", "s4", "s5", ExternalOwner, "nobody"} {
		o, err := s.Owned(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		as, err := s.Allocations(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("owned %s: %v", svc, o), fmt.Sprintf("allocations %s: %v", svc, as))
		for _, target := range []string{"pe1", "pe2"} {
			ps := dedupe(paths[target])
			slices.Sort(ps)
			owners, err := s.Owners(ctx, target, ps, svc)
			if err != nil {
				t.Fatal(err)
			}
			below, err := s.OwnedBelow(ctx, target, ps, svc)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("owners %s %s: %v", target, svc, owners), fmt.Sprintf("below %s %s: %v", target, svc, below))
		}
	}
	return out
}

// TestMigrateFromSchema5 fills a database at schema 5 (owned, owner_values, the rowid
// allocations table), migrates it and checks that it answers every ownership and allocation
// question as a store written by Record and Reserve does.
func TestMigrateFromSchema5(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openSQLite(ctx, path, SQLiteOptions{}, 5)
	if err != nil {
		t.Fatal(err)
	}
	err = old.write(ctx, func(tx *wtx) error {
		for svc, byTarget := range ownershipFixture() {
			if _, err := tx.ExecContext(ctx, `INSERT INTO services (id, type, state, version, created, updated) VALUES (?, 'eline', 'active', 1, 1, 1)`, svc); err != nil {
				return err
			}
			for target, ls := range byTarget {
				for _, l := range ls {
					if _, err := tx.ExecContext(ctx, `INSERT INTO owned (target, path, service_id, value) VALUES (?, ?, ?, ?)`, target, l.Path, svc, l.Value); err != nil {
						return err
					}
				}
			}
		}
		for target, ls := range fixtureExternal {
			for _, l := range ls {
				if _, err := tx.ExecContext(ctx, qInsertExternal, target, l.Path, l.Value); err != nil {
					return err
				}
			}
		}
		for _, a := range fixtureAllocations {
			if _, err := tx.ExecContext(ctx, `INSERT INTO allocations (pool, scope, value, service_id, key, run_id) VALUES (?, ?, ?, ?, ?, ?)`,
				a.Pool, a.Scope, a.Value, a.Service, a.Key, a.RunID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	migrated, err := OpenSQLite(ctx, path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer migrated.Close()
	fresh, err := OpenSQLite(ctx, ":memory:", SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	var ps []RecordParams
	for _, svc := range []string{"s1", "s2", "s3", "s4", "s5"} {
		p := RecordParams{Service: Service{ID: svc, Type: "eline", State: StateActive}, Owned: ownershipFixture()[svc]}
		if svc == "s1" {
			p.External = fixtureExternal
		}
		ps = append(ps, p)
	}
	if err := fresh.RecordBatch(ctx, ps); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Reserve(ctx, ReserveParams{Allocations: fixtureAllocations}); err != nil {
		t.Fatal(err)
	}

	got, want := ownershipAnswers(t, migrated), ownershipAnswers(t, fresh)
	if len(got) != len(want) {
		t.Fatalf("%d answers, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("migrated store answers\n  %s\nwant\n  %s", got[i], want[i])
		}
	}
	var n int
	if err := migrated.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('owned', 'owner_values', 'owned_service')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("old tables left: %d, %v", n, err)
	}
	// The migrated store keeps working: a sharer goes (its allocations with it), another
	// takes its place as sample.
	if err := migrated.Record(ctx, RecordParams{Service: Service{ID: "s1"}, BaseVersion: 1, Delete: true}); err != nil {
		t.Fatal(err)
	}
	owners, err := migrated.Owners(ctx, "pe1", []string{"policer[p]/rate"}, "")
	if err != nil || fmt.Sprint(owners) != "map[policer[p]/rate:[{s2 10m} {s4 20m} {~device 10m}]]" {
		t.Fatalf("after deleting s1: %v, %v", owners, err)
	}
	if usage, err := migrated.PoolUsage(ctx); err != nil || fmt.Sprint(usage) != "[{vc-id global 1} {vlan pe1:ge-0/0/1 1}]" {
		t.Fatalf("pool usage after deleting s1: %v, %v", usage, err)
	}
	if v, err := migrated.Allocate(ctx, AllocateParams{Pool: "vlan", Scope: "pe1:ge-0/0/1", Service: "s2", Key: "new", Lo: 100, Hi: 200}); err != nil || v != 102 {
		t.Fatalf("allocate after migration: %d, %v; want 102 (the cursor follows the last value taken)", v, err)
	}
}
