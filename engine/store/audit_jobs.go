package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Audit job states.
const (
	AuditJobPending = "pending"
	AuditJobRunning = "running"
	AuditJobDone    = "done"
	AuditJobFailed  = "failed"
)

// AuditJob is one audit of a scope of services, run in the background. Its counters are
// filled when it ends.
type AuditJob struct {
	ID string `json:"id"`
	// Scope is what the job audits (engine/audit.Scope as JSON).
	Scope json.RawMessage `json:"scope"`
	// Schedule names the schedule that started the job ("" for a job started by hand).
	Schedule string `json:"schedule,omitempty"`
	State    string `json:"state"`
	User     string `json:"user,omitempty"`
	Error    string `json:"error,omitempty"`
	Services int64  `json:"services"`
	InSync   int64  `json:"in_sync"`
	Drifted  int64  `json:"drifted"`
	Unknown  int64  `json:"unknown"`
	// Targets is how many targets were read (each once); Unreachable how many could not be.
	Targets     int64      `json:"targets"`
	Unreachable int64      `json:"unreachable"`
	Created     time.Time  `json:"created"`
	Started     *time.Time `json:"started,omitempty"`
	Finished    *time.Time `json:"finished,omitempty"`
}

// AuditServiceResult is one service's result in an audit job.
type AuditServiceResult struct {
	Job     string `json:"job"`
	Service string `json:"service"`
	// Status is AuditInSync, AuditDrifted or AuditUnknown.
	Status string `json:"status"`
	// Drift is the differences per target as JSON (engine/audit.TargetDrift), empty when in
	// sync.
	Drift json.RawMessage `json:"drift,omitempty"`
}

// AuditResultFilter selects the results of one job, optionally of one status, in service
// order.
type AuditResultFilter struct {
	Job    string
	Status string
	// After is the cursor returned by the previous page.
	After string
	Limit int
}

// AuditSchedule starts an audit job of Scope every Every, at Next first.
type AuditSchedule struct {
	ID      string          `json:"id"`
	Scope   json.RawMessage `json:"scope"`
	Every   time.Duration   `json:"every"`
	Next    time.Time       `json:"next"`
	User    string          `json:"user,omitempty"`
	Created time.Time       `json:"created"`
	LastJob string          `json:"last_job,omitempty"`
}

// OwnedSet is what one service owns on one target, with the service's version and state when
// it was read (an audit checks that a service it found drifted did not change meanwhile).
type OwnedSet struct {
	Service string
	Version int64
	State   string
	Target  string
	Leaves  []OwnedLeaf
}

// Target sync states.
const (
	SyncInSync    = "in-sync"
	SyncOutOfSync = "out-of-sync"
	SyncUnknown   = "unknown"
)

// TargetSync is a target's state at the latest audit that read it.
type TargetSync struct {
	Target string `json:"target"`
	// State is SyncInSync, SyncOutOfSync (a service there drifted) or SyncUnknown (the target
	// could not be read).
	State string `json:"state"`
	// Services is how many services the audit compared there, Drifted how many drifted.
	Services int64  `json:"services"`
	Drifted  int64  `json:"drifted"`
	Error    string `json:"error,omitempty"`
	// Detail says what changed and by whom when the target's history shows a change made
	// behind xprov's back.
	Detail string `json:"detail,omitempty"`
	// Job is the audit job that read the target.
	Job string    `json:"job"`
	At  time.Time `json:"at"`
}

