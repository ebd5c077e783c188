package store

import (
	"context"
	"fmt"
)

// The Go half of migration 0006 (migrations/0006_compact_ownership.sql): it reads the old
// per-leaf owned table, service by service, writes each service's sets and their index
// entries as Record does, and drops the old tables and triggers.
const (
	qOldOwnedServices = `SELECT DISTINCT service_id FROM owned INDEXED BY owned_service ORDER BY service_id`
	qOldOwnedOf       = `SELECT target, path, value FROM owned INDEXED BY owned_service WHERE service_id = ? ORDER BY target, path`
	qDropOldOwned     = `DROP TRIGGER owned_values_insert;
DROP TRIGGER owned_values_delete;
DROP TRIGGER owned_values_update;
DROP TABLE owner_values;
DROP TABLE owned;`
)

// migrateBatch is how many services' rows are queued before they are written: it bounds the
// migration's memory whatever the size of the database.
const migrateBatch = 1000

func migrateCompactOwnership(ctx context.Context, tx *wtx) error {
	rows, err := tx.Tx.QueryContext(ctx, qOldOwnedServices)
	if err != nil {
		return fmt.Errorf("owned services: %w", err)
	}
	var services []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("owned services: %w", err)
		}
		services = append(services, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("owned services: %w", err)
	}
	for i, id := range services {
		rows, err := tx.Tx.QueryContext(ctx, qOldOwnedOf, id)
		if err != nil {
			return fmt.Errorf("owned by %s: %w", id, err)
		}
		byTarget := map[string][]OwnedLeaf{}
		for rows.Next() {
			var l OwnedLeaf
			if err := rows.Scan(&l.Target, &l.Path, &l.Value); err != nil {
				rows.Close()
				return fmt.Errorf("owned by %s: %w", id, err)
			}
			byTarget[l.Target] = append(byTarget[l.Target], l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("owned by %s: %w", id, err)
		}
		for _, target := range sortedKeys(byTarget) {
			if err := putOwned(ctx, tx, id, target, byTarget[target], true); err != nil {
				return fmt.Errorf("owned by %s on %s: %w", id, target, err)
			}
		}
		if (i+1)%migrateBatch == 0 {
			if err := tx.flush(ctx); err != nil {
				return err
			}
		}
	}
	if err := tx.flush(ctx); err != nil {
		return err
	}
	if _, err := tx.Tx.ExecContext(ctx, qDropOldOwned); err != nil {
		return fmt.Errorf("drop the old tables: %w", err)
	}
	return nil
}
