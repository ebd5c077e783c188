package store

import (
	"context"
	"fmt"
	"time"
)

// PruneParams say what Prune drops. A zero age or count keeps everything of its kind, so the
// zero value drops only expired idempotency records; DefaultRetention is a sensible policy.
type PruneParams struct {
	// Now is the time ages count from (zero: now).
	Now time.Time
	// EventAge drops events older than this; MaxEvents keeps at most this many of the newest.
	EventAge  time.Duration
	MaxEvents int64
	// JournalGrace drops the journal of a run that succeeded more than JournalGrace ago (a
	// finished run's journal is only read by people looking into it: recovery reads the
	// journals of unfinished runs, which are never pruned). The journals of runs that failed,
	// rolled back or were cancelled stay until their run goes (RunAge).
	JournalGrace time.Duration
	// RunAge drops finished runs (any final state) finished more than RunAge ago, with
	// their journal. Unfinished runs are never dropped.
	RunAge time.Duration
	// PlanAge drops plans created more than PlanAge ago (applying one later fails with
	// ErrNotFound, as for an unknown plan).
	PlanAge time.Duration
	// Batch bounds the rows deleted per transaction (default 1000): Prune takes the writer
	// many times briefly rather than once for long.
	Batch int
}

// DefaultRetention is a retention policy for a production server: a week of events (a
// million at most), an hour of succeeded runs' journals, a month of runs, a week of plans.
func DefaultRetention() PruneParams {
	return PruneParams{
		EventAge:     7 * 24 * time.Hour,
		MaxEvents:    1_000_000,
		JournalGrace: time.Hour,
		RunAge:       30 * 24 * time.Hour,
		PlanAge:      7 * 24 * time.Hour,
	}
}

// PruneResult counts what Prune dropped.
type PruneResult struct {
	Events  int64 `json:"events"`
	Journal int64 `json:"journal"` // journal entries, those of dropped runs included
	Runs    int64 `json:"runs"`
	Plans   int64 `json:"plans"`
	// Idempotency counts expired idempotency records (SQLite; see Idempotency).
	Idempotency int64 `json:"idempotency"`
}

const (
	qPruneEventsBefore = `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < ? ORDER BY at LIMIT ?)`
	// Seqs are dense (AUTOINCREMENT, never reused), so "all but the newest n" is "seq at most
	// the last seq less n": a walk of the rowid, no count.
	qPruneEventsUpTo = `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT ?)`
	// qPrunableJournals lists runs that succeeded before ?1 and still have journal entries
	// from before ?1.
	qPrunableJournals = `SELECT DISTINCT j.run_id FROM journal j INDEXED BY journal_at JOIN runs r ON r.id = j.run_id
		WHERE j.at < ?1 AND r.state = 'succeeded' AND r.finished < ?1 LIMIT ?2`
	qDeleteJournal = `DELETE FROM journal WHERE run_id = ?`
	// qPrunableRuns lists finished runs finished before ?1 (hence created before it).
	qPrunableRuns = `SELECT id FROM runs INDEXED BY runs_created WHERE created < ?1 AND finished < ?1
		AND state NOT IN ('pending', 'running') ORDER BY created, id LIMIT ?2`
	qJournalCount    = `SELECT COUNT(*) FROM journal WHERE run_id = ?`
	qDeleteRun       = `DELETE FROM runs WHERE id = ?`
	qPrunePlans      = `DELETE FROM plans WHERE id IN (SELECT id FROM plans WHERE created < ? ORDER BY created LIMIT ?)`
	qPruneIdemBatch  = `DELETE FROM idempotency WHERE (user, key) IN (SELECT user, key FROM idempotency WHERE expires <= ? ORDER BY expires LIMIT ?)`
	defaultPruneRows = 1000
)

// Prune drops what p's retention allows, in transactions of at most p.Batch rows, until
// nothing is left to drop or ctx ends. Every step walks an index from the oldest row.
func (s *SQLite) Prune(ctx context.Context, p PruneParams) (PruneResult, error) {
	var res PruneResult
	now := nowOr(p.Now)
	batch := p.Batch
	if batch <= 0 {
		batch = defaultPruneRows
	}
	// deleteAll runs one bounded delete per transaction until one deletes less than batch.
	deleteAll := func(what string, n *int64, q string, bound int64) error {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			var k int64
			err := s.write(ctx, func(tx *wtx) error {
				r, err := tx.ExecContext(ctx, q, bound, batch)
				if err != nil {
					return err
				}
				k, err = r.RowsAffected()
				return err
			})
			if err != nil {
				return fmt.Errorf("store: prune %s: %w", what, err)
			}
			*n += k
			if k < int64(batch) {
				return nil
			}
		}
	}
	if p.EventAge > 0 {
		if err := deleteAll("events", &res.Events, qPruneEventsBefore, unixNano(now.Add(-p.EventAge))); err != nil {
			return res, err
		}
	}
	if p.MaxEvents > 0 {
		last, err := s.LastEventSeq(ctx)
		if err != nil {
			return res, fmt.Errorf("store: prune events: %w", err)
		}
		if last > p.MaxEvents {
			if err := deleteAll("events", &res.Events, qPruneEventsUpTo, last-p.MaxEvents); err != nil {
				return res, err
			}
		}
	}
	if p.JournalGrace > 0 {
		if err := s.pruneRuns(ctx, &res, qPrunableJournals, unixNano(now.Add(-p.JournalGrace)), batch, false); err != nil {
			return res, fmt.Errorf("store: prune journal: %w", err)
		}
	}
	if p.RunAge > 0 {
		if err := s.pruneRuns(ctx, &res, qPrunableRuns, unixNano(now.Add(-p.RunAge)), batch, true); err != nil {
			return res, fmt.Errorf("store: prune runs: %w", err)
		}
	}
	if p.PlanAge > 0 {
		if err := deleteAll("plans", &res.Plans, qPrunePlans, unixNano(now.Add(-p.PlanAge))); err != nil {
			return res, err
		}
	}
	if err := deleteAll("idempotency", &res.Idempotency, qPruneIdemBatch, unixNano(now)); err != nil {
		return res, err
	}
	return res, nil
}

// pruneRuns drops, batch by batch, the journal of the runs q lists (and the runs themselves
// when runs is set; their journal goes by the foreign key's cascade).
func (s *SQLite) pruneRuns(ctx context.Context, res *PruneResult, q string, before int64, batch int, runs bool) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var found int
		err := s.write(ctx, func(tx *wtx) error {
			rows, err := tx.QueryContext(ctx, q, before, batch)
			if err != nil {
				return err
			}
			ids, err := collect(rows, func(sc scanner) (string, error) {
				var id string
				err := sc.Scan(&id)
				return id, err
			})
			if err != nil {
				return err
			}
			found = len(ids)
			for _, id := range ids {
				if runs {
					var n int64
					if err := tx.QueryRowContext(ctx, qJournalCount, id).Scan(&n); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, qDeleteRun, id); err != nil {
						return err
					}
					res.Journal += n
					res.Runs++
					continue
				}
				r, err := tx.ExecContext(ctx, qDeleteJournal, id)
				if err != nil {
					return err
				}
				n, err := r.RowsAffected()
				if err != nil {
					return err
				}
				res.Journal += n
			}
			return nil
		})
		if err != nil {
			return err
		}
		if found < batch {
			return nil
		}
	}
}
