package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

func runArgs(r Run, now time.Time) ([]any, error) {
	var targets any
	if len(r.Targets) > 0 {
		b, err := json.Marshal(r.Targets)
		if err != nil {
			return nil, err
		}
		targets = string(b)
	}
	var finished any
	if r.Finished != nil {
		finished = unixNano(*r.Finished)
	}
	return []any{r.ID, r.Service, r.Kind, r.State, r.User, r.PlanID, r.Error, targets, jsonText(r.Request),
		unixNano(nowOr(r.Created)), unixNano(nowOr(r.Updated)), finished}, nil
}

func scanRun(sc scanner) (Run, error) {
	var (
		r                Run
		targets, request sql.NullString
		created, updated int64
		finished         sql.NullInt64
	)
	if err := sc.Scan(&r.ID, &r.Service, &r.Kind, &r.State, &r.User, &r.PlanID, &r.Error, &targets, &request,
		&created, &updated, &finished); err != nil {
		return Run{}, err
	}
	if b := rawJSON(targets); b != nil {
		if err := json.Unmarshal(b, &r.Targets); err != nil {
			return Run{}, fmt.Errorf("run %s targets: %w", r.ID, err)
		}
	}
	r.Request = rawJSON(request)
	r.Created, r.Updated = fromNano(created), fromNano(updated)
	if finished.Valid {
		t := fromNano(finished.Int64)
		r.Finished = &t
	}
	return r, nil
}

// CreateRun stores a new run; ErrExists when its id is taken. Zero Created and Updated
// times are set to now.
func (s *SQLite) CreateRun(ctx context.Context, r Run) error {
	if r.ID == "" {
		return errors.New("store: create run: empty id")
	}
	args, err := runArgs(r, time.Now())
	if err != nil {
		return fmt.Errorf("store: create run %s: %w", r.ID, err)
	}
	err = s.write(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, qInsertRun, args...)
		return err
	})
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("store: create run %s: %w", r.ID, ErrExists)
		}
		return fmt.Errorf("store: create run %s: %w", r.ID, err)
	}
	return nil
}

// UpdateRun replaces a stored run's mutable fields (everything but id and created); a nil
// Request keeps the stored one and a zero Updated becomes now. ErrNotFound when the run does
// not exist.
func (s *SQLite) UpdateRun(ctx context.Context, r Run) error {
	if err := s.UpdateRuns(ctx, []Run{r}, nil); err != nil {
		return fmt.Errorf("store: update run %s: %w", r.ID, err)
	}
	return nil
}

