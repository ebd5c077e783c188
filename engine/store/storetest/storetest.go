// Package storetest is the conformance suite of store.Store and store.Auth: every
// implementation (SQLite today, PostgreSQL later) must pass Exercise and ExerciseAuth.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// Exercise runs the Store contract against fresh stores made by open (one per subtest).
func Exercise(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"RecordAndGet", testRecordAndGet},
		{"StaleVersion", testStaleVersion},
		{"PlaceholderThenRecord", testPlaceholder},
		{"DeleteCascades", testDeleteCascades},
		{"RecordBatchAllOrNothing", testRecordBatch},
		{"ListFilters", testListFilters},
		{"ListPagination", testListPagination},
		{"ListCursorStableUnderInserts", testListStableUnderInserts},
		{"CountServices", testCount},
		{"OwnedReplacesPerTarget", testOwned},
		{"Owners", testOwners},
		{"OwnersShared", testOwnersShared},
		{"OwnersSharers", testOwnersSharers},
		{"OwnedBelow", testOwnedBelow},
		{"AllocateIdempotent", testAllocateIdempotent},
		{"AllocateExhaustionAndWrap", testAllocateExhaustion},
		{"AllocateConcurrent", testAllocateConcurrent},
		{"AllocatePeek", testAllocatePeek},
		{"ReleaseRunAndRelease", testReleaseRun},
		{"Runs", testRuns},
		{"UpdateRuns", testUpdateRuns},
		{"Snapshot", testSnapshot},
		{"ListRunsPagination", testListRuns},
		{"UnfinishedRuns", testUnfinishedRuns},
		{"Journal", testJournal},
		{"Plans", testPlans},
		{"Inventory", testInventory},
		{"Events", testEvents},
		{"Prune", testPrune},
		{"Reserve", testReserve},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

func svc(id, typ, customer, state string, eps ...store.EndpointRef) store.Service {
	return store.Service{ID: id, Type: typ, Customer: customer, State: state, Intent: json.RawMessage(`{"id":"` + id + `"}`),
		PackVersion: "1.0.0", Endpoints: eps}
}

func ep(device, port string) store.EndpointRef { return store.EndpointRef{Device: device, Port: port} }

// create records a new service at version 1 (its placeholder first, as the engine does).
func create(t *testing.T, s store.Store, sv store.Service, owned map[string][]store.OwnedLeaf) {
	t.Helper()
	if err := s.PutServiceState(ctx, store.Service{ID: sv.ID, Type: sv.Type, Customer: sv.Customer, State: store.StateCreating}); err != nil {
		t.Fatalf("PutServiceState %s: %v", sv.ID, err)
	}
	if err := s.Record(ctx, store.RecordParams{Service: sv, Owned: owned}); err != nil {
		t.Fatalf("Record %s: %v", sv.ID, err)
	}
}

func mustErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func testRecordAndGet(t *testing.T, s store.Store) {
	_, err := s.GetService(ctx, "nope")
	mustErr(t, err, store.ErrNotFound)
	sv := svc("svc-1", "l3vpn", "acme", store.StateActive, ep("pe1", "ge-0/0/1"), ep("pe2", "ge-0/0/2"))
	sv.LastRun = "run-1"
	run := store.Run{ID: "run-1", Service: "svc-1", Kind: store.RunCreate, State: store.RunSucceeded}
	if err := s.CreateRun(ctx, store.Run{ID: "run-1", Service: "svc-1", Kind: store.RunCreate, State: store.RunRunning}); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, store.RecordParams{Service: sv, Run: run, Event: &store.Event{Type: "service.created"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetService(ctx, "svc-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Type != "l3vpn" || got.Customer != "acme" || got.State != store.StateActive ||
		got.PackVersion != "1.0.0" || got.LastRun != "run-1" || string(got.Intent) != `{"id":"svc-1"}` {
		t.Fatalf("GetService = %+v", got)
	}
	if !slices.Equal(got.Endpoints, []store.EndpointRef{ep("pe1", "ge-0/0/1"), ep("pe2", "ge-0/0/2")}) {
		t.Fatalf("endpoints = %v", got.Endpoints)
	}
	if got.Created.IsZero() || got.Updated.IsZero() {
		t.Fatalf("times not set: %+v", got)
	}
	r, err := s.GetRun(ctx, "run-1")
	if err != nil || r.State != store.RunSucceeded {
		t.Fatalf("run after Record = %+v, %v", r, err)
	}
	evs, err := s.EventsAfter(ctx, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Service != "svc-1" || evs[0].RunID != "run-1" || evs[0].Type != "service.created" {
		t.Fatalf("events = %+v, %v", evs, err)
	}
	// A modify replaces the endpoints and bumps the version.
	sv.Endpoints = []store.EndpointRef{ep("pe3", "xe-0/0/0")}
	sv.State = store.StateActive
	if err := s.Record(ctx, store.RecordParams{Service: sv, BaseVersion: 1}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetService(ctx, "svc-1")
	if got.Version != 2 || len(got.Endpoints) != 1 || got.Endpoints[0].Device != "pe3" {
		t.Fatalf("after modify = %+v", got)
	}
	if users, _ := s.PortUsers(ctx, "pe1", "ge-0/0/1", 10); len(users) != 0 {
		t.Fatalf("old port still used by %v", users)
	}
}

func testStaleVersion(t *testing.T, s store.Store) {
	create(t, s, svc("a", "eline", "", store.StateActive), nil)
	tests := []struct {
		name string
		base int64
		want error
	}{
		{"new on existing", 0, store.ErrStale},
		{"from the future", 5, store.ErrStale},
		{"current", 1, nil},
		{"replayed", 1, store.ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Record(ctx, store.RecordParams{Service: svc("a", "eline", "", store.StateActive), BaseVersion: tt.base})
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Record(base %d) = %v, want %v", tt.base, err, tt.want)
			}
		})
	}
	got, _ := s.GetService(ctx, "a")
	if got.Version != 2 {
		t.Fatalf("version = %d, want 2", got.Version)
	}
	// A stale delete leaves everything in place.
	err := s.Record(ctx, store.RecordParams{Service: store.Service{ID: "a"}, BaseVersion: 1, Delete: true})
	mustErr(t, err, store.ErrStale)
	if _, err := s.GetService(ctx, "a"); err != nil {
		t.Fatal(err)
	}
}

func testPlaceholder(t *testing.T, s store.Store) {
	p := svc("p", "l3vpn", "acme", store.StateCreating, ep("pe1", "ge-0/0/9"))
	p.LastRun = "r1"
	if err := s.PutServiceState(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetService(ctx, "p")
	if err != nil || got.Version != 0 || got.State != store.StateCreating || got.LastRun != "r1" {
		t.Fatalf("placeholder = %+v, %v", got, err)
	}
	if users, _ := s.PortUsers(ctx, "pe1", "ge-0/0/9", 10); !slices.Equal(users, []string{"p"}) {
		t.Fatalf("placeholder port users = %v", users)
	}
	// A failed create leaves the placeholder; a retry records on top of it.
	if err := s.PutServiceState(ctx, store.Service{ID: "p", State: store.StateFailed}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetService(ctx, "p")
	if got.State != store.StateFailed || got.Version != 0 || got.Type != "l3vpn" || got.LastRun != "r1" {
		t.Fatalf("after state change = %+v", got)
	}
	p.State = store.StateActive
	if err := s.Record(ctx, store.RecordParams{Service: p}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetService(ctx, "p")
	if got.Version != 1 || got.State != store.StateActive {
		t.Fatalf("recorded = %+v", got)
	}
	// PutServiceState never changes the version.
	if err := s.PutServiceState(ctx, store.Service{ID: "p", State: store.StateModifying}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetService(ctx, "p")
	if got.Version != 1 || got.State != store.StateModifying || string(got.Intent) != `{"id":"p"}` {
		t.Fatalf("after PutServiceState = %+v", got)
	}
}

func testDeleteCascades(t *testing.T, s store.Store) {
	owned := map[string][]store.OwnedLeaf{"pe1": {{Path: "interfaces/interface[ge-0/0/1]", Value: ""},
		{Path: "interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", Value: "100"}}}
	create(t, s, svc("d", "eline", "", store.StateActive, ep("pe1", "ge-0/0/1")), owned)
	create(t, s, svc("keep", "eline", "", store.StateActive, ep("pe1", "ge-0/0/1")),
		map[string][]store.OwnedLeaf{"pe1": {{Path: "interfaces/interface[ge-0/0/1]"}}})
	if _, err := s.Allocate(ctx, store.AllocateParams{Pool: "vlan", Scope: "pe1", Service: "d", Key: "k", Lo: 1, Hi: 10}); err != nil {
		t.Fatal(err)
	}
	ext := map[string][]store.OwnedLeaf{"pe1": {{Path: "system/host-name", Value: "pe1"}}}
	err := s.Record(ctx, store.RecordParams{Service: store.Service{ID: "d"}, BaseVersion: 1, Delete: true, External: ext,
		Run: store.Run{ID: "del", Service: "d", Kind: store.RunDelete, State: store.RunSucceeded}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.GetService(ctx, "d")
	mustErr(t, err, store.ErrNotFound)
	if o, _ := s.Owned(ctx, "d"); len(o) != 0 {
		t.Fatalf("owned after delete = %v", o)
	}
	if a, _ := s.Allocations(ctx, "d"); len(a) != 0 {
		t.Fatalf("allocations after delete = %v", a)
	}
	if u, _ := s.PortUsers(ctx, "pe1", "ge-0/0/1", 10); !slices.Equal(u, []string{"keep"}) {
		t.Fatalf("port users after delete = %v", u)
	}
	if o, _ := s.Owned(ctx, "keep"); len(o) != 1 {
		t.Fatalf("other service lost its rows: %v", o)
	}
	if o, _ := s.Owned(ctx, store.ExternalOwner); len(o) != 1 || o[0].Path != "system/host-name" {
		t.Fatalf("external = %v", o)
	}
	if r, err := s.GetRun(ctx, "del"); err != nil || r.Kind != store.RunDelete {
		t.Fatalf("the delete run outlives its service: %+v, %v", r, err)
	}
	if u, _ := s.PoolUsage(ctx); len(u) != 1 || u[0].Used != 0 {
		t.Fatalf("pool usage after delete = %+v", u)
	}
	// The id can be reused from version 0.
	create(t, s, svc("d", "eline", "", store.StateActive), nil)
}

func testRecordBatch(t *testing.T, s store.Store) {
	var ps []store.RecordParams
	for i := range 20 {
		ps = append(ps, store.RecordParams{Service: svc(fmt.Sprintf("b%02d", i), "elan", "", store.StateActive, ep("pe1", fmt.Sprint(i))),
			Owned: map[string][]store.OwnedLeaf{"pe1": {{Path: fmt.Sprintf("x[%d]", i), Value: "v"}}}})
	}
	if err := s.RecordBatch(ctx, ps); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountServices(ctx, store.ServiceFilter{Type: "elan"}); n != 20 {
		t.Fatalf("count = %d", n)
	}
	// One stale service fails the whole batch.
	bad := []store.RecordParams{
		{Service: svc("b00", "elan", "", store.StateActive), BaseVersion: 1},
		{Service: svc("new", "elan", "", store.StateActive)},
		{Service: svc("b01", "elan", "", store.StateActive), BaseVersion: 0},
	}
	mustErr(t, s.RecordBatch(ctx, bad), store.ErrStale)
	if _, err := s.GetService(ctx, "new"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("batch was not rolled back: %v", err)
	}
	if got, _ := s.GetService(ctx, "b00"); got.Version != 1 {
		t.Fatalf("batch was not rolled back: version %d", got.Version)
	}
	if err := s.RecordBatch(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// fixture records 30 services over three types, two states, three customers and devices.
func fixture(t *testing.T, s store.Store) []store.Service {
	var all []store.Service
	var ps []store.RecordParams
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		sv := svc(fmt.Sprintf("svc-%02d", i), []string{"eline", "elan", "l3vpn"}[i%3], []string{"acme", "globex", "initech"}[i%3*i%3%3],
			[]string{store.StateActive, store.StateFailed}[i%2], ep(fmt.Sprintf("pe%d", i%4), fmt.Sprintf("ge-0/0/%d", i%5)))
		if i%7 == 0 {
			sv.Endpoints = append(sv.Endpoints, ep(fmt.Sprintf("pe%d", i%4), "xe-1/0/0"))
		}
		sv.Updated = base.Add(time.Duration((i*17)%30) * time.Minute)
		all = append(all, sv)
		ps = append(ps, store.RecordParams{Service: sv})
	}
	if err := s.RecordBatch(ctx, ps); err != nil {
		t.Fatal(err)
	}
	return all
}

func ids(ss []store.Service) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func listAll(t *testing.T, s store.Store, f store.ServiceFilter) []string {
	t.Helper()
	var out []string
	for range 1000 {
		page, next, err := s.ListServices(ctx, f)
		if err != nil {
			t.Fatalf("ListServices(%+v): %v", f, err)
		}
		out = append(out, ids(page)...)
		if next == "" {
			return out
		}
		f.After = next
	}
	t.Fatal("pagination does not end")
	return nil
}

func want(all []store.Service, keep func(store.Service) bool, sortBy string) []string {
	var sel []store.Service
	for _, s := range all {
		if keep(s) {
			sel = append(sel, s)
		}
	}
	sort.Slice(sel, func(i, j int) bool {
		a, b := sel[i], sel[j]
		switch sortBy {
		case "-id":
			return a.ID > b.ID
		case "updated":
			return a.Updated.Before(b.Updated) || a.Updated.Equal(b.Updated) && a.ID < b.ID
		case "-updated":
			return a.Updated.After(b.Updated) || a.Updated.Equal(b.Updated) && a.ID > b.ID
		}
		return a.ID < b.ID
	})
	return ids(sel)
}

func hasEP(s store.Service, device, port string) bool {
	for _, e := range s.Endpoints {
		if e.Device == device && (port == "" || e.Port == port) {
			return true
		}
	}
	return false
}

func testListFilters(t *testing.T, s store.Store) {
	all := fixture(t, s)
	tests := []struct {
		name string
		f    store.ServiceFilter
		keep func(store.Service) bool
	}{
		{"all", store.ServiceFilter{}, func(store.Service) bool { return true }},
		{"type", store.ServiceFilter{Type: "elan"}, func(s store.Service) bool { return s.Type == "elan" }},
		{"state", store.ServiceFilter{State: store.StateFailed}, func(s store.Service) bool { return s.State == store.StateFailed }},
		{"customer", store.ServiceFilter{Customer: "acme"}, func(s store.Service) bool { return s.Customer == "acme" }},
		{"type and state", store.ServiceFilter{Type: "l3vpn", State: store.StateActive}, func(s store.Service) bool {
			return s.Type == "l3vpn" && s.State == store.StateActive
		}},
		{"device", store.ServiceFilter{Device: "pe1"}, func(s store.Service) bool { return hasEP(s, "pe1", "") }},
		{"device with two ports on it", store.ServiceFilter{Device: "pe0"}, func(s store.Service) bool { return hasEP(s, "pe0", "") }},
		{"device and port", store.ServiceFilter{Device: "pe2", Port: "ge-0/0/2"}, func(s store.Service) bool { return hasEP(s, "pe2", "ge-0/0/2") }},
		{"device and type", store.ServiceFilter{Device: "pe3", Type: "eline"}, func(s store.Service) bool {
			return hasEP(s, "pe3", "") && s.Type == "eline"
		}},
		{"query id prefix", store.ServiceFilter{Query: "svc-1"}, func(s store.Service) bool { return s.ID >= "svc-1" && s.ID < "svc-2" }},
		{"query customer prefix", store.ServiceFilter{Query: "glo"}, func(s store.Service) bool { return s.Customer == "globex" }},
		{"query no match", store.ServiceFilter{Query: "zzz"}, func(store.Service) bool { return false }},
		{"no match", store.ServiceFilter{Type: "nope"}, func(store.Service) bool { return false }},
	}
	for _, tt := range tests {
		for _, sortBy := range []string{"", "id", "-id", "updated", "-updated"} {
			for _, lim := range []int{0, 1, 7} {
				t.Run(fmt.Sprintf("%s/sort=%s/limit=%d", tt.name, sortBy, lim), func(t *testing.T) {
					f := tt.f
					f.Sort, f.Limit = sortBy, lim
					got := listAll(t, s, f)
					w := want(all, tt.keep, sortBy)
					if !slices.Equal(got, w) {
						t.Fatalf("got  %v\nwant %v", got, w)
					}
					n, err := s.CountServices(ctx, f)
					if err != nil || n != int64(len(w)) {
						t.Fatalf("CountServices = %d, %v; want %d", n, err, len(w))
					}
				})
			}
		}
	}
	page, _, err := s.ListServices(ctx, store.ServiceFilter{Device: "pe0", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page {
		if len(p.Endpoints) == 0 || p.Version != 1 || len(p.Intent) == 0 {
			t.Fatalf("list row incomplete: %+v", p)
		}
	}
	if _, _, err := s.ListServices(ctx, store.ServiceFilter{Sort: "type; DROP TABLE services"}); err == nil {
		t.Fatal("unknown sort accepted")
	}
	if _, _, err := s.ListServices(ctx, store.ServiceFilter{After: "!!not a cursor"}); err == nil {
		t.Fatal("bad cursor accepted")
	}
}

func testListPagination(t *testing.T, s store.Store) {
	var ps []store.RecordParams
	for i := range 1205 {
		ps = append(ps, store.RecordParams{Service: svc(fmt.Sprintf("s%05d", i), "eline", "", store.StateActive)})
	}
	if err := s.RecordBatch(ctx, ps); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"default", 0, store.DefaultPageSize},
		{"negative", -3, store.DefaultPageSize},
		{"small", 10, 10},
		{"capped", 5000, store.MaxPageSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, next, err := s.ListServices(ctx, store.ServiceFilter{Limit: tt.limit})
			if err != nil || len(page) != tt.want || next == "" {
				t.Fatalf("page of %d, next %q, %v; want %d", len(page), next, err, tt.want)
			}
		})
	}
	// The last page has no cursor.
	page, next, err := s.ListServices(ctx, store.ServiceFilter{Limit: 1000, After: mustNext(t, s, store.ServiceFilter{Limit: 1000})})
	if err != nil || len(page) != 205 || next != "" {
		t.Fatalf("last page: %d, %q, %v", len(page), next, err)
	}
	// A page exactly at the end has no cursor either.
	page, next, err = s.ListServices(ctx, store.ServiceFilter{Limit: 205, After: mustNext(t, s, store.ServiceFilter{Limit: 1000})})
	if err != nil || len(page) != 205 || next != "" {
		t.Fatalf("exact last page: %d, %q, %v", len(page), next, err)
	}
}

func mustNext(t *testing.T, s store.Store, f store.ServiceFilter) string {
	t.Helper()
	_, next, err := s.ListServices(ctx, f)
	if err != nil || next == "" {
		t.Fatalf("no next page: %v", err)
	}
	return next
}

func testListStableUnderInserts(t *testing.T, s store.Store) {
	for _, sortBy := range []string{"id", "-id", "updated", "-updated"} {
		t.Run(sortBy, func(t *testing.T) {
			typ := "t" + sortBy
			base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			var ps []store.RecordParams
			before := map[string]bool{}
			for i := range 40 {
				sv := svc(fmt.Sprintf("%s-%03d", typ, i*2), typ, "", store.StateActive)
				sv.Updated = base.Add(time.Duration(i*2) * time.Second)
				before[sv.ID] = true
				ps = append(ps, store.RecordParams{Service: sv})
			}
			if err := s.RecordBatch(ctx, ps); err != nil {
				t.Fatal(err)
			}
			f := store.ServiceFilter{Type: typ, Sort: sortBy, Limit: 7}
			seen := map[string]bool{}
			for i := 0; ; i++ {
				page, next, err := s.ListServices(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range page {
					if seen[p.ID] {
						t.Fatalf("%s listed twice", p.ID)
					}
					seen[p.ID] = true
				}
				// Insert between pages, before and after the cursor.
				sv := svc(fmt.Sprintf("%s-%03d", typ, i*2+1), typ, "", store.StateActive)
				sv.Updated = base.Add(time.Duration(i*2+1) * time.Second)
				create(t, s, sv, nil)
				if next == "" {
					break
				}
				f.After = next
			}
			for id := range before {
				if !seen[id] {
					t.Fatalf("%s existed before the listing and was skipped", id)
				}
			}
		})
	}
}

func testCount(t *testing.T, s store.Store) {
	fixture(t, s)
	tests := []struct {
		name string
		f    store.ServiceFilter
		want int64
	}{
		{"all", store.ServiceFilter{}, 30},
		{"type", store.ServiceFilter{Type: "eline"}, 10},
		{"state", store.ServiceFilter{State: store.StateActive}, 15},
		{"type and state", store.ServiceFilter{Type: "eline", State: store.StateActive}, 5},
		{"unknown", store.ServiceFilter{Type: "x"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.CountServices(ctx, tt.f)
			if err != nil || n != tt.want {
				t.Fatalf("CountServices = %d, %v; want %d", n, err, tt.want)
			}
		})
	}
	// Counts follow state changes and deletes.
	if err := s.PutServiceState(ctx, store.Service{ID: "svc-00", State: store.StateDeleting}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountServices(ctx, store.ServiceFilter{State: store.StateDeleting}); n != 1 {
		t.Fatalf("deleting = %d", n)
	}
	if err := s.Record(ctx, store.RecordParams{Service: store.Service{ID: "svc-00"}, BaseVersion: 1, Delete: true}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountServices(ctx, store.ServiceFilter{}); n != 29 {
		t.Fatalf("after delete = %d", n)
	}
	if n, _ := s.CountServices(ctx, store.ServiceFilter{State: store.StateDeleting}); n != 0 {
		t.Fatalf("deleting after delete = %d", n)
	}
}

func leaves(target string, kv ...string) map[string][]store.OwnedLeaf {
	var ls []store.OwnedLeaf
	for i := 0; i < len(kv); i += 2 {
		ls = append(ls, store.OwnedLeaf{Target: target, Path: kv[i], Value: kv[i+1]})
	}
	return map[string][]store.OwnedLeaf{target: ls}
}

func testOwned(t *testing.T, s store.Store) {
	owned := leaves("pe1", "a", "1", "b", "2")
	owned["pe2"] = []store.OwnedLeaf{{Target: "pe2", Path: "c", Value: "3"}}
	create(t, s, svc("o", "eline", "", store.StateActive), owned)
	// Only pe1 is listed: pe2 keeps its rows.
	if err := s.Record(ctx, store.RecordParams{Service: svc("o", "eline", "", store.StateActive), BaseVersion: 1,
		Owned: leaves("pe1", "b", "22", "d", "4")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Owned(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	w := []store.OwnedLeaf{{Target: "pe1", Path: "b", Value: "22"}, {Target: "pe1", Path: "d", Value: "4"}, {Target: "pe2", Path: "c", Value: "3"}}
	if !slices.Equal(got, w) {
		t.Fatalf("Owned = %v, want %v", got, w)
	}
	// An empty list for a target clears it.
	if err := s.Record(ctx, store.RecordParams{Service: svc("o", "eline", "", store.StateActive), BaseVersion: 2,
		Owned: map[string][]store.OwnedLeaf{"pe2": nil}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Owned(ctx, "o"); len(got) != 2 {
		t.Fatalf("Owned after clearing pe2 = %v", got)
	}
}

func testOwners(t *testing.T, s store.Store) {
	create(t, s, svc("x", "eline", "", store.StateActive), leaves("pe1", "if[ge-0/0/1]", "", "if[ge-0/0/1]/mtu", "9000"))
	create(t, s, svc("y", "eline", "", store.StateActive), leaves("pe1", "if[ge-0/0/1]", "", "if[ge-0/0/1]/mtu", "1500"))
	create(t, s, svc("z", "eline", "", store.StateActive), leaves("pe2", "if[ge-0/0/1]", ""))
	if err := s.Record(ctx, store.RecordParams{Service: svc("z", "eline", "", store.StateActive), BaseVersion: 1,
		External: leaves("pe1", "if[ge-0/0/1]/description", "uplink")}); err != nil {
		t.Fatal(err)
	}
	// External rows are never replaced by a later record.
	if err := s.Record(ctx, store.RecordParams{Service: svc("z", "eline", "", store.StateActive), BaseVersion: 2,
		External: leaves("pe1", "if[ge-0/0/1]/description", "changed")}); err != nil {
		t.Fatal(err)
	}
	many := []string{"if[ge-0/0/1]", "if[ge-0/0/1]/mtu", "if[ge-0/0/1]/description", "nothing"}
	for i := range 1200 {
		many = append(many, fmt.Sprintf("filler[%d]", i))
	}
	many = append(many, "if[ge-0/0/1]") // duplicates are harmless
	tests := []struct {
		name    string
		target  string
		paths   []string
		exclude string
		want    map[string][]store.Owner
	}{
		{"exclude x", "pe1", many, "x", map[string][]store.Owner{
			"if[ge-0/0/1]":             {{Service: "y"}},
			"if[ge-0/0/1]/mtu":         {{Service: "y", Value: "1500"}},
			"if[ge-0/0/1]/description": {{Service: store.ExternalOwner, Value: "uplink"}},
		}},
		{"exclude nobody", "pe1", many[:2], "", map[string][]store.Owner{
			// One owner per distinct value: x and y hold the entry with the same (empty) value.
			"if[ge-0/0/1]":     {{Service: "x"}},
			"if[ge-0/0/1]/mtu": {{Service: "x", Value: "9000"}, {Service: "y", Value: "1500"}},
		}},
		{"exclude external", "pe1", many[2:3], store.ExternalOwner, map[string][]store.Owner{}},
		{"other target", "pe2", many, "x", map[string][]store.Owner{"if[ge-0/0/1]": {{Service: "z"}}}},
		{"no paths", "pe1", nil, "", map[string][]store.Owner{}},
		// Several excluded services (a batch replacing what they own): a value held only by
		// excluded services is absent; a shared value names a holder that is not excluded.
		{"exclude x and y", "pe1", many[:3], "x,y", map[string][]store.Owner{
			"if[ge-0/0/1]/description": {{Service: store.ExternalOwner, Value: "uplink"}},
		}},
		{"exclude nobody first, then x", "pe1", many[:2], ",x", map[string][]store.Owner{
			"if[ge-0/0/1]":     {{Service: "y"}},
			"if[ge-0/0/1]/mtu": {{Service: "y", Value: "1500"}},
		}},
		{"exclude y, then x and external", "pe1", many[:3], "y,x," + store.ExternalOwner, map[string][]store.Owner{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Owners(ctx, tt.target, tt.paths, strings.Split(tt.exclude, ",")...)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("Owners = %v, want %v", got, tt.want)
			}
		})
	}
}

func testOwnedBelow(t *testing.T, s store.Store) {
	create(t, s, svc("a", "eline", "", store.StateActive), leaves("pe1",
		"interfaces/interface[ge-0/0/1]", "",
		"interfaces/interface[ge-0/0/1]/unit[100]", "",
		"interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "100"))
	create(t, s, svc("b", "eline", "", store.StateActive), leaves("pe1",
		"interfaces/interface[ge-0/0/1]/unit[200]/vlan-id", "200",
		"interfaces/interface[ge-0/0/10]", ""))
	if err := s.Record(ctx, store.RecordParams{Service: svc("b", "eline", "", store.StateActive), BaseVersion: 1,
		External: leaves("pe1", "system/host-name", "pe1")}); err != nil {
		t.Fatal(err)
	}
	paths := []string{"interfaces", "interfaces/interface[ge-0/0/1]", "interfaces/interface[ge-0/0/1]/unit[100]",
		"interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "interfaces/interface[ge-0/0/10]", "system", "interfaces/interface[ge-0/0/1", "protocols"}
	tests := []struct {
		name    string
		target  string
		exclude string
		want    []string
	}{
		{"exclude a", "pe1", "a", []string{"interfaces=1", "interfaces/interface[ge-0/0/1]=1", "system=1"}},
		{"exclude b", "pe1", "b", []string{"interfaces=1", "interfaces/interface[ge-0/0/1]=1", "interfaces/interface[ge-0/0/1]/unit[100]=1", "system=1"}},
		{"exclude external", "pe1", store.ExternalOwner, []string{"interfaces=2", "interfaces/interface[ge-0/0/1]=2", "interfaces/interface[ge-0/0/1]/unit[100]=1"}},
		{"exclude nobody", "pe1", "", []string{"interfaces=2", "interfaces/interface[ge-0/0/1]=2", "interfaces/interface[ge-0/0/1]/unit[100]=1", "system=1"}},
		{"other target", "pe2", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.OwnedBelow(ctx, tt.target, paths, tt.exclude)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k, n := range got {
				keys = append(keys, fmt.Sprintf("%s=%d", k, n))
			}
			sort.Strings(keys)
			w := slices.Clone(tt.want)
			sort.Strings(w)
			if !slices.Equal(keys, w) {
				t.Fatalf("OwnedBelow = %v, want %v", keys, w)
			}
		})
	}
}

func alloc(pool, scope, service, key string, lo, hi int64) store.AllocateParams {
	return store.AllocateParams{Pool: pool, Scope: scope, Service: service, Key: key, Lo: lo, Hi: hi}
}

func placeholders(t *testing.T, s store.Store, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := s.PutServiceState(ctx, store.Service{ID: id, Type: "eline", State: store.StateCreating}); err != nil {
			t.Fatal(err)
		}
	}
}

func testAllocateIdempotent(t *testing.T, s store.Store) {
	placeholders(t, s, "s1", "s2")
	tests := []struct {
		name string
		p    store.AllocateParams
		want int64
	}{
		{"first", alloc("vlan", "pe1", "s1", "uni", 100, 200), 100},
		{"same key again", alloc("vlan", "pe1", "s1", "uni", 100, 200), 100},
		{"other key", alloc("vlan", "pe1", "s1", "nni", 100, 200), 101},
		{"other service", alloc("vlan", "pe1", "s2", "uni", 100, 200), 102},
		{"other scope", alloc("vlan", "pe2", "s2", "uni", 100, 200), 100},
		{"other pool", alloc("evi", "global", "s1", "evi", 1, 10), 1},
		{"same key, other range", alloc("vlan", "pe1", "s1", "uni", 500, 600), 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := s.Allocate(ctx, tt.p)
			if err != nil || v != tt.want {
				t.Fatalf("Allocate = %d, %v; want %d", v, err, tt.want)
			}
		})
	}
	v, ok, err := s.Lookup(ctx, "vlan", "pe1", "s1", "nni")
	if err != nil || !ok || v != 101 {
		t.Fatalf("Lookup = %d, %v, %v", v, ok, err)
	}
	if _, ok, _ := s.Lookup(ctx, "vlan", "pe1", "s1", "nope"); ok {
		t.Fatal("Lookup found a missing key")
	}
	as, err := s.Allocations(ctx, "s1")
	if err != nil || len(as) != 3 || as[0].Pool != "evi" || as[1].Key != "nni" || as[2].Value != 100 || as[2].Service != "s1" {
		t.Fatalf("Allocations = %+v, %v", as, err)
	}
	u, err := s.PoolUsage(ctx)
	if err != nil || fmt.Sprint(u) != "[{evi global 1} {vlan pe1 3} {vlan pe2 1}]" {
		t.Fatalf("PoolUsage = %v, %v", u, err)
	}
	if _, err := s.Allocate(ctx, alloc("vlan", "pe1", "s1", "x", 10, 5)); err == nil {
		t.Fatal("empty range accepted")
	}
}

func testAllocateExhaustion(t *testing.T, s store.Store) {
	placeholders(t, s, "s")
	for i := range 5 {
		v, err := s.Allocate(ctx, alloc("p", "", "s", fmt.Sprint(i), 1, 5))
		if err != nil || v != int64(i+1) {
			t.Fatalf("Allocate %d = %d, %v", i, v, err)
		}
	}
	_, err := s.Allocate(ctx, alloc("p", "", "s", "full", 1, 5))
	mustErr(t, err, store.ErrPoolExhausted)
	_, err = s.Allocate(ctx, store.AllocateParams{Pool: "p", Service: "s", Key: "full", Lo: 1, Hi: 5, Peek: true})
	mustErr(t, err, store.ErrPoolExhausted)
	// Free a value in the middle: the next allocation wraps around to it.
	if err := s.Record(ctx, store.RecordParams{Service: svc("s", "eline", "", store.StateActive),
		Release: []store.Allocation{{Pool: "p", Key: "2"}}}); err != nil {
		t.Fatal(err)
	}
	v, err := s.Allocate(ctx, alloc("p", "", "s", "again", 1, 5))
	if err != nil || v != 3 {
		t.Fatalf("after release = %d, %v; want 3", v, err)
	}
	// A wider range goes on from the cursor.
	v, err = s.Allocate(ctx, alloc("p", "", "s", "wide", 1, 10))
	if err != nil || v != 6 {
		t.Fatalf("wider range = %d, %v; want 6", v, err)
	}
	// A range beyond the cursor starts at its low end.
	v, err = s.Allocate(ctx, alloc("p", "", "s", "high", 100, 101))
	if err != nil || v != 100 {
		t.Fatalf("high range = %d, %v; want 100", v, err)
	}
	// A service that is not stored cannot take values.
	_, err = s.Allocate(ctx, alloc("p", "", "ghost", "k", 1, 1000))
	mustErr(t, err, store.ErrNotFound)
}

func testAllocateConcurrent(t *testing.T, s store.Store) {
	const workers, each = 16, 20
	var svcs []string
	for w := range workers {
		svcs = append(svcs, fmt.Sprintf("w%d", w))
	}
	placeholders(t, s, svcs...)
	var (
		mu   sync.Mutex
		got  = map[int64]string{}
		wg   sync.WaitGroup
		errs = make(chan error, workers*each*2)
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				p := alloc("vlan", "pe1", svcs[w], fmt.Sprint(k), 1, 4094)
				v, err := s.Allocate(ctx, p)
				if err != nil {
					errs <- err
					return
				}
				// Asking again from another goroutine's point of view gives the same value.
				if v2, err := s.Allocate(ctx, p); err != nil || v2 != v {
					errs <- fmt.Errorf("not idempotent: %d then %d (%v)", v, v2, err)
					return
				}
				mu.Lock()
				if prev, dup := got[v]; dup {
					errs <- fmt.Errorf("value %d given to %s/%d and %s", v, svcs[w], k, prev)
				}
				got[v] = fmt.Sprintf("%s/%d", svcs[w], k)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(got) != workers*each {
		t.Fatalf("%d distinct values, want %d", len(got), workers*each)
	}
}

func testAllocatePeek(t *testing.T, s store.Store) {
	placeholders(t, s, "s")
	peek := store.AllocateParams{Pool: "p", Scope: "x", Service: "s", Key: "k", Lo: 7, Hi: 9, Peek: true}
	for range 2 {
		v, err := s.Allocate(ctx, peek)
		if err != nil || v != 7 {
			t.Fatalf("Peek = %d, %v", v, err)
		}
	}
	if _, ok, _ := s.Lookup(ctx, "p", "x", "s", "k"); ok {
		t.Fatal("Peek wrote an allocation")
	}
	if u, _ := s.PoolUsage(ctx); len(u) != 0 {
		t.Fatalf("Peek touched pool usage: %v", u)
	}
	// Peek for a service that is not stored yet (a dry-run of a create) works.
	if v, err := s.Allocate(ctx, store.AllocateParams{Pool: "p", Scope: "x", Service: "new", Key: "k", Lo: 7, Hi: 9, Peek: true}); err != nil || v != 7 {
		t.Fatalf("Peek for new service = %d, %v", v, err)
	}
	p := peek
	p.Peek = false
	if v, err := s.Allocate(ctx, p); err != nil || v != 7 {
		t.Fatalf("Allocate = %d, %v", v, err)
	}
	if v, err := s.Allocate(ctx, peek); err != nil || v != 7 {
		t.Fatalf("Peek of held value = %d, %v", v, err)
	}
}

func testReleaseRun(t *testing.T, s store.Store) {
	placeholders(t, s, "s")
	old := alloc("vlan", "pe1", "s", "old", 1, 100)
	old.RunID = "r1"
	if _, err := s.Allocate(ctx, old); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "old"} {
		p := alloc("vlan", "pe1", "s", k, 1, 100)
		p.RunID = "r2"
		if _, err := s.Allocate(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ReleaseRun(ctx, "r2"); err != nil {
		t.Fatal(err)
	}
	as, _ := s.Allocations(ctx, "s")
	if len(as) != 1 || as[0].Key != "old" || as[0].RunID != "r1" {
		t.Fatalf("after ReleaseRun = %+v", as)
	}
	if err := s.ReleaseRun(ctx, "unknown"); err != nil {
		t.Fatal(err)
	}
}

func testRuns(t *testing.T, s store.Store) {
	_, err := s.GetRun(ctx, "r")
	mustErr(t, err, store.ErrNotFound)
	mustErr(t, s.UpdateRun(ctx, store.Run{ID: "r", State: store.RunRunning}), store.ErrNotFound)
	r := store.Run{ID: "r", Service: "s", Kind: store.RunCreate, State: store.RunPending, User: "alice",
		Request: json.RawMessage(`{"intent":{}}`), Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.CreateRun(ctx, r), store.ErrExists)
	fin := time.Date(2025, 1, 1, 0, 1, 0, 0, time.UTC)
	r.State, r.PlanID, r.Error, r.Finished, r.Request = store.RunFailed, "plan-1", "pe1: commit failed", &fin, nil
	r.Targets = []store.TargetResult{{Target: "pe1", State: "failed", Changes: 3, Error: "boom"}, {Target: "pe2", State: "rolled-back"}}
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.RunFailed || got.PlanID != "plan-1" || got.User != "alice" || got.Error != "pe1: commit failed" ||
		len(got.Targets) != 2 || got.Targets[0] != r.Targets[0] || got.Finished == nil || !got.Finished.Equal(fin) ||
		!got.Created.Equal(r.Created) || string(got.Request) != `{"intent":{}}` {
		t.Fatalf("GetRun = %+v", got)
	}
}

func testUpdateRuns(t *testing.T, s store.Store) {
	for _, id := range []string{"a", "b"} {
		if err := s.CreateRun(ctx, store.Run{ID: id, Service: "s-" + id, Kind: store.RunCreate, State: store.RunPending}); err != nil {
			t.Fatal(err)
		}
	}
	var last int64
	if evs, _ := s.EventsAfter(ctx, 0, 1000); len(evs) > 0 {
		last = evs[len(evs)-1].Seq
	}
	// One unknown run: nothing is written, neither runs nor events.
	err := s.UpdateRuns(ctx, []store.Run{{ID: "a", Service: "s-a", Kind: store.RunCreate, State: store.RunRunning}, {ID: "zz", State: store.RunRunning}},
		[]store.Event{{Type: "run.running", RunID: "a"}})
	mustErr(t, err, store.ErrNotFound)
	if r, _ := s.GetRun(ctx, "a"); r.State != store.RunPending {
		t.Fatalf("a after a refused UpdateRuns = %s, want pending", r.State)
	}
	if evs, _ := s.EventsAfter(ctx, last, 10); len(evs) != 0 {
		t.Fatalf("events after a refused UpdateRuns: %+v", evs)
	}
	var rs []store.Run
	var evs []store.Event
	for _, id := range []string{"a", "b"} {
		rs = append(rs, store.Run{ID: id, Service: "s-" + id, Kind: store.RunCreate, State: store.RunRunning})
		evs = append(evs, store.Event{Type: "run.running", Service: "s-" + id, RunID: id})
	}
	if err := s.UpdateRuns(ctx, rs, evs); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if r, _ := s.GetRun(ctx, id); r.State != store.RunRunning || r.Service != "s-"+id {
			t.Fatalf("run %s = %+v, want running", id, r)
		}
	}
	got, _ := s.EventsAfter(ctx, last, 10)
	if len(got) != 2 || got[0].RunID != "a" || got[1].RunID != "b" {
		t.Fatalf("events = %+v, want run.running for a then b", got)
	}
}

func testSnapshot(t *testing.T, s store.Store) {
	put := func(st store.Store, id, leaf string) {
		t.Helper()
		run := store.Run{ID: "run-" + id, Service: id, Kind: store.RunCreate, State: store.RunSucceeded}
		if err := st.CreateRun(ctx, store.Run{ID: run.ID, Service: id, Kind: store.RunCreate, State: store.RunRunning}); err != nil {
			t.Fatal(err)
		}
		owned := map[string][]store.OwnedLeaf{"pe1": {{Target: "pe1", Path: leaf, Value: id}}}
		if err := st.Record(ctx, store.RecordParams{Service: svc(id, "eline", "acme", store.StateActive), Owned: owned, Run: run}); err != nil {
			t.Fatal(err)
		}
	}
	put(s, "a", "interfaces/interface[ge-0/0/1]/description")
	view, release, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Reads through the view see what was recorded before it; writes through it land.
	if got, err := view.Owners(ctx, "pe1", []string{"interfaces/interface[ge-0/0/1]/description"}, ""); err != nil || len(got["interfaces/interface[ge-0/0/1]/description"]) != 1 {
		t.Fatalf("Owners through the snapshot = %v, %v", got, err)
	}
	if _, err := view.GetService(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	put(view, "b", "interfaces/interface[ge-0/0/2]/description")
	release()
	if got, err := s.Owners(ctx, "pe1", []string{"interfaces/interface[ge-0/0/2]/description"}, ""); err != nil || len(got["interfaces/interface[ge-0/0/2]/description"]) != 1 {
		t.Fatalf("a write through the snapshot is not in the store: %v, %v", got, err)
	}
}

func testListRuns(t *testing.T, s store.Store) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 25 {
		r := store.Run{ID: fmt.Sprintf("r%02d", i), Service: []string{"a", "b"}[i%2], Kind: store.RunModify,
			State: store.RunSucceeded, Created: base.Add(time.Duration(i/3) * time.Second)}
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name, service string
		want          int
	}{{"all", "", 25}, {"service a", "a", 13}, {"service b", "b", 12}, {"unknown", "zz", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			var all []store.Run
			after := ""
			for {
				page, next, err := s.ListRuns(ctx, tt.service, after, 4)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, page...)
				if next == "" {
					break
				}
				after = next
			}
			if len(all) != tt.want {
				t.Fatalf("%d runs, want %d", len(all), tt.want)
			}
			for i := 1; i < len(all); i++ {
				a, b := all[i-1], all[i]
				if a.Created.Before(b.Created) || a.Created.Equal(b.Created) && a.ID < b.ID {
					t.Fatalf("not newest first: %s then %s", a.ID, b.ID)
				}
				if tt.service != "" && b.Service != tt.service {
					t.Fatalf("run of %s listed for %s", b.Service, tt.service)
				}
			}
		})
	}
}

func testUnfinishedRuns(t *testing.T, s store.Store) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	states := []string{store.RunPending, store.RunRunning, store.RunSucceeded, store.RunFailed, store.RunRolledBack, store.RunCancelled, store.RunRunning}
	for i, st := range states {
		if err := s.CreateRun(ctx, store.Run{ID: fmt.Sprintf("r%d", i), Service: "s", Kind: store.RunCreate, State: st,
			Created: base.Add(time.Duration(len(states)-i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.UnfinishedRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, r := range got {
		gotIDs = append(gotIDs, r.ID)
	}
	if !slices.Equal(gotIDs, []string{"r6", "r1", "r0"}) {
		t.Fatalf("UnfinishedRuns = %v, want oldest first [r6 r1 r0]", gotIDs)
	}
	// Finishing a run takes it out.
	if err := s.UpdateRun(ctx, store.Run{ID: "r1", Service: "s", Kind: store.RunCreate, State: store.RunSucceeded}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UnfinishedRuns(ctx); len(got) != 2 {
		t.Fatalf("after finishing r1: %d unfinished", len(got))
	}
}

func testJournal(t *testing.T, s store.Store) {
	mustErr(t, s.AppendJournal(ctx, store.JournalEntry{RunID: "ghost", Step: "x", Phase: "begin"}), store.ErrNotFound)
	if err := s.CreateRun(ctx, store.Run{ID: "r", Service: "s", Kind: store.RunCreate, State: store.RunRunning}); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ step, phase string }{{"validate", "begin"}, {"validate", "done"}, {"allocate", "begin"},
		{"allocate", "done"}, {"apply", "begin"}, {"apply", "failed"}}
	for _, st := range steps {
		if err := s.AppendJournal(ctx, store.JournalEntry{RunID: "r", Step: st.step, Phase: st.phase, Data: json.RawMessage(`{"n":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AppendJournal(ctx, store.JournalEntry{RunID: "r", Seq: 10, Step: "explicit", Phase: "done"}); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.AppendJournal(ctx, store.JournalEntry{RunID: "r", Seq: 10, Step: "again", Phase: "done"}), store.ErrExists)
	if err := s.AppendJournal(ctx, store.JournalEntry{RunID: "r", Step: "after", Phase: "begin"}); err != nil {
		t.Fatal(err)
	}
	j, err := s.Journal(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if len(j) != len(steps)+2 {
		t.Fatalf("%d entries", len(j))
	}
	for i, st := range steps {
		if j[i].Seq != int64(i+1) || j[i].Step != st.step || j[i].Phase != st.phase || string(j[i].Data) != `{"n":1}` || j[i].At.IsZero() {
			t.Fatalf("entry %d = %+v", i, j[i])
		}
	}
	if j[len(j)-2].Seq != 10 || j[len(j)-1].Seq != 11 || j[len(j)-1].Step != "after" {
		t.Fatalf("tail = %+v", j[len(j)-2:])
	}
	if j, _ := s.Journal(ctx, "other"); len(j) != 0 {
		t.Fatalf("journal of unknown run = %v", j)
	}
	// Several entries in one call: numbered in order; all or nothing.
	if err := s.AppendJournal(ctx, store.JournalEntry{RunID: "r", Step: "m1", Phase: "begin"}, store.JournalEntry{RunID: "r", Step: "m1", Phase: "done"}); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.AppendJournal(ctx, store.JournalEntry{RunID: "r", Step: "lost", Phase: "begin"}, store.JournalEntry{RunID: "ghost", Step: "x", Phase: "begin"}), store.ErrNotFound)
	j, _ = s.Journal(ctx, "r")
	if n := len(j); j[n-2].Step != "m1" || j[n-2].Seq != 12 || j[n-1].Phase != "done" || j[n-1].Seq != 13 {
		t.Fatalf("tail after a two-entry append and a refused one = %+v", j[n-2:])
	}
	// Large entries (a batch's plans) read back byte for byte, whatever form the store keeps
	// them in.
	var big strings.Builder
	big.WriteString(`{"plans":[`)
	for i := range 2000 {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `["interfaces/interface[ge-0/0/%d]/unit[%d]/vlan-id","%d"]`, i%48, i, i)
	}
	big.WriteString(`],"note":"unicode \u00e9 é and \"quotes\""}`)
	if err := s.AppendJournal(ctx, store.JournalEntry{RunID: "r", Step: "big", Phase: "done", Data: json.RawMessage(big.String())}); err != nil {
		t.Fatal(err)
	}
	j, _ = s.Journal(ctx, "r")
	if got := j[len(j)-1]; got.Step != "big" || string(got.Data) != big.String() {
		t.Fatalf("large entry read back as %d bytes (%.60q...), wrote %d", len(got.Data), got.Data, big.Len())
	}
}

func testPlans(t *testing.T, s store.Store) {
	_, err := s.GetPlan(ctx, "p")
	mustErr(t, err, store.ErrNotFound)
	p := store.Plan{ID: "p", Service: "s", Kind: store.RunModify, Hash: "sha256:abc", BaseVersion: 3,
		Body: json.RawMessage(`{"pe1":[]}`), User: "bob", Created: time.Date(2025, 2, 3, 4, 5, 6, 7, time.UTC)}
	if err := s.SavePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	mustErr(t, s.SavePlan(ctx, p), store.ErrExists)
	got, err := s.GetPlan(ctx, "p")
	if err != nil || got.Hash != p.Hash || got.BaseVersion != 3 || string(got.Body) != string(p.Body) || got.User != "bob" ||
		!got.Created.Equal(p.Created) || got.Service != "s" || got.Kind != store.RunModify {
		t.Fatalf("GetPlan = %+v, %v", got, err)
	}
}

func testInventory(t *testing.T, s store.Store) {
	_, err := s.GetDevice(ctx, "pe1")
	mustErr(t, err, store.ErrNotFound)
	ds := []store.Device{
		{Name: "pe2", Vendor: "nokia", NMS: "sam1", Data: json.RawMessage(`{"ports":["1/1/1"]}`)},
		{Name: "pe1", Vendor: "juniper", Data: json.RawMessage(`{"ports":["ge-0/0/1"]}`)},
	}
	if err := s.PutDevices(ctx, ds); err != nil {
		t.Fatal(err)
	}
	ds[1].Data = json.RawMessage(`{"ports":["ge-0/0/2"]}`)
	if err := s.PutDevices(ctx, ds[1:]); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDevice(ctx, "pe1")
	if err != nil || got.Vendor != "juniper" || string(got.Data) != `{"ports":["ge-0/0/2"]}` || got.Seen.IsZero() {
		t.Fatalf("GetDevice = %+v, %v", got, err)
	}
	all, err := s.ListDevices(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "pe1" || all[1].NMS != "sam1" {
		t.Fatalf("ListDevices = %+v, %v", all, err)
	}
	for i := range 5 {
		create(t, s, svc(fmt.Sprintf("u%d", i), "eline", "", store.StateActive, ep("pe1", "ge-0/0/1"), ep("pe1", fmt.Sprintf("ge-0/0/%d", 5+i))), nil)
	}
	tests := []struct {
		name, device, port string
		limit              int
		want               []string
	}{
		{"shared port", "pe1", "ge-0/0/1", 0, []string{"u0", "u1", "u2", "u3", "u4"}},
		{"limited", "pe1", "ge-0/0/1", 2, []string{"u0", "u1"}},
		{"own port", "pe1", "ge-0/0/7", 10, []string{"u2"}},
		{"free port", "pe1", "ge-0/0/99", 10, nil},
		{"other device", "pe2", "ge-0/0/1", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.PortUsers(ctx, tt.device, tt.port, tt.limit)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("PortUsers = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func testEvents(t *testing.T, s store.Store) {
	var seqs []int64
	for i := range 10 {
		seq, err := s.AppendEvent(ctx, store.Event{Type: fmt.Sprintf("e%d", i), Service: "s", Data: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if len(seqs) > 0 && seq <= seqs[len(seqs)-1] {
			t.Fatalf("seq %d after %d", seq, seqs[len(seqs)-1])
		}
		seqs = append(seqs, seq)
	}
	got, err := s.EventsAfter(ctx, seqs[2], 4)
	if err != nil || len(got) != 4 {
		t.Fatalf("EventsAfter = %v, %v", got, err)
	}
	for i, e := range got {
		if e.Seq != seqs[3+i] || e.Type != fmt.Sprintf("e%d", 3+i) || e.At.IsZero() || e.Service != "s" {
			t.Fatalf("event %d = %+v", i, e)
		}
	}
	if got, _ := s.EventsAfter(ctx, seqs[9], 10); len(got) != 0 {
		t.Fatalf("events after the last = %v", got)
	}
	if got, _ := s.EventsAfter(ctx, 0, 0); len(got) != 10 {
		t.Fatalf("default limit gave %d", len(got))
	}
}

// testOwnersShared checks reference counting of a node many services share: each service sees
// the others, deleting the sample holder still names a remaining one, and the last delete
// leaves nobody.
func testOwnersShared(t *testing.T, s store.Store) {
	const n = 50
	for i := range n {
		create(t, s, svc(fmt.Sprintf("s%02d", i), "eline", "", store.StateActive), leaves("pe1", "policer[10m]", "", "policer[10m]/rate", "10m"))
	}
	for _, tc := range []struct {
		exclude string
		want    string
	}{{"s00", "map[policer[10m]:[{s01 } ] policer[10m]/rate:[{s01 10m}]]"}, {"s07", "map[policer[10m]:[{s00 } ] policer[10m]/rate:[{s00 10m}]]"}} {
		got, err := s.Owners(ctx, "pe1", []string{"policer[10m]", "policer[10m]/rate"}, tc.exclude)
		if err != nil {
			t.Fatal(err)
		}
		if w := strings.ReplaceAll(tc.want, "} ]", "}]"); fmt.Sprint(got) != w {
			t.Fatalf("exclude %s: Owners = %v, want %v", tc.exclude, got, w)
		}
	}
	for i := range n - 1 {
		if err := s.Record(ctx, store.RecordParams{Service: svc(fmt.Sprintf("s%02d", i), "eline", "", store.StateActive), BaseVersion: 1, Delete: true}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Owners(ctx, "pe1", []string{"policer[10m]/rate"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(got["policer[10m]/rate"]) != 1 || got["policer[10m]/rate"][0].Service == fmt.Sprintf("s%02d", i) {
			t.Fatalf("after deleting s%02d: %v", i, got)
		}
	}
	got, err := s.Owners(ctx, "pe1", []string{"policer[10m]/rate"}, fmt.Sprintf("s%02d", n-1))
	if err != nil || len(got) != 0 {
		t.Fatalf("the last holder sees others: %v %v", got, err)
	}
}

// testOwnersSharers checks Owners and OwnedBelow on nodes held by several services with equal
// and different values (short and long ones), next to pre-existing configuration, as sharers
// change their value and go away one by one.
func testOwnersSharers(t *testing.T, s store.Store) {
	long := "a policer description of more than a few bytes"
	for _, id := range []string{"s1", "s2", "s3", "s4"} {
		rate, desc := "10m", long
		if id == "s4" {
			rate, desc = "20m", long+" (s4)"
		}
		create(t, s, svc(id, "eline", "", store.StateActive), leaves("pe1", "policer[p]", "", "policer[p]/rate", rate,
			"policer[p]/description", desc, "if[ge-0/0/1]/unit["+id+"]/a/b/c/d", "deep"))
	}
	create(t, s, svc("s5", "eline", "", store.StateActive), leaves("pe2", "policer[p]/rate", "30m"))
	if err := s.Record(ctx, store.RecordParams{Service: svc("s5", "eline", "", store.StateActive), BaseVersion: 1,
		External: leaves("pe1", "policer[p]/rate", "10m", "if[ge-0/0/1]/description", "uplink")}); err != nil {
		t.Fatal(err)
	}
	paths := []string{"policer[p]", "policer[p]/rate", "policer[p]/description", "if[ge-0/0/1]/unit[s1]/a/b/c/d", "nothing"}
	belowPaths := []string{"if", "if[ge-0/0/1]", "if[ge-0/0/1]/unit[s1]", "if[ge-0/0/1]/unit[s1]/a/b/c", "if[ge-0/0/1]/unit[s1]/a/b/c/d",
		"if[ge-0/0/1]/unit[s2]/a", "policer[p]", "policer[p]/rate", "if[ge-0/0/1]/unit[s"}
	check := func(name, exclude, wantOwners, wantBelow string) {
		t.Helper()
		got, err := s.Owners(ctx, "pe1", paths, exclude)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != wantOwners {
			t.Errorf("%s: Owners(exclude %q) =\n  %v\nwant\n  %v", name, exclude, got, wantOwners)
		}
		below, err := s.OwnedBelow(ctx, "pe1", belowPaths, exclude)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k, n := range below {
			if n > 0 {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if fmt.Sprint(keys) != wantBelow {
			t.Errorf("%s: OwnedBelow(exclude %q) = %v, want %v", name, exclude, keys, wantBelow)
		}
	}
	d := "{s1 " + long + "} {s4 " + long + " (s4)}"
	check("all", "", "map[if[ge-0/0/1]/unit[s1]/a/b/c/d:[{s1 deep}] policer[p]:[{s1 }] policer[p]/description:["+d+"] policer[p]/rate:[{s1 10m} {s4 20m} {~device 10m}]]",
		"[if[ge-0/0/1] if[ge-0/0/1]/unit[s1] if[ge-0/0/1]/unit[s1]/a/b/c if[ge-0/0/1]/unit[s2]/a policer[p]]")
	check("exclude s1", "s1", "map[policer[p]:[{s2 }] policer[p]/description:[{s2 "+long+"} {s4 "+long+" (s4)}] policer[p]/rate:[{s2 10m} {s4 20m} {~device 10m}]]",
		"[if[ge-0/0/1] if[ge-0/0/1]/unit[s2]/a policer[p]]")
	check("exclude s4", "s4", "map[if[ge-0/0/1]/unit[s1]/a/b/c/d:[{s1 deep}] policer[p]:[{s1 }] policer[p]/description:[{s1 "+long+"}] policer[p]/rate:[{s1 10m} {~device 10m}]]",
		"[if[ge-0/0/1] if[ge-0/0/1]/unit[s1] if[ge-0/0/1]/unit[s1]/a/b/c if[ge-0/0/1]/unit[s2]/a policer[p]]")
	check("exclude external", store.ExternalOwner, "map[if[ge-0/0/1]/unit[s1]/a/b/c/d:[{s1 deep}] policer[p]:[{s1 }] policer[p]/description:["+d+"] policer[p]/rate:[{s1 10m} {s4 20m}]]",
		"[if[ge-0/0/1] if[ge-0/0/1]/unit[s1] if[ge-0/0/1]/unit[s1]/a/b/c if[ge-0/0/1]/unit[s2]/a policer[p]]")
	// One sharer goes: the others still answer, and nothing of it is left.
	if err := s.Record(ctx, store.RecordParams{Service: svc("s1", "eline", "", store.StateActive), BaseVersion: 1, Delete: true}); err != nil {
		t.Fatal(err)
	}
	check("s1 deleted", "", "map[policer[p]:[{s2 }] policer[p]/description:[{s2 "+long+"} {s4 "+long+" (s4)}] policer[p]/rate:[{s2 10m} {s4 20m} {~device 10m}]]",
		"[if[ge-0/0/1] if[ge-0/0/1]/unit[s2]/a policer[p]]")
	// s4 takes the others' value: one owner per value is left.
	if err := s.Record(ctx, store.RecordParams{Service: svc("s4", "eline", "", store.StateActive), BaseVersion: 1,
		Owned: leaves("pe1", "policer[p]", "", "policer[p]/rate", "10m", "policer[p]/description", long)}); err != nil {
		t.Fatal(err)
	}
	check("s4 modified", "s2", "map[policer[p]:[{s3 }] policer[p]/description:[{s3 "+long+"}] policer[p]/rate:[{s3 10m} {~device 10m}]]",
		"[if[ge-0/0/1] policer[p]]")
	for _, id := range []string{"s2", "s3"} {
		if err := s.Record(ctx, store.RecordParams{Service: svc(id, "eline", "", store.StateActive), BaseVersion: 1, Delete: true}); err != nil {
			t.Fatal(err)
		}
	}
	// What is left below if[ge-0/0/1] and policer[p] is pre-existing configuration.
	check("only s4 left", "s4", "map[policer[p]/rate:[{~device 10m}]]", "[if[ge-0/0/1] policer[p]]")
	check("only s4 left, external excluded", store.ExternalOwner, "map[policer[p]:[{s4 }] policer[p]/description:[{s4 "+long+"}] policer[p]/rate:[{s4 10m}]]",
		"[policer[p]]")
	check("only s4 left, seen by others", "", "map[policer[p]:[{s4 }] policer[p]/description:[{s4 "+long+"}] policer[p]/rate:[{s4 10m} {~device 10m}]]",
		"[if[ge-0/0/1] policer[p]]")
	// The other target is apart.
	if got, err := s.Owners(ctx, "pe2", paths, ""); err != nil || fmt.Sprint(got) != "map[policer[p]/rate:[{s5 30m}]]" {
		t.Errorf("Owners on pe2 = %v, %v", got, err)
	}
}

// testPrune checks retention: what is old enough goes, batch by batch; unfinished runs and
// their journal, recent journals and failed runs' journals stay.
func testPrune(t *testing.T, s store.Store) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	day := 24 * time.Hour
	runs := []struct {
		id, state string
		age       time.Duration
		journal   int
	}{
		{"old-ok", store.RunSucceeded, 40 * day, 2},
		{"old-failed", store.RunFailed, 40 * day, 1},
		{"old-running", store.RunRunning, 40 * day, 1},
		{"recent-ok", store.RunSucceeded, 2 * time.Hour, 2},
		{"recent-failed", store.RunRolledBack, 2 * time.Hour, 1},
		{"fresh-ok", store.RunSucceeded, 10 * time.Minute, 1},
	}
	for _, r := range runs {
		run := store.Run{ID: r.id, Service: "s", Kind: store.RunCreate, State: r.state, Created: ago(r.age), Updated: ago(r.age)}
		if r.state != store.RunRunning {
			f := ago(r.age)
			run.Finished = &f
		}
		if err := s.CreateRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		for range r.journal {
			if err := s.AppendJournal(ctx, store.JournalEntry{RunID: r.id, Step: "step", Phase: "done", At: ago(r.age)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 10 {
		at := ago(time.Hour)
		if i < 4 {
			at = ago(10 * day)
		}
		if _, err := s.AppendEvent(ctx, store.Event{Type: fmt.Sprint("e", i), At: at}); err != nil {
			t.Fatal(err)
		}
	}
	for id, age := range map[string]time.Duration{"p-old": 10 * day, "p-new": time.Hour} {
		if err := s.SavePlan(ctx, store.Plan{ID: id, Service: "s", Created: ago(age)}); err != nil {
			t.Fatal(err)
		}
	}
	p := store.PruneParams{Now: now, EventAge: 7 * day, JournalGrace: time.Hour, RunAge: 30 * day, PlanAge: 7 * day, Batch: 2}
	res, err := s.Prune(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// Journal: old-ok's and recent-ok's as succeeded runs, old-failed's with its run.
	if w := (store.PruneResult{Events: 4, Journal: 5, Runs: 2, Plans: 1}); res != w {
		t.Fatalf("Prune = %+v, want %+v", res, w)
	}
	for _, r := range runs {
		_, err := s.GetRun(ctx, r.id)
		gone := r.id == "old-ok" || r.id == "old-failed"
		if gone != errors.Is(err, store.ErrNotFound) {
			t.Errorf("run %s: %v (want gone: %v)", r.id, err, gone)
		}
		j, err := s.Journal(ctx, r.id)
		if err != nil {
			t.Fatal(err)
		}
		want := r.journal
		if gone || r.id == "recent-ok" {
			want = 0
		}
		if len(j) != want {
			t.Errorf("journal of %s: %d entries, want %d", r.id, len(j), want)
		}
	}
	if ev, _ := s.EventsAfter(ctx, 0, 100); len(ev) != 6 || ev[0].Type != "e4" {
		t.Errorf("events after prune = %v", ev)
	}
	if _, err := s.GetPlan(ctx, "p-old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old plan: %v", err)
	}
	if _, err := s.GetPlan(ctx, "p-new"); err != nil {
		t.Errorf("new plan: %v", err)
	}
	if res, err := s.Prune(ctx, p); err != nil || res != (store.PruneResult{}) {
		t.Errorf("second Prune = %+v, %v; want nothing", res, err)
	}
	// A count of events: the newest stay.
	if res, err := s.Prune(ctx, store.PruneParams{Now: now, MaxEvents: 2}); err != nil || res.Events != 4 {
		t.Errorf("Prune(MaxEvents 2) = %+v, %v", res, err)
	}
	if ev, _ := s.EventsAfter(ctx, 0, 100); len(ev) != 2 || ev[1].Type != "e9" {
		t.Errorf("events after MaxEvents = %v", ev)
	}
	// The zero value keeps everything.
	if res, err := s.Prune(ctx, store.PruneParams{}); err != nil || res != (store.PruneResult{}) {
		t.Errorf("Prune(zero) = %+v, %v", res, err)
	}
}

// testReserve checks the bulk path's first write: placeholders for new services, a state for
// existing ones, allocations taken for the run; a value held by another service fails all of
// it.
func testReserve(t *testing.T, s store.Store) {
	create(t, s, svc("old", "eline", "acme", store.StateActive, ep("pe1", "ge-0/0/1")), nil)
	if _, err := s.Allocate(ctx, store.AllocateParams{Pool: "vlan", Scope: "pe1", Service: "old", Key: "k", Lo: 10, Hi: 10}); err != nil {
		t.Fatal(err)
	}
	busy := func(sv store.Service, state string) store.Service {
		sv.State, sv.LastRun = state, "bulk-1"
		return sv
	}
	p := store.ReserveParams{
		Services: []store.Service{busy(svc("new1", "eline", "acme", "", ep("pe1", "ge-0/0/2")), store.StateCreating),
			busy(svc("old", "eline", "acme", ""), store.StateModifying), busy(svc("new2", "elan", "globex", ""), store.StateCreating)},
		Allocations: []store.Allocation{
			{Pool: "vlan", Scope: "pe1", Key: "k", Value: 11, Service: "new1", RunID: "bulk-1"},
			{Pool: "vlan", Scope: "pe1", Key: "k", Value: 10, Service: "old", RunID: "bulk-1"}, // held already: kept
			{Pool: "vlan", Scope: "pe1", Key: "k", Value: 12, Service: "new2", RunID: "bulk-1"},
			{Pool: "vc", Scope: "global", Key: "vc", Value: 1, Service: "new2", RunID: "bulk-1"},
		},
	}
	if err := s.Reserve(ctx, p); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"new1": store.StateCreating, "old": store.StateModifying, "new2": store.StateCreating} {
		got, err := s.GetService(ctx, id)
		if err != nil || got.State != want || got.LastRun != "bulk-1" {
			t.Fatalf("%s after Reserve = %+v, %v", id, got, err)
		}
		if id != "old" && (got.Version != 0 || string(got.Intent) != `{"id":"`+id+`"}`) {
			t.Fatalf("placeholder %s = %+v", id, got)
		}
	}
	if got, _ := s.GetService(ctx, "old"); got.Version != 1 || len(got.Endpoints) != 1 {
		t.Fatalf("existing service changed beyond its state: %+v", got)
	}
	if a, _ := s.Allocations(ctx, "new2"); len(a) != 2 || a[0].RunID != "bulk-1" || a[1].Value != 12 {
		t.Fatalf("allocations of new2 = %+v", a)
	}
	if a, _ := s.Allocations(ctx, "old"); len(a) != 1 || a[0].Value != 10 || a[0].RunID != "" {
		t.Fatalf("allocation held before was replaced: %+v", a)
	}
	// Reserving again what is held is harmless.
	if err := s.Reserve(ctx, p); err != nil {
		t.Fatalf("Reserve again: %v", err)
	}
	for _, tc := range []struct {
		name string
		a    store.Allocation
	}{
		{"a value another service holds", store.Allocation{Pool: "vlan", Scope: "pe1", Key: "x", Value: 11, Service: "new3", RunID: "bulk-2"}},
		{"another value under a held key", store.Allocation{Pool: "vlan", Scope: "pe1", Key: "k", Value: 13, Service: "new1", RunID: "bulk-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := store.ReserveParams{Services: []store.Service{busy(svc("new3", "eline", "", ""), store.StateCreating)},
				Allocations: []store.Allocation{{Pool: "vc", Scope: "global", Key: "vc", Value: 2, Service: "new3", RunID: "bulk-2"}, tc.a}}
			mustErr(t, s.Reserve(ctx, bad), store.ErrExists)
			if _, err := s.GetService(ctx, "new3"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a failed Reserve left its placeholder: %v", err)
			}
			if v, ok, _ := s.Lookup(ctx, "vc", "global", "new3", "vc"); ok {
				t.Fatalf("a failed Reserve left an allocation: %d", v)
			}
		})
	}
}
