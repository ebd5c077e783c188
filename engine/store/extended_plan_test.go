package store

import (
	"context"
	"strings"
	"testing"
)

// TestExtendedQueryPlansUseIndexes checks the queries of status.go, idempotency.go, prune.go
// and audits.go as TestQueryPlansUseIndexes does the others: no full table scan.
func TestExtendedQueryPlansUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, ":memory:", SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	qs := []planQuery{
		{"last event seq", qLastEventSeq, nil},
		{"count unfinished runs", qCountUnfinished, nil},
		{"get idempotency", qGetIdempotency, []any{"alice", "k", int64(1)}},
		{"put idempotency", qPutIdempotency, []any{"alice", "k", []byte{1}, 202, nil, nil, int64(1), int64(2)}},
		{"prune idempotency", qPruneIdempotency, []any{int64(1)}},
		{"prune: events before", qPruneEventsBefore, []any{int64(1), 1000}},
		{"prune: events up to seq", qPruneEventsUpTo, []any{int64(1), 1000}},
		{"prune: journals of succeeded runs", qPrunableJournals, []any{int64(1), 1000}},
		{"prune: delete journal", qDeleteJournal, []any{"r"}},
		{"prune: finished runs", qPrunableRuns, []any{int64(1), 1000}},
		{"prune: journal count", qJournalCount, []any{"r"}},
		{"prune: delete run", qDeleteRun, []any{"r"}},
		{"prune: plans", qPrunePlans, []any{int64(1), 1000}},
		{"prune: idempotency batch", qPruneIdemBatch, []any{int64(1), 1000}},
	}
	qs = append(qs, auditPlanQueries()...)
	for _, q := range qs {
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
			for _, line := range plan {
				if fullScan.MatchString(line) && !strings.Contains(line, "USING") {
					t.Errorf("full table scan %q in plan of\n%s\nplan:\n  %s", line, q.sql, strings.Join(plan, "\n  "))
				}
			}
			t.Logf("%s\n  %s", q.name, strings.Join(plan, "\n  "))
		})
	}
}