// UpdateRuns updates several runs as UpdateRun does and appends evs, in one transaction;
// nothing is written when one of the runs does not exist (ErrNotFound).
func (s *SQLite) UpdateRuns(ctx context.Context, rs []Run, evs []Event) error {
	upds := make([][]any, len(rs))
	for i, r := range rs {
		args, err := runArgs(r, time.Now())
		if err != nil {
			return fmt.Errorf("store: update run %s: %w", r.ID, err)
		}
		// runArgs order: id, service, kind, state, user, plan, error, targets, request, created, updated, finished.
		upds[i] = []any{args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[10], args[11], args[0]}
	}
	return s.write(ctx, func(tx *wtx) error {
		for i, upd := range upds {
			res, err := tx.ExecContext(ctx, qUpdateRun, upd...)
			if err != nil {
				return fmt.Errorf("store: update run %s: %w", rs[i].ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("store: update run %s: %w", rs[i].ID, ErrNotFound)
			}
		}
		for _, ev := range evs {
			if _, err := insertEvent(ctx, tx, ev); err != nil {
				return fmt.Errorf("store: append event %s: %w", ev.Type, err)
			}
		}
		return nil
	})
}

// GetRun returns a run or ErrNotFound.
func (s *SQLite) GetRun(ctx context.Context, id string) (Run, error) {
	r, err := scanRun(s.read().QueryRowContext(ctx, qGetRun, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("store: get run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("store: get run %s: %w", id, err)
	}
	return r, nil
}

// ListRuns returns runs newest first (by created, then id), of one service or of all when
// service is "", and the cursor of the next page ("" on the last). limit defaults to 50, at
// most 1000.
func (s *SQLite) ListRuns(ctx context.Context, service string, after string, lim int) ([]Run, string, error) {
	n := limit(lim, DefaultPageSize, MaxPageSize)
	k, id := int64(math.MaxInt64), ""
	if after != "" {
		var err error
		if k, id, err = decodeCursor(after); err != nil {
			return nil, "", fmt.Errorf("store: list runs: %w", err)
		}
	}
	var rows *sql.Rows
	var err error
	if service == "" {
		rows, err = s.read().QueryContext(ctx, qRunsAll, k, id, n+1)
	} else {
		rows, err = s.read().QueryContext(ctx, qRunsByService, service, k, id, n+1)
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: list runs: %w", err)
	}
	out, err := collect(rows, scanRun)
	if err != nil {
		return nil, "", fmt.Errorf("store: list runs: %w", err)
	}
	var next string
	if len(out) > n {
		out = out[:n]
		next = encodeCursor(unixNano(out[n-1].Created), out[n-1].ID)
	}
	return out, next, nil
}

// UnfinishedRuns returns the runs in state pending or running, oldest first (a partial index
// holds only them).
func (s *SQLite) UnfinishedRuns(ctx context.Context) ([]Run, error) {
	rows, err := s.read().QueryContext(ctx, qUnfinishedRuns)
	if err != nil {
		return nil, fmt.Errorf("store: unfinished runs: %w", err)
	}
	out, err := collect(rows, scanRun)
	if err != nil {
		return nil, fmt.Errorf("store: unfinished runs: %w", err)
	}
	return out, nil
}

// AppendJournal appends steps to runs' journals in one transaction. Seq 0 takes the next
// number (1, 2, ...); an explicit Seq already used is ErrExists. The run must exist
// (ErrNotFound otherwise); nothing is written when one entry is refused.
func (s *SQLite) AppendJournal(ctx context.Context, es ...JournalEntry) error {
	var failed JournalEntry
	err := s.write(ctx, func(tx *wtx) error {
		for _, e := range es {
			failed = e
			seq := e.Seq
			if seq == 0 {
				if err := tx.QueryRowContext(ctx, qJournalNextSeq, e.RunID).Scan(&seq); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, qInsertJournal, e.RunID, seq, e.Step, e.Phase, journalData(e.Data), unixNano(nowOr(e.At))); err != nil {
				return err
			}
			if e.Event != nil {
				if _, err := insertEvent(ctx, tx, *e.Event); err != nil {
					return err
				}
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case isUnique(err):
		return fmt.Errorf("store: journal of run %s: seq %d: %w", failed.RunID, failed.Seq, ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("store: journal of run %s: %w", failed.RunID, ErrNotFound)
	default:
		return fmt.Errorf("store: journal of run %s: %w", failed.RunID, err)
	}
}

// journalDeflateAt is the size from which a journal entry's data is kept deflated (a batch's
// plans are tens of kilobytes of repetitive paths; deflated they cost a fifth on disk, in
// the WAL and in the checkpoint).
const journalDeflateAt = 1024

// journalData is the column value of an entry's data: JSON text, or deflated JSON as a blob.
func journalData(b []byte) any {
	if len(b) < journalDeflateAt {
		return jsonText(b)
	}
	return deflate(b)
}

// journalJSON reads journalData back.
func journalJSON(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" {
			return nil, nil
		}
		return []byte(v), nil
	case []byte:
		b, err := inflate(v)
		if err != nil {
			return nil, fmt.Errorf("inflate data: %w", err)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("data of type %T", v)
	}
}

// Journal returns a run's journal in seq order.
func (s *SQLite) Journal(ctx context.Context, runID string) ([]JournalEntry, error) {
	rows, err := s.read().QueryContext(ctx, qJournal, runID)
	if err != nil {
		return nil, fmt.Errorf("store: journal of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []JournalEntry
	for rows.Next() {
		var e JournalEntry
		var data any
		var at int64
		if err := rows.Scan(&e.RunID, &e.Seq, &e.Step, &e.Phase, &data, &at); err != nil {
			return nil, fmt.Errorf("store: journal of run %s: %w", runID, err)
		}
		d, err := journalJSON(data)
		if err != nil {
			return nil, fmt.Errorf("store: journal of run %s, entry %d: %w", runID, e.Seq, err)
		}
		e.Data, e.At = d, fromNano(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: journal of run %s: %w", runID, err)
	}
	return out, nil
}

// SavePlan stores a plan; plans are immutable, so a taken id is ErrExists.
func (s *SQLite) SavePlan(ctx context.Context, p Plan) error {
	err := s.write(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, qSavePlan, p.ID, p.Service, p.Kind, p.Hash, p.BaseVersion, jsonText(p.Body), p.User,
			unixNano(nowOr(p.Created)))
		return err
	})
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("store: save plan %s: %w", p.ID, ErrExists)
		}
		return fmt.Errorf("store: save plan %s: %w", p.ID, err)
	}
	return nil
}

// GetPlan returns a plan or ErrNotFound.
func (s *SQLite) GetPlan(ctx context.Context, id string) (Plan, error) {
	var p Plan
	var body sql.NullString
	var created int64
	err := s.read().QueryRowContext(ctx, qGetPlan, id).Scan(&p.ID, &p.Service, &p.Kind, &p.Hash, &p.BaseVersion, &body, &p.User, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Plan{}, fmt.Errorf("store: get plan %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Plan{}, fmt.Errorf("store: get plan %s: %w", id, err)
	}
	p.Body, p.Created = rawJSON(body), fromNano(created)
	return p, nil
}

// PutDevices inserts or replaces inventory devices in one transaction. A zero Seen is now.
func (s *SQLite) PutDevices(ctx context.Context, ds []Device) error {
	now := time.Now().UTC()
	err := s.write(ctx, func(tx *wtx) error {
		for _, d := range ds {
			if d.Name == "" {
				return errors.New("device with empty name")
			}
			seen := d.Seen
			if seen.IsZero() {
				seen = now
			}
			if _, err := tx.ExecContext(ctx, qUpsertDevice, d.Name, d.Vendor, d.NMS, jsonText(d.Data), unixNano(seen)); err != nil {
				return fmt.Errorf("device %s: %w", d.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put devices: %w", err)
	}
	return nil
}

func scanDevice(sc scanner) (Device, error) {
	var d Device
	var data sql.NullString
	var seen int64
	if err := sc.Scan(&d.Name, &d.Vendor, &d.NMS, &data, &seen); err != nil {
		return Device{}, err
	}
	d.Data, d.Seen = rawJSON(data), fromNano(seen)
	return d, nil
}

// GetDevice returns a device or ErrNotFound.
func (s *SQLite) GetDevice(ctx context.Context, name string) (Device, error) {
	d, err := scanDevice(s.read().QueryRowContext(ctx, qGetDevice, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, fmt.Errorf("store: get device %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Device{}, fmt.Errorf("store: get device %s: %w", name, err)
	}
	return d, nil
}

// ListDevices returns every device ordered by name (inventories hold thousands of devices,
// not millions).
func (s *SQLite) ListDevices(ctx context.Context) ([]Device, error) {
	rows, err := s.read().QueryContext(ctx, qListDevices)
	if err != nil {
		return nil, fmt.Errorf("store: list devices: %w", err)
	}
	out, err := collect(rows, scanDevice)
	if err != nil {
		return nil, fmt.Errorf("store: list devices: %w", err)
	}
	return out, nil
}

// PortUsers returns the ids of services with an endpoint on (device, port), ordered by id;
// limit defaults to 50, at most 1000.
func (s *SQLite) PortUsers(ctx context.Context, device, port string, lim int) ([]string, error) {
	rows, err := s.read().QueryContext(ctx, qPortUsers, device, port, limit(lim, DefaultPageSize, MaxPageSize))
	if err != nil {
		return nil, fmt.Errorf("store: port users %s %s: %w", device, port, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: port users %s %s: %w", device, port, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: port users %s %s: %w", device, port, err)
	}
	return out, nil
}

func insertEvent(ctx context.Context, tx *wtx, e Event) (int64, error) {
	res, err := tx.ExecContext(ctx, qInsertEvent, e.Type, e.Service, e.RunID, jsonText(e.Data), unixNano(nowOr(e.At)))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// AppendEvent appends an event and returns its seq (increasing, never reused). A zero At is
// now.
func (s *SQLite) AppendEvent(ctx context.Context, e Event) (int64, error) {
	var seq int64
	err := s.write(ctx, func(tx *wtx) error {
		var err error
		seq, err = insertEvent(ctx, tx, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: append event %s: %w", e.Type, err)
	}
	return seq, nil
}

// EventsAfter returns up to limit events with seq > seq in seq order; limit defaults to 50,
// at most 1000.
func (s *SQLite) EventsAfter(ctx context.Context, seq int64, lim int) ([]Event, error) {
	rows, err := s.read().QueryContext(ctx, qEventsAfter, seq, limit(lim, DefaultPageSize, MaxPageSize))
	if err != nil {
		return nil, fmt.Errorf("store: events after %d: %w", seq, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var data sql.NullString
		var at int64
		if err := rows.Scan(&e.Seq, &e.Type, &e.Service, &e.RunID, &data, &at); err != nil {
			return nil, fmt.Errorf("store: events after %d: %w", seq, err)
		}
		e.Data, e.At = rawJSON(data), fromNano(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: events after %d: %w", seq, err)
	}
	return out, nil
}

// isUnique reports a UNIQUE or PRIMARY KEY constraint violation.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isForeignKey reports a FOREIGN KEY constraint violation.
func isForeignKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}
