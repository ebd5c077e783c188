package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// IdempotencyRecord is the kept response of a request sent with an Idempotency-Key.
type IdempotencyRecord struct {
	User string
	Key  string
	// Fingerprint identifies the request the key was first used with (a hash).
	Fingerprint []byte
	Status      int
	Header      map[string][]string
	Body        []byte
	Created     time.Time
	// Expires is when the key may be used for another request.
	Expires time.Time
}

// Idempotency keeps the responses of requests sent with an Idempotency-Key.
type Idempotency interface {
	// PutIdempotency stores a record. A record of (User, Key) that has not expired at
	// r.Created is kept and ErrExists returned; an expired one is replaced.
	PutIdempotency(ctx context.Context, r IdempotencyRecord) error
	// GetIdempotency returns the record of (user, key), or ErrNotFound when there is none or
	// it expired at now.
	GetIdempotency(ctx context.Context, user, key string, now time.Time) (IdempotencyRecord, error)
	// PruneIdempotency deletes the records expired at now and returns how many.
	PruneIdempotency(ctx context.Context, now time.Time) (int64, error)
}

var _ Idempotency = (*SQLite)(nil)

const (
	qPutIdempotency = `INSERT INTO idempotency (user, key, fingerprint, status, header, body, created, expires)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
		ON CONFLICT (user, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
			header = excluded.header, body = excluded.body, created = excluded.created, expires = excluded.expires
		WHERE idempotency.expires <= excluded.created`
	qGetIdempotency = `SELECT fingerprint, status, header, body, created, expires FROM idempotency
		WHERE user = ? AND key = ? AND expires > ?`
	qPruneIdempotency = `DELETE FROM idempotency WHERE expires <= ?`
)

// PutIdempotency stores a record unless an unexpired one holds its (user, key).
func (s *SQLite) PutIdempotency(ctx context.Context, r IdempotencyRecord) error {
	if r.User == "" && r.Key == "" {
		return errors.New("store: put idempotency: empty key")
	}
	created := nowOr(r.Created)
	var hdr []byte
	if len(r.Header) > 0 {
		var err error
		if hdr, err = json.Marshal(r.Header); err != nil {
			return fmt.Errorf("store: put idempotency %s: header: %w", r.Key, err)
		}
	}
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qPutIdempotency, r.User, r.Key, r.Fingerprint, r.Status, jsonText(hdr), r.Body,
			unixNano(created), unixNano(r.Expires))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrExists
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put idempotency %s: %w", r.Key, err)
	}
	return nil
}

// GetIdempotency returns the unexpired record of (user, key).
func (s *SQLite) GetIdempotency(ctx context.Context, user, key string, now time.Time) (IdempotencyRecord, error) {
	r := IdempotencyRecord{User: user, Key: key}
	var hdr sql.NullString
	var created, expires int64
	err := s.read().QueryRowContext(ctx, qGetIdempotency, user, key, unixNano(nowOr(now))).
		Scan(&r.Fingerprint, &r.Status, &hdr, &r.Body, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return IdempotencyRecord{}, fmt.Errorf("store: idempotency key %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return IdempotencyRecord{}, fmt.Errorf("store: idempotency key %s: %w", key, err)
	}
	if raw := rawJSON(hdr); raw != nil {
		if err := json.Unmarshal(raw, &r.Header); err != nil {
			return IdempotencyRecord{}, fmt.Errorf("store: idempotency key %s: header: %w", key, err)
		}
	}
	r.Created, r.Expires = fromNano(created), fromNano(expires)
	return r, nil
}

// PruneIdempotency deletes expired records.
func (s *SQLite) PruneIdempotency(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qPruneIdempotency, unixNano(nowOr(now)))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune idempotency: %w", err)
	}
	return n, nil
}
