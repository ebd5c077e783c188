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
}

var _ Status = (*SQLite)(nil)

// qLastEventSeq reads the end of the events b-tree (seq is its rowid): O(log n).
const qLastEventSeq = `SELECT COALESCE(MAX(seq), 0) FROM events`

// LastEventSeq returns the seq of the newest event, 0 when there is none.
func (s *SQLite) LastEventSeq(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read().QueryRowContext(ctx, qLastEventSeq).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: last event seq: %w", err)
	}
	return n, nil
}