// AuditJobs keeps audit jobs, their per-service results and schedules, and gives audits what
// services own target by target.
type AuditJobs interface {
	// CreateAuditJob stores a new job (ErrExists when the id is taken); a zero Created is now.
	CreateAuditJob(ctx context.Context, j AuditJob) error
	// UpdateAuditJob replaces a job's fields but id, scope, schedule, user and created
	// (ErrNotFound when it does not exist).
	UpdateAuditJob(ctx context.Context, j AuditJob) error
	GetAuditJob(ctx context.Context, id string) (AuditJob, error)
	// ListAuditJobs pages jobs newest first (Limit: default 50, at most 1000).
	ListAuditJobs(ctx context.Context, after string, limit int) ([]AuditJob, string, error)
	// PutAuditResults adds results to a job (ErrNotFound when it does not exist; a service
	// given twice keeps the last) and records each as its service's latest outcome at at,
	// unless the service no longer exists or a later outcome is recorded, in one transaction.
	PutAuditResults(ctx context.Context, job, user string, at time.Time, rs []AuditServiceResult) error
	// ListAuditResults pages a job's results in service order.
	ListAuditResults(ctx context.Context, f AuditResultFilter) ([]AuditServiceResult, string, error)
	// PruneAuditJobs deletes all but the keep newest finished jobs with their results and
	// returns how many it deleted.
	PruneAuditJobs(ctx context.Context, keep int) (int, error)

	// OwnedTargets lists, sorted, the targets services own configuration on.
	OwnedTargets(ctx context.Context) ([]string, error)
	// OwnedSetsOn calls fn with every service's set on target, in service order.
	OwnedSetsOn(ctx context.Context, target string, fn func(OwnedSet) error) error
	// OwnedSetsOf returns the sets of the given services on every target, ordered by
	// service and target; services that own nothing are absent.
	OwnedSetsOf(ctx context.Context, services []string) ([]OwnedSet, error)

	// PutAuditSchedule creates or replaces a schedule (by id).
	PutAuditSchedule(ctx context.Context, s AuditSchedule) error
	// ListAuditSchedules returns every schedule by id.
	ListAuditSchedules(ctx context.Context) ([]AuditSchedule, error)
	// DeleteAuditSchedule removes a schedule (ErrNotFound when it does not exist).
	DeleteAuditSchedule(ctx context.Context, id string) error

	// PutTargetSync records targets' states, each replacing the target's state unless a later
	// one (by At) is recorded.
	PutTargetSync(ctx context.Context, ts []TargetSync) error
	// TargetSyncs returns the recorded states of the given targets (every target when none
	// is given), by target.
	TargetSyncs(ctx context.Context, targets ...string) ([]TargetSync, error)
}

var _ AuditJobs = (*SQLite)(nil)

