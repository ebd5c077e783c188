package store

import (
	"context"
	"fmt"
)

// Status is what observers of the store ask about its state as a whole.
type Status interface {
	// LastEventSeq returns the seq of the newest event (0 when there is none): a follower
	// that wants only new events starts after it.
	LastEventSeq(ctx context.Context) (int64, error)
	// CountUnfinishedRuns counts runs pending or running (the queue depth) without loading
	// them: it walks the partial index of unfinished runs only.
	CountUnfinishedRuns(ctx context.Context) (int64, error)
}

var _ Status = (*SQLite)(nil)

const (
	// qLastEventSeq reads the end of the events b-tree (seq is its rowid): O(log n).
	qLastEventSeq = `SELECT COALESCE(MAX(seq), 0) FROM events`
	// qCountUnfinished repeats runs_unfinished's WHERE so that the planner counts that
	// partial index (only unfinished runs are in it).
	qCountUnfinished = `SELECT COUNT(*) FROM runs INDEXED BY runs_unfinished WHERE state IN ('pending', 'running')`
)

// LastEventSeq returns the seq of the newest event, 0 when there is none.
func (s *SQLite) LastEventSeq(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read().QueryRowContext(ctx, qLastEventSeq).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: last event seq: %w", err)
	}
	return n, nil
}

// CountUnfinishedRuns counts runs pending or running.
func (s *SQLite) CountUnfinishedRuns(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read().QueryRowContext(ctx, qCountUnfinished).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count unfinished runs: %w", err)
	}
	return n, nil
}
