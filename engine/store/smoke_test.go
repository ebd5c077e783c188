package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestSmoke(t *testing.T) {
	for _, path := range []string{":memory:", filepath.Join(t.TempDir(), "x.db")} {
		ctx := context.Background()
		s, err := OpenSQLite(ctx, path, SQLiteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		svc := Service{ID: "s1", Type: "l3vpn", State: StateActive, Intent: []byte(`{"a":1}`), Endpoints: []EndpointRef{{"pe1", "ge-0/0/1"}}}
		if err := s.PutServiceState(ctx, svc); err != nil {
			t.Fatal(err)
		}
		v, err := s.Allocate(ctx, AllocateParams{Pool: "vlan", Scope: "pe1", Service: "s1", Key: "k", Lo: 10, Hi: 20})
		if err != nil || v != 10 {
			t.Fatal(v, err)
		}
		err = s.Record(ctx, RecordParams{Service: svc, Owned: map[string][]OwnedLeaf{"pe1": {{Path: "a/b", Value: "1"}}},
			Run: Run{ID: "r1", Service: "s1", Kind: RunCreate, State: RunSucceeded}, Event: &Event{Type: "x"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetService(ctx, "s1")
		if err != nil || got.Version != 1 || len(got.Endpoints) != 1 {
			t.Fatal(got, err)
		}
		page, _, err := s.ListServices(ctx, ServiceFilter{Device: "pe1", Type: "l3vpn"})
		if err != nil || len(page) != 1 {
			t.Fatal(page, err)
		}
		ob, err := s.OwnedBelow(ctx, "pe1", []string{"a"}, "")
		if err != nil || !ob["a"] {
			t.Fatal(ob, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if path != ":memory:" {
			s, err = OpenSQLite(ctx, path, SQLiteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
	}
}
