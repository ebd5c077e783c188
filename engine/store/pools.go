package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Allocate returns the value the service holds in (pool, scope) under key, taking the first
// free value in [Lo, Hi] when it holds none. It is idempotent per (pool, scope, service, key)
// and atomic under concurrent callers: every taking Allocate is one transaction on the single
// writer connection. A new value is searched from the pool's cursor (one past the last value
// taken), wrapping around to Lo, so a free value is usually found in one probe; when [Lo, Hi]
// is full it returns ErrPoolExhausted. The service's row must exist (PutServiceState creates a
// placeholder when a run starts): allocations are removed with their service. Peek computes
// the same answer on the read pool without writing (the value a later Allocate gets may
// differ if another service takes it first).
func (s *SQLite) Allocate(ctx context.Context, p AllocateParams) (int64, error) {
	if p.Lo > p.Hi {
		return 0, fmt.Errorf("store: allocate %s/%s for %s %s: empty range [%d, %d]", p.Pool, p.Scope, p.Service, p.Key, p.Lo, p.Hi)
	}
	var v int64
	var err error
	if p.Peek {
		v, err = s.allocPeek(ctx, p)
	} else {
		err = s.write(ctx, func(tx *wtx) error {
			var err error
			v, err = allocate(ctx, tx, p)
			return err
		})
	}
	if err != nil {
		return 0, fmt.Errorf("store: allocate %s/%s for %s %s: %w", p.Pool, p.Scope, p.Service, p.Key, err)
	}
	return v, nil
}

func (s *SQLite) allocPeek(ctx context.Context, p AllocateParams) (int64, error) {
	r := s.read()
	if v, ok, err := lookup(ctx, r, p.Pool, p.Scope, p.Service, p.Key); err != nil || ok {
		return v, err
	}
	return freeValue(ctx, r, p)
}

// querier is what both a write transaction and the read pool offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func allocate(ctx context.Context, tx *wtx, p AllocateParams) (int64, error) {
	if v, ok, err := lookup(ctx, tx, p.Pool, p.Scope, p.Service, p.Key); err != nil || ok {
		return v, err
	}
	v, err := freeValue(ctx, tx, p)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, qAllocInsert, p.Pool, p.Scope, v, p.Service, p.Key, p.RunID); err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return 0, fmt.Errorf("service %s is not stored (PutServiceState first): %w", p.Service, ErrNotFound)
		}
		return 0, err
	}
	return v, nil
}

func lookup(ctx context.Context, q querier, pool, scope, service, key string) (int64, bool, error) {
	var v int64
	err := q.QueryRowContext(ctx, qAllocLookup, pool, scope, service, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return v, true, nil
}

// freeValue finds a free value in [Lo, Hi]: the cursor if free, else the first gap after it,
// else (wrapping) Lo or the first gap after Lo before the cursor.
func freeValue(ctx context.Context, q querier, p AllocateParams) (int64, error) {
	cur := p.Lo
	var next int64
	switch err := q.QueryRowContext(ctx, qPoolCursor, p.Pool, p.Scope).Scan(&next); {
	case err == nil:
		if next >= p.Lo && next <= p.Hi {
			cur = next
		}
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	// search returns a free value in [from, to] or false.
	search := func(from, to int64) (int64, bool, error) {
		if from > to {
			return 0, false, nil
		}
		var one int
		err := q.QueryRowContext(ctx, qAllocTaken, p.Pool, p.Scope, from).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return from, true, nil
		}
		if err != nil {
			return 0, false, err
		}
		var v int64
		// The gap query looks at taken values in [from, to]; its answer is one past the end
		// of the run of taken values starting at from.
		err = q.QueryRowContext(ctx, qAllocGap, p.Pool, p.Scope, from, to+1).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		if v > to {
			return 0, false, nil
		}
		return v, true, nil
	}
	if v, ok, err := search(cur, p.Hi); err != nil || ok {
		return v, err
	}
	if v, ok, err := search(p.Lo, cur-1); err != nil || ok {
		return v, err
	}
	return 0, fmt.Errorf("[%d, %d] is full: %w", p.Lo, p.Hi, ErrPoolExhausted)
}

// Lookup returns the value a service holds in (pool, scope) under key.
func (s *SQLite) Lookup(ctx context.Context, pool, scope, service, key string) (int64, bool, error) {
	v, ok, err := lookup(ctx, s.read(), pool, scope, service, key)
	if err != nil {
		return 0, false, fmt.Errorf("store: lookup %s/%s for %s %s: %w", pool, scope, service, key, err)
	}
	return v, ok, nil
}

// Allocations returns every value a service holds, ordered by pool, scope and key.
func (s *SQLite) Allocations(ctx context.Context, service string) ([]Allocation, error) {
	rows, err := s.read().QueryContext(ctx, qAllocByServ, service)
	if err != nil {
		return nil, fmt.Errorf("store: allocations of %s: %w", service, err)
	}
	defer rows.Close()
	var out []Allocation
	for rows.Next() {
		var a Allocation
		if err := rows.Scan(&a.Pool, &a.Scope, &a.Key, &a.Value, &a.Service, &a.RunID); err != nil {
			return nil, fmt.Errorf("store: allocations of %s: %w", service, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: allocations of %s: %w", service, err)
	}
	return out, nil
}

// ReleaseRun gives back every allocation a run took. Values a service already held before
// the run (taken by an earlier run) are kept.
func (s *SQLite) ReleaseRun(ctx context.Context, runID string) error {
	if runID == "" {
		return nil
	}
	err := s.write(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, qAllocByRunDel, runID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release run %s: %w", runID, err)
	}
	return nil
}

// PoolUsage returns the values in use per pool scope (counters kept by triggers; scopes that
// were used once and are empty now report 0).
func (s *SQLite) PoolUsage(ctx context.Context) ([]PoolUsage, error) {
	rows, err := s.read().QueryContext(ctx, qPoolUsage)
	if err != nil {
		return nil, fmt.Errorf("store: pool usage: %w", err)
	}
	defer rows.Close()
	var out []PoolUsage
	for rows.Next() {
		var u PoolUsage
		if err := rows.Scan(&u.Pool, &u.Scope, &u.Used); err != nil {
			return nil, fmt.Errorf("store: pool usage: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pool usage: %w", err)
	}
	return out, nil
}
