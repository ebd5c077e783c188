package store

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
)

// planQuery is one query a request path runs, with arguments of the right types.
type planQuery struct {
	name string
	sql  string
	args []any
}

// requestQueries lists every query a request runs: each ListServices shape (every filter
// alone and in pairs, every sort, with and without a cursor), counts, point reads, ownership,
// allocation, runs, inventory, events, tokens and audit.
func requestQueries(t *testing.T) []planQuery {
	t.Helper()
	filters := []struct {
		name string
		f    ServiceFilter
	}{
		{"none", ServiceFilter{}},
		{"type", ServiceFilter{Type: "l3vpn"}},
		{"state", ServiceFilter{State: "active"}},
		{"customer", ServiceFilter{Customer: "acme"}},
		{"device", ServiceFilter{Device: "pe1"}},
		{"device+port", ServiceFilter{Device: "pe1", Port: "ge-0/0/1"}},
		{"query", ServiceFilter{Query: "svc-1"}},
		{"type+state", ServiceFilter{Type: "l3vpn", State: "active"}},
		{"type+customer", ServiceFilter{Type: "l3vpn", Customer: "acme"}},
		{"state+customer", ServiceFilter{State: "failed", Customer: "acme"}},
		{"type+device", ServiceFilter{Type: "l3vpn", Device: "pe1"}},
		{"type+query", ServiceFilter{Type: "l3vpn", Query: "ac"}},
	}
	cursor := encodeCursor(12345, "svc-9")
	var qs []planQuery
	for _, f := range filters {
		for _, sortBy := range []string{"id", "-id", "updated", "-updated"} {
			for _, after := range []string{"", cursor} {
				ff := f.f
				ff.Sort, ff.After = sortBy, after
				q, args, err := listServicesSQL(ff)
				if err != nil {
					t.Fatal(err)
				}
				qs = append(qs, planQuery{fmt.Sprintf("list %s sort=%s cursor=%v", f.name, sortBy, after != ""), q, append(args, 51)})
			}
		}
		if f.f.Customer != "" || f.f.Device != "" || f.f.Query != "" {
			from, where, args := serviceWhere(f.f)
			q := "SELECT count(*) FROM " + from
			if len(where) > 0 {
				q += " WHERE " + strings.Join(where, " AND ")
			}
			qs = append(qs, planQuery{"count " + f.name, q, args})
		}
	}
	ids := []any{"a", "b", "c"}
	qs = append(qs,
		planQuery{"count by type", qCountByType, []any{"l3vpn"}},
		planQuery{"count by state", qCountByState, []any{"active"}},
		planQuery{"count by type and state", qCountByBoth, []any{"l3vpn", "active"}},
		planQuery{"get service", qGetService, []any{"a"}},
		planQuery{"service versions", fmt.Sprintf(qServiceVersions, placeholders(len(ids))), ids},
		planQuery{"delete endpoints of services", fmt.Sprintf(qDeleteEndpointsOf, placeholders(len(ids))), ids},
		planQuery{"allocations of services", fmt.Sprintf(qAllocsOfServices, placeholders(len(ids))), ids},
		planQuery{"allocation holder", qAllocHolder, []any{"vlan", "pe1", 5}},
		planQuery{"service endpoints", qServiceEndpoints, []any{"a"}},
		planQuery{"page endpoints", `SELECT service_id, device, port FROM service_endpoints WHERE service_id IN (` +
			placeholders(len(ids)) + `) ORDER BY service_id, device, port`, ids},
		planQuery{"put service state", qPutServiceState, []any{"active", 1, "", "", "a"}},
		planQuery{"delete endpoints", qDeleteEndpoints, []any{"a"}},
		planQuery{"owned set of service on target", qOwnedSetOf, []any{"a", "pe1"}},
		planQuery{"owned sets of service", qOwnedSetsOf, []any{"a"}},
		planQuery{"owned set by id", qOwnedSetByID, []any{1}},
		planQuery{"update owned set", qUpdateOwnedSet, []any{[]byte{1}, 1}},
		planQuery{"delete owned set", qDeleteOwnedSet, []any{1}},
		planQuery{"max owned set id", qMaxSetID, nil},
		planQuery{"owner next", qOwnerNext, []any{12345, 0, 0, 7, "[]"}},
		planQuery{"owner next (after a value)", qOwnerNext, []any{12345, "v", int64(math.MaxInt64), 7, "[3,4]"}},
		planQuery{"set ids of services on a target", qSetIDsOf, []any{"pe1", `["a","b"]`}},
		planQuery{"delete owned node", qDeleteOwnedNode, []any{12345, "v", 7}},
		planQuery{"owned below counts", fmt.Sprintf(qOwnedBelowCounts, placeholders(2)), []any{12345, 6789}},
		planQuery{"owners first probes", ownersFirstSQL(3), []any{0, 12345, 7, "[]", 1, 23456, 7, "[]", 2, 34567, 7, "[5]"}},
		planQuery{"delete owned below", fmt.Sprintf(qDeleteOwnedBelow, placeholders(2)), []any{12345, 7}},
		planQuery{"owners external", fmt.Sprintf(qOwnersExternal, placeholders(3)), []any{"pe1", "p1", "p2", "p3"}},
		planQuery{"external below", qExternalBelow, []any{"pe1", "p/", "p0"}},
		planQuery{"alloc lookup", qAllocLookup, []any{"vlan", "pe1", "a", "k"}},
		planQuery{"alloc taken", qAllocTaken, []any{"vlan", "pe1", 5}},
		planQuery{"pool cursor", qPoolCursor, []any{"vlan", "pe1"}},
		planQuery{"alloc gap", qAllocGap, []any{"vlan", "pe1", 5, 4095}},
		planQuery{"alloc release", qAllocRelease, []any{"vlan", "pe1", "a", "k"}},
		planQuery{"allocations of service", qAllocByServ, []any{"a"}},
		planQuery{"release run", qAllocByRunDel, []any{"r"}},
		planQuery{"get run", qGetRun, []any{"r"}},
		planQuery{"runs by service", qRunsByService, []any{"a", int64(math.MaxInt64), "", 51}},
		planQuery{"runs", qRunsAll, []any{int64(math.MaxInt64), "", 51}},
		planQuery{"unfinished runs", qUnfinishedRuns, nil},
		planQuery{"journal next seq", qJournalNextSeq, []any{"r"}},
		planQuery{"journal", qJournal, []any{"r"}},
		planQuery{"get plan", qGetPlan, []any{"p"}},
		planQuery{"get device", qGetDevice, []any{"pe1"}},
		planQuery{"port users", qPortUsers, []any{"pe1", "ge-0/0/1", 50}},
		planQuery{"events after", qEventsAfter, []any{0, 50}},
		planQuery{"token by hash", qTokenByHash, []any{[]byte("h")}},
		planQuery{"touch token", qTouchToken, []any{1, "tok"}},
		planQuery{"revoke token", qRevokeToken, []any{1, "tok"}},
		planQuery{"audit", qAuditAll, []any{int64(math.MaxInt64), 51}},
		planQuery{"audit by user", qAuditByUser, []any{"alice", int64(math.MaxInt64), 51}},
		planQuery{"audit by object", qAuditByObject, []any{"service/a", int64(math.MaxInt64), 51}},
		planQuery{"audit by user and object", qAuditByBoth, []any{"alice", "service/a", int64(math.MaxInt64), 51}},
	)
	return qs
}

