package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Audit statuses of a service: its configuration is on its targets as recorded, differs, or
// could not be read (an unreachable target, a service changed while it was audited).
const (
	AuditInSync  = "in-sync"
	AuditDrifted = "drifted"
	AuditUnknown = "unknown"
)

// AuditOutcome is the result of one audit of a service.
type AuditOutcome struct {
	Service string `json:"service"`
	// Status is AuditInSync, AuditDrifted or AuditUnknown; empty means InSync decides.
	Status string `json:"status"`
	InSync bool   `json:"in_sync"`
	// Drift is the audit's differences as JSON (engine.AuditResult.Drift), empty when in sync.
	Drift json.RawMessage `json:"drift,omitempty"`
	User  string          `json:"user,omitempty"`
	At    time.Time       `json:"at"`
}

// Compliance counts services by their latest audit. Unknown services (a target could not be
// read) are audited but neither in sync nor drifted.
type Compliance struct {
	Audited int64 `json:"audited"`
	InSync  int64 `json:"in_sync"`
	Drifted int64 `json:"drifted"`
	Unknown int64 `json:"unknown"`
}

// AuditResults keeps the latest audit outcome of each service. A service's outcome goes with
// the service when it is deleted.
type AuditResults interface {
	// PutAuditOutcome records an audit as its service's latest unless a later one (by At) is
	// recorded already. ErrNotFound when the service does not exist.
	PutAuditOutcome(ctx context.Context, a AuditOutcome) error
	// LatestAudit returns a service's latest outcome, or ErrNotFound.
	LatestAudit(ctx context.Context, service string) (AuditOutcome, error)
	// Compliance counts services by their latest outcome in O(1).
	Compliance(ctx context.Context) (Compliance, error)
}

var _ AuditResults = (*SQLite)(nil)

const (
	qPutAudit = `INSERT INTO audit_results (service_id, in_sync, user, drift, at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
		ON CONFLICT (service_id) DO UPDATE SET in_sync = excluded.in_sync, user = excluded.user, drift = excluded.drift,
			at = excluded.at, status = excluded.status
		WHERE audit_results.at <= excluded.at`
	qLatestAudit   = `SELECT in_sync, user, drift, at, status FROM audit_results WHERE service_id = ?`
	qAuditCounts   = `SELECT status, n FROM audit_status_counts WHERE status IN ('in-sync', 'drifted', 'unknown')`
	qServiceExists = `SELECT 1 FROM services WHERE id = ?`
)

// PutAuditOutcome records a service's latest audit.
func (s *SQLite) PutAuditOutcome(ctx context.Context, a AuditOutcome) error {
	at := nowOr(a.At)
	err := s.write(ctx, func(tx *wtx) error {
		var one int
		if err := tx.QueryRowContext(ctx, qServiceExists, a.Service).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("service %s: %w", a.Service, ErrNotFound)
		} else if err != nil {
			return err
		}
		status := outcomeStatus(a)
		_, err := tx.ExecContext(ctx, qPutAudit, a.Service, status == AuditInSync, a.User, jsonText(a.Drift), unixNano(at), status)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: put audit outcome of %s: %w", a.Service, err)
	}
	return nil
}

// outcomeStatus is a's status, from InSync when it has none.
func outcomeStatus(a AuditOutcome) string {
	switch {
	case a.Status != "":
		return a.Status
	case a.InSync:
		return AuditInSync
	}
	return AuditDrifted
}

// LatestAudit returns a service's latest audit outcome.
func (s *SQLite) LatestAudit(ctx context.Context, service string) (AuditOutcome, error) {
	a := AuditOutcome{Service: service}
	var drift sql.NullString
	var at int64
	err := s.read().QueryRowContext(ctx, qLatestAudit, service).Scan(&a.InSync, &a.User, &drift, &at, &a.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditOutcome{}, fmt.Errorf("store: latest audit of %s: %w", service, ErrNotFound)
	}
	if err != nil {
		return AuditOutcome{}, fmt.Errorf("store: latest audit of %s: %w", service, err)
	}
	a.Drift, a.At = rawJSON(drift), fromNano(at)
	return a, nil
}

// Compliance counts services by their latest audit outcome.
func (s *SQLite) Compliance(ctx context.Context) (Compliance, error) {
	var c Compliance
	rows, err := s.read().QueryContext(ctx, qAuditCounts)
	if err != nil {
		return c, fmt.Errorf("store: compliance: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return c, fmt.Errorf("store: compliance: %w", err)
		}
		switch status {
		case AuditInSync:
			c.InSync += n
		case AuditDrifted:
			c.Drifted += n
		default:
			c.Unknown += n
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("store: compliance: %w", err)
	}
	c.Audited = c.InSync + c.Drifted + c.Unknown
	return c, nil
}