const (
	qAuditJobCols   = `id, scope, schedule_id, state, user, error, services, in_sync, drifted, unknown, targets, unreachable, created, started, finished`
	qInsertAuditJob = `INSERT INTO audit_jobs (` + qAuditJobCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateAuditJob = `UPDATE audit_jobs SET state = ?, error = ?, services = ?, in_sync = ?, drifted = ?, unknown = ?, targets = ?, unreachable = ?, started = ?, finished = ? WHERE id = ?`
	qGetAuditJob    = `SELECT ` + qAuditJobCols + ` FROM audit_jobs WHERE id = ?`
	qListAuditJobs  = `SELECT ` + qAuditJobCols + ` FROM audit_jobs WHERE (created, id) < (?, ?) ORDER BY created DESC, id DESC LIMIT ?`
	qAuditJobExists = `SELECT 1 FROM audit_jobs WHERE id = ?`
	// qPutLatestOutcomes copies a job's results for services in [?4, ?5] (one call's, just
	// inserted) to the latest outcomes in one statement, skipping services that no longer
	// exist.
	qPutLatestOutcomes = `INSERT INTO audit_results (service_id, in_sync, user, drift, at, status)
		SELECT r.service_id, r.status = 'in-sync', ?2, r.drift, ?3, r.status FROM audit_job_results r
		WHERE r.job_id = ?1 AND r.service_id >= ?4 AND r.service_id <= ?5 AND EXISTS (SELECT 1 FROM services s WHERE s.id = r.service_id)
		ON CONFLICT (service_id) DO UPDATE SET in_sync = excluded.in_sync, user = excluded.user, drift = excluded.drift,
			at = excluded.at, status = excluded.status
		WHERE audit_results.at <= excluded.at`
	qAuditResults         = `SELECT service_id, status, drift FROM audit_job_results WHERE job_id = ? AND service_id > ? ORDER BY service_id LIMIT ?`
	qAuditResultsByStatus = `SELECT service_id, status, drift FROM audit_job_results INDEXED BY audit_job_results_status WHERE job_id = ? AND status = ? AND service_id > ? ORDER BY service_id LIMIT ?`
	// qPrunableAuditJobs lists the finished jobs from the (keep+1)th newest finished one down.
	qPrunableAuditJobs = `SELECT id FROM audit_jobs INDEXED BY audit_jobs_created WHERE state IN ('done', 'failed')
		AND (created, id) <= (SELECT created, id FROM audit_jobs INDEXED BY audit_jobs_created WHERE state IN ('done', 'failed')
			ORDER BY created DESC, id DESC LIMIT 1 OFFSET ?)
		ORDER BY created, id LIMIT 1000`
	qDeleteAuditJob     = `DELETE FROM audit_jobs WHERE id = ?`
	qOwnedTargets       = `SELECT DISTINCT target FROM owned_sets ORDER BY target`
	qOwnedSetsOn        = `SELECT o.service_id, o.leaves, s.version, s.state FROM owned_sets o JOIN services s ON s.id = o.service_id WHERE o.target = ? ORDER BY o.service_id`
	qPutAuditSchedule   = `INSERT OR REPLACE INTO audit_schedules (id, scope, every, next_at, user, created, last_job) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qListAuditSchedules = `SELECT id, scope, every, next_at, user, created, last_job FROM audit_schedules ORDER BY id`
	qDeleteAuditSched   = `DELETE FROM audit_schedules WHERE id = ?`
	qPutTargetSync      = `INSERT INTO target_sync (target, state, services, drifted, error, detail, job, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (target) DO UPDATE SET state = excluded.state, services = excluded.services, drifted = excluded.drifted,
			error = excluded.error, detail = excluded.detail, job = excluded.job, at = excluded.at
		WHERE target_sync.at <= excluded.at`
	qTargetSyncCols = `target, state, services, drifted, error, detail, job, at`
	qAllTargetSync  = `SELECT ` + qTargetSyncCols + ` FROM target_sync ORDER BY target`
)

func qTargetSyncOf(n int) string {
	return `SELECT ` + qTargetSyncCols + ` FROM target_sync WHERE target IN (` + placeholders(n) + `) ORDER BY target`
}

// insAuditResults inserts a job's results, 4 columns a row.
var insAuditResults = multiRow(`INSERT OR REPLACE INTO audit_job_results (job_id, service_id, status, drift) VALUES `, `(?, ?, ?, ?)`, "")

// qOwnedSetsOfN reads the sets of n services.
func qOwnedSetsOfN(n int) string {
	return `SELECT o.service_id, o.target, o.leaves, s.version, s.state FROM owned_sets o JOIN services s ON s.id = o.service_id
		WHERE o.service_id IN (` + placeholders(n) + `) ORDER BY o.service_id, o.target`
}

func optTime(n int64) *time.Time {
	if n == 0 {
		return nil
	}
	t := fromNano(n)
	return &t
}

func optNano(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return unixNano(*t)
}

func scanAuditJob(sc scanner) (AuditJob, error) {
	var j AuditJob
	var scope sql.NullString
	var created, started, finished int64
	if err := sc.Scan(&j.ID, &scope, &j.Schedule, &j.State, &j.User, &j.Error, &j.Services, &j.InSync, &j.Drifted,
		&j.Unknown, &j.Targets, &j.Unreachable, &created, &started, &finished); err != nil {
		return AuditJob{}, err
	}
	j.Scope = rawJSON(scope)
	j.Created, j.Started, j.Finished = fromNano(created), optTime(started), optTime(finished)
	return j, nil
}

// CreateAuditJob stores a new audit job.
func (s *SQLite) CreateAuditJob(ctx context.Context, j AuditJob) error {
	if len(j.Scope) == 0 {
		j.Scope = json.RawMessage(`{}`)
	}
	err := s.write(ctx, func(tx *wtx) error {
		var one int
		switch err := tx.QueryRowContext(ctx, qAuditJobExists, j.ID).Scan(&one); {
		case err == nil:
			return fmt.Errorf("audit job %s: %w", j.ID, ErrExists)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err := tx.ExecContext(ctx, qInsertAuditJob, j.ID, string(j.Scope), j.Schedule, j.State, j.User, j.Error, j.Services,
			j.InSync, j.Drifted, j.Unknown, j.Targets, j.Unreachable, unixNano(nowOr(j.Created)), optNano(j.Started), optNano(j.Finished))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create audit job %s: %w", j.ID, err)
	}
	return nil
}

// UpdateAuditJob writes a job's state, counters and times.
func (s *SQLite) UpdateAuditJob(ctx context.Context, j AuditJob) error {
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qUpdateAuditJob, j.State, j.Error, j.Services, j.InSync, j.Drifted, j.Unknown,
			j.Targets, j.Unreachable, optNano(j.Started), optNano(j.Finished), j.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: update audit job %s: %w", j.ID, err)
	}
	return nil
}

// GetAuditJob returns one audit job, or ErrNotFound.
func (s *SQLite) GetAuditJob(ctx context.Context, id string) (AuditJob, error) {
	j, err := scanAuditJob(s.read().QueryRowContext(ctx, qGetAuditJob, id))
	if errors.Is(err, sql.ErrNoRows) {
		return AuditJob{}, fmt.Errorf("store: audit job %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return AuditJob{}, fmt.Errorf("store: audit job %s: %w", id, err)
	}
	return j, nil
}

// ListAuditJobs pages audit jobs newest first.
func (s *SQLite) ListAuditJobs(ctx context.Context, after string, lim int) ([]AuditJob, string, error) {
	n := limit(lim, DefaultPageSize, MaxPageSize)
	k, id := int64(math.MaxInt64), ""
	if after != "" {
		var err error
		if k, id, err = decodeCursor(after); err != nil {
			return nil, "", fmt.Errorf("store: list audit jobs: %w", err)
		}
	}
	rows, err := s.read().QueryContext(ctx, qListAuditJobs, k, id, n+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: list audit jobs: %w", err)
	}
	out, err := collect(rows, scanAuditJob)
	if err != nil {
		return nil, "", fmt.Errorf("store: list audit jobs: %w", err)
	}
	var next string
	if len(out) > n {
		out = out[:n]
		next = encodeCursor(unixNano(out[n-1].Created), out[n-1].ID)
	}
	return out, next, nil
}

// PutAuditResults adds results to a job and records them as their services' latest outcomes.
func (s *SQLite) PutAuditResults(ctx context.Context, job, user string, at time.Time, rs []AuditServiceResult) error {
	at = nowOr(at)
	err := s.write(ctx, func(tx *wtx) error {
		var one int
		switch err := tx.QueryRowContext(ctx, qAuditJobExists, job).Scan(&one); {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		}
		if len(rs) == 0 {
			return nil
		}
		args := make([]any, 0, 4*len(rs))
		lo, hi := rs[0].Service, rs[0].Service
		for _, r := range rs {
			args = append(args, job, r.Service, r.Status, jsonText(r.Drift))
			lo, hi = min(lo, r.Service), max(hi, r.Service)
		}
		if err := insertRows(ctx, tx, insAuditResults, 4, args); err != nil {
			return err
		}
		// The range may hold results an earlier call added: they are copied again, the same.
		if _, err := tx.ExecContext(ctx, qPutLatestOutcomes, job, user, unixNano(at), lo, hi); err != nil {
			return fmt.Errorf("latest outcomes: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put results of audit job %s: %w", job, err)
	}
	return nil
}

// ListAuditResults pages a job's results in service order.
func (s *SQLite) ListAuditResults(ctx context.Context, f AuditResultFilter) ([]AuditServiceResult, string, error) {
	n := limit(f.Limit, DefaultPageSize, MaxPageSize)
	after := ""
	if f.After != "" {
		var err error
		if _, after, err = decodeCursor(f.After); err != nil {
			return nil, "", fmt.Errorf("store: audit results of %s: %w", f.Job, err)
		}
	}
	var rows *sql.Rows
	var err error
	if f.Status == "" {
		rows, err = s.read().QueryContext(ctx, qAuditResults, f.Job, after, n+1)
	} else {
		rows, err = s.read().QueryContext(ctx, qAuditResultsByStatus, f.Job, f.Status, after, n+1)
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: audit results of %s: %w", f.Job, err)
	}
	out, err := collect(rows, func(sc scanner) (AuditServiceResult, error) {
		r := AuditServiceResult{Job: f.Job}
		var drift sql.NullString
		err := sc.Scan(&r.Service, &r.Status, &drift)
		r.Drift = rawJSON(drift)
		return r, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("store: audit results of %s: %w", f.Job, err)
	}
	var next string
	if len(out) > n {
		out = out[:n]
		next = encodeCursor(0, out[n-1].Service)
	}
	return out, next, nil
}

// PruneAuditJobs deletes finished jobs older than the keep newest, with their results.
func (s *SQLite) PruneAuditJobs(ctx context.Context, keep int) (int, error) {
	if keep < 0 {
		keep = 0
	}
	deleted := 0
	for {
		rows, err := s.read().QueryContext(ctx, qPrunableAuditJobs, keep)
		if err != nil {
			return deleted, fmt.Errorf("store: prune audit jobs: %w", err)
		}
		ids, err := collect(rows, func(sc scanner) (string, error) {
			var id string
			err := sc.Scan(&id)
			return id, err
		})
		if err != nil {
			return deleted, fmt.Errorf("store: prune audit jobs: %w", err)
		}
		if len(ids) == 0 {
			return deleted, nil
		}
		// One job a transaction: a job's results may be many rows.
		for _, id := range ids {
			if err := s.write(ctx, func(tx *wtx) error {
				_, err := tx.ExecContext(ctx, qDeleteAuditJob, id)
				return err
			}); err != nil {
				return deleted, fmt.Errorf("store: prune audit job %s: %w", id, err)
			}
			deleted++
		}
	}
}

// OwnedTargets lists the targets services own configuration on.
func (s *SQLite) OwnedTargets(ctx context.Context) ([]string, error) {
	rows, err := s.read().QueryContext(ctx, qOwnedTargets)
	if err != nil {
		return nil, fmt.Errorf("store: owned targets: %w", err)
	}
	out, err := collect(rows, func(sc scanner) (string, error) {
		var t string
		err := sc.Scan(&t)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: owned targets: %w", err)
	}
	return out, nil
}

// OwnedSetsOn calls fn with every set on target in service order.
func (s *SQLite) OwnedSetsOn(ctx context.Context, target string, fn func(OwnedSet) error) error {
	rows, err := s.read().QueryContext(ctx, qOwnedSetsOn, target)
	if err != nil {
		return fmt.Errorf("store: owned sets on %s: %w", target, err)
	}
	defer rows.Close()
	for rows.Next() {
		set := OwnedSet{Target: target}
		var blob []byte
		if err := rows.Scan(&set.Service, &blob, &set.Version, &set.State); err != nil {
			return fmt.Errorf("store: owned sets on %s: %w", target, err)
		}
		if set.Leaves, err = decodeLeaves(target, blob); err != nil {
			return fmt.Errorf("store: owned set of %s on %s: %w", set.Service, target, err)
		}
		if err := fn(set); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: owned sets on %s: %w", target, err)
	}
	return nil
}

// OwnedSetsOf returns the sets of services on every target.
func (s *SQLite) OwnedSetsOf(ctx context.Context, services []string) ([]OwnedSet, error) {
	var out []OwnedSet
	for _, c := range chunk(dedupe(services), maxParams) {
		args := make([]any, len(c))
		for i, id := range c {
			args[i] = id
		}
		rows, err := s.read().QueryContext(ctx, qOwnedSetsOfN(len(c)), args...)
		if err != nil {
			return nil, fmt.Errorf("store: owned sets of %d services: %w", len(c), err)
		}
		sets, err := collect(rows, func(sc scanner) (OwnedSet, error) {
			var set OwnedSet
			var blob []byte
			if err := sc.Scan(&set.Service, &set.Target, &blob, &set.Version, &set.State); err != nil {
				return set, err
			}
			var err error
			if set.Leaves, err = decodeLeaves(set.Target, blob); err != nil {
				return set, fmt.Errorf("set of %s on %s: %w", set.Service, set.Target, err)
			}
			return set, nil
		})
		if err != nil {
			return nil, fmt.Errorf("store: owned sets of %d services: %w", len(c), err)
		}
		out = append(out, sets...)
	}
	return out, nil
}

// PutAuditSchedule creates or replaces a schedule.
func (s *SQLite) PutAuditSchedule(ctx context.Context, a AuditSchedule) error {
	if a.Every <= 0 {
		return fmt.Errorf("store: audit schedule %s: interval %s is not positive", a.ID, a.Every)
	}
	if len(a.Scope) == 0 {
		a.Scope = json.RawMessage(`{}`)
	}
	err := s.write(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, qPutAuditSchedule, a.ID, string(a.Scope), int64(a.Every), unixNano(a.Next), a.User,
			unixNano(nowOr(a.Created)), a.LastJob)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: put audit schedule %s: %w", a.ID, err)
	}
	return nil
}

// ListAuditSchedules returns every schedule by id.
func (s *SQLite) ListAuditSchedules(ctx context.Context) ([]AuditSchedule, error) {
	rows, err := s.read().QueryContext(ctx, qListAuditSchedules)
	if err != nil {
		return nil, fmt.Errorf("store: audit schedules: %w", err)
	}
	out, err := collect(rows, func(sc scanner) (AuditSchedule, error) {
		var a AuditSchedule
		var scope sql.NullString
		var every, next, created int64
		err := sc.Scan(&a.ID, &scope, &every, &next, &a.User, &created, &a.LastJob)
		a.Scope, a.Every, a.Next, a.Created = rawJSON(scope), time.Duration(every), fromNano(next), fromNano(created)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: audit schedules: %w", err)
	}
	return out, nil
}

// DeleteAuditSchedule removes a schedule.
func (s *SQLite) DeleteAuditSchedule(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qDeleteAuditSched, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete audit schedule %s: %w", id, err)
	}
	return nil
}

// PutTargetSync records targets' sync states.
func (s *SQLite) PutTargetSync(ctx context.Context, ts []TargetSync) error {
	err := s.write(ctx, func(tx *wtx) error {
		for _, t := range ts {
			if _, err := tx.ExecContext(ctx, qPutTargetSync, t.Target, t.State, t.Services, t.Drifted, t.Error, t.Detail, t.Job, unixNano(nowOr(t.At))); err != nil {
				return fmt.Errorf("target %s: %w", t.Target, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put target sync: %w", err)
	}
	return nil
}

// TargetSyncs returns recorded target sync states.
func (s *SQLite) TargetSyncs(ctx context.Context, targets ...string) ([]TargetSync, error) {
	scan := func(sc scanner) (TargetSync, error) {
		var t TargetSync
		var at int64
		err := sc.Scan(&t.Target, &t.State, &t.Services, &t.Drifted, &t.Error, &t.Detail, &t.Job, &at)
		t.At = fromNano(at)
		return t, err
	}
	if len(targets) == 0 {
		rows, err := s.read().QueryContext(ctx, qAllTargetSync)
		if err != nil {
			return nil, fmt.Errorf("store: target sync: %w", err)
		}
		out, err := collect(rows, scan)
		if err != nil {
			return nil, fmt.Errorf("store: target sync: %w", err)
		}
		return out, nil
	}
	var out []TargetSync
	for _, c := range chunk(dedupe(targets), maxParams) {
		args := make([]any, len(c))
		for i, t := range c {
			args[i] = t
		}
		rows, err := s.read().QueryContext(ctx, qTargetSyncOf(len(c)), args...)
		if err != nil {
			return nil, fmt.Errorf("store: target sync: %w", err)
		}
		ts, err := collect(rows, scan)
		if err != nil {
			return nil, fmt.Errorf("store: target sync: %w", err)
		}
		out = append(out, ts...)
	}
	return out, nil
}