// fullScan matches a plan line that walks a whole table: "SCAN t" without an index. A scan
// of a materialized subquery (DISTINCT endpoint ids) is bounded by its SEARCH and allowed.
var fullScan = regexp.MustCompile(`^SCAN (\w+)( |$)`)

func TestQueryPlansUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, ":memory:", SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tables := map[string]bool{}
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables[n] = true
	}
	rows.Close()
	for _, q := range requestQueries(t) {
		t.Run(q.name, func(t *testing.T) {
			rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, q.sql)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			// services is WITHOUT ROWID: a walk of its primary key in ORDER BY order with a
			// LIMIT and no sort step reads one page of rows, though SQLite prints it "SCAN s".
			keyOrder := strings.Contains(q.sql, "FROM services s ORDER BY s.id") && strings.HasSuffix(q.sql, "LIMIT ?") &&
				!strings.Contains(strings.Join(plan, "\n"), "TEMP B-TREE")
			for _, line := range plan {
				if keyOrder && line == "SCAN s" {
					continue
				}
				m := fullScan.FindStringSubmatch(line)
				if m == nil || strings.Contains(line, "USING INDEX") || strings.Contains(line, "USING COVERING INDEX") ||
					strings.Contains(line, "USING PRIMARY KEY") {
					continue
				}
				if name := m[1]; tables[name] || name == "s" || name == "a" || name == "b" {
					t.Errorf("full table scan %q in plan of\n%s\nplan:\n  %s", line, q.sql, strings.Join(plan, "\n  "))
				}
			}
			if testing.Verbose() {
				t.Logf("%s\n  %s", q.name, strings.Join(plan, "\n  "))
			}
		})
	}
}
