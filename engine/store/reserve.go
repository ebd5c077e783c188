package store

import (
	"context"
	"fmt"
)

// ReserveParams opens a batch of runs (the bulk path) in one transaction: every service gets
// its state set (a placeholder row for a new one, as PutServiceState does), and every
// allocation is taken for its run.
type ReserveParams struct {
	Services []Service
	// Allocations are inserted as given (value chosen by the caller, usually from Peek). A
	// value another service took meanwhile fails the whole reservation with ErrExists; an
	// allocation the service already holds with the same value is kept.
	Allocations []Allocation
}

// Reserve implements the first write of the bulk path; see ReserveParams. It reads which
// services exist and what they hold in one statement per 500 services, updates the existing
// ones' state one by one and inserts the new services and the allocations with multi-row
// statements.
func (s *SQLite) Reserve(ctx context.Context, p ReserveParams) error {
	err := s.write(ctx, func(tx *wtx) error {
		exists, err := existingServices(ctx, tx, p.Services)
		if err != nil {
			return err
		}
		for _, svc := range p.Services {
			now := nowOr(svc.Updated)
			if !exists[svc.ID] {
				exists[svc.ID] = true
				tx.queue(svc.ID, insPlaceholders, svc.ID, svc.Type, svc.Customer, svc.State, jsonText(svc.Intent),
					svc.PackVersion, unixNano(nowOr(svc.Created)), unixNano(now), svc.LastRun)
				continue
			}
			// Listed twice: the first may still be queued.
			if err := tx.flushFor(ctx, svc.ID); err != nil {
				return fmt.Errorf("service %s: %w", svc.ID, err)
			}
			if _, err := tx.ExecContext(ctx, qPutServiceState, svc.State, unixNano(now), svc.LastRun, svc.LastRun, svc.ID); err != nil {
				return fmt.Errorf("service %s: %w", svc.ID, err)
			}
		}
		held, err := heldAllocations(ctx, tx, p.Allocations)
		if err != nil {
			return err
		}
		var queued []Allocation
		for _, a := range p.Allocations {
			k := allocKey{a.Pool, a.Scope, a.Service, a.Key}
			if v, ok := held[k]; ok {
				if v != a.Value {
					return fmt.Errorf("%s holds %d in %s/%s under %q, not %d: %w", a.Service, v, a.Pool, a.Scope, a.Key, a.Value, ErrExists)
				}
				continue
			}
			held[k] = a.Value
			tx.queue(a.Service, insAllocations, a.Pool, a.Scope, a.Value, a.Service, a.Key, a.RunID)
			queued = append(queued, a)
		}
		if err := tx.flush(ctx); err != nil {
			if isUnique(err) {
				return takenMeanwhile(ctx, tx, queued, err)
			}
			return fmt.Errorf("allocations: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: reserve %d services: %w", len(p.Services), err)
	}
	return nil
}

type allocKey struct{ pool, scope, service, key string }

// existingServices returns which of ss are stored.
func existingServices(ctx context.Context, tx *wtx, ss []Service) (map[string]bool, error) {
	ids := make([]any, 0, len(ss))
	for _, svc := range ss {
		ids = append(ids, svc.ID)
	}
	exists := make(map[string]bool, len(ss))
	for _, c := range chunk(ids, maxParams) {
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(qServiceVersions, placeholders(len(c))), c...)
		if err != nil {
			return nil, fmt.Errorf("services: %w", err)
		}
		for rows.Next() {
			var id string
			var v int64
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("services: %w", err)
			}
			exists[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("services: %w", err)
		}
	}
	return exists, nil
}

// heldAllocations returns the values the services of as hold, all keys included.
func heldAllocations(ctx context.Context, tx *wtx, as []Allocation) (map[allocKey]int64, error) {
	seen := map[string]bool{}
	var ids []any
	for _, a := range as {
		if !seen[a.Service] {
			seen[a.Service] = true
			ids = append(ids, a.Service)
		}
	}
	held := make(map[allocKey]int64, len(as))
	for _, c := range chunk(ids, maxParams) {
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(qAllocsOfServices, placeholders(len(c))), c...)
		if err != nil {
			return nil, fmt.Errorf("allocations held: %w", err)
		}
		for rows.Next() {
			var k allocKey
			var v int64
			if err := rows.Scan(&k.pool, &k.scope, &k.service, &k.key, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("allocations held: %w", err)
			}
			held[k] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("allocations held: %w", err)
		}
	}
	return held, nil
}

// takenMeanwhile explains a unique violation of the queued allocations: it names the first
// value another service holds. The transaction is rolled back after.
func takenMeanwhile(ctx context.Context, tx *wtx, queued []Allocation, cause error) error {
	for _, a := range queued {
		var holder string
		err := tx.QueryRowContext(ctx, qAllocHolder, a.Pool, a.Scope, a.Value).Scan(&holder)
		if err == nil && holder != a.Service {
			return fmt.Errorf("%s/%s value %d was taken meanwhile: %w", a.Pool, a.Scope, a.Value, ErrExists)
		}
	}
	return fmt.Errorf("allocations: %w: %w", ErrExists, cause)
}
