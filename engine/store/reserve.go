package store

import (
	"context"
	"fmt"
	"strings"
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

// Reserve implements the first write of the bulk path; see ReserveParams.
func (s *SQLite) Reserve(ctx context.Context, p ReserveParams) error {
	err := s.write(ctx, func(tx *wtx) error {
		for _, svc := range p.Services {
			now := nowOr(svc.Updated)
			res, err := tx.ExecContext(ctx, qPutServiceState, svc.State, unixNano(now), svc.LastRun, svc.LastRun, svc.ID)
			if err != nil {
				return fmt.Errorf("service %s: %w", svc.ID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, qInsertPlaceholder, svc.ID, svc.Type, svc.Customer, svc.State, jsonText(svc.Intent),
				svc.PackVersion, unixNano(nowOr(svc.Created)), unixNano(now), svc.LastRun); err != nil {
				return fmt.Errorf("service %s: %w", svc.ID, err)
			}
		}
		for _, a := range p.Allocations {
			v, ok, err := lookup(ctx, tx, a.Pool, a.Scope, a.Service, a.Key)
			if err != nil {
				return err
			}
			if ok {
				if v != a.Value {
					return fmt.Errorf("%s holds %d in %s/%s under %q, not %d: %w", a.Service, v, a.Pool, a.Scope, a.Key, a.Value, ErrExists)
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, qAllocInsert, a.Pool, a.Scope, a.Value, a.Service, a.Key, a.RunID); err != nil {
				if strings.Contains(err.Error(), "UNIQUE") {
					return fmt.Errorf("%s/%s value %d was taken meanwhile: %w", a.Pool, a.Scope, a.Value, ErrExists)
				}
				return fmt.Errorf("allocation %s/%s %d for %s: %w", a.Pool, a.Scope, a.Value, a.Service, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: reserve %d services: %w", len(p.Services), err)
	}
	return nil
}
