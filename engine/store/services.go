package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxParams bounds the parameters of one batched IN query (SQLite's default limit is far
// higher, PostgreSQL's is 65535; 500 keeps statements small and plans cached).
const maxParams = 500

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row with scan and closes rows. Its error is bare: the caller wraps it
// with the same context as the query's own error.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func scanService(sc scanner) (Service, error) {
	var (
		s                         Service
		intent                    sql.NullString
		created, updated, version int64
	)
	if err := sc.Scan(&s.ID, &s.Type, &s.Customer, &s.State, &intent, &s.PackVersion, &version, &created, &updated, &s.LastRun); err != nil {
		return Service{}, err
	}
	s.Intent = rawJSON(intent)
	s.Version = version
	s.Created, s.Updated = fromNano(created), fromNano(updated)
	return s, nil
}

// GetService returns a service with its endpoints, or ErrNotFound.
func (s *SQLite) GetService(ctx context.Context, id string) (Service, error) {
	svc, err := scanService(s.read().QueryRowContext(ctx, qGetService, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Service{}, fmt.Errorf("store: get service %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Service{}, fmt.Errorf("store: get service %s: %w", id, err)
	}
	rows, err := s.read().QueryContext(ctx, qServiceEndpoints, id)
	if err != nil {
		return Service{}, fmt.Errorf("store: get service %s: endpoints: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e EndpointRef
		if err := rows.Scan(&e.Device, &e.Port); err != nil {
			return Service{}, fmt.Errorf("store: get service %s: endpoints: %w", id, err)
		}
		svc.Endpoints = append(svc.Endpoints, e)
	}
	if err := rows.Err(); err != nil {
		return Service{}, fmt.Errorf("store: get service %s: endpoints: %w", id, err)
	}
	return svc, nil
}

// serviceSort is one whitelisted sort order of ListServices.
type serviceSort struct {
	order string // ORDER BY clause
	// after is the keyset condition for the cursor; byUpdated says whether it binds the
	// updated time before the id.
	after     string
	byUpdated bool
}

var serviceSorts = map[string]serviceSort{
	"":         {order: "s.id", after: "s.id > ?"},
	"id":       {order: "s.id", after: "s.id > ?"},
	"-id":      {order: "s.id DESC", after: "s.id < ?"},
	"updated":  {order: "s.updated, s.id", after: "(s.updated, s.id) > (?, ?)", byUpdated: true},
	"-updated": {order: "s.updated DESC, s.id DESC", after: "(s.updated, s.id) < (?, ?)", byUpdated: true},
}

// Page sizes of ListServices.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// encodeCursor makes the opaque cursor of a service page: the sort key and the id.
func encodeCursor(updated int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(updated, 10) + "\x00" + id))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	k, id, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return 0, "", ErrBadCursor
	}
	n, err := strconv.ParseInt(k, 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	return n, id, nil
}

// serviceWhere builds the FROM and WHERE of a service filter from fixed fragments; the
// values are returned as arguments.
func serviceWhere(f ServiceFilter) (from string, where []string, args []any) {
	from = "services s"
	if f.Device != "" {
		// Drive from the endpoint index: the services on a device (and port) are found
		// without touching the others.
		sub := "SELECT DISTINCT service_id FROM service_endpoints WHERE device = ?"
		args = append(args, f.Device)
		if f.Port != "" {
			sub += " AND port = ?"
			args = append(args, f.Port)
		}
		from = "(" + sub + ") e CROSS JOIN services s ON s.id = e.service_id"
	}
	if f.Type != "" {
		where = append(where, "s.type = ?")
		args = append(args, f.Type)
	}
	if f.State != "" {
		where = append(where, "s.state = ?")
		args = append(args, f.State)
	}
	if f.Customer != "" {
		where = append(where, "s.customer = ?")
		args = append(args, f.Customer)
	}
	for _, term := range QueryTerms(f.Query) {
		// Each term is found, without regard to ASCII case, in the id, the customer or the
		// intent's JSON text (which holds the description, the devices, ports and VLANs).
		where = append(where, "(instr(lower(s.id), ?) > 0 OR instr(lower(coalesce(s.customer, '')), ?) > 0 OR instr(lower(coalesce(s.intent, '')), ?) > 0)")
		args = append(args, term, term, term)
	}
	return from, where, args
}

// MaxQueryTerms bounds the words of a ServiceFilter.Query that are matched; more are ignored.
const MaxQueryTerms = 8

// QueryTerms splits a free-text query into the terms ServiceFilter.Query matches: words
// separated by white space, ASCII-lowercased (as SQLite's lower()), without repeats, at most
// MaxQueryTerms.
func QueryTerms(q string) []string {
	var out []string
	for _, w := range strings.Fields(q) {
		b := []byte(w)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + ('a' - 'A')
			}
		}
		t := string(b)
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
		if len(out) == MaxQueryTerms {
			break
		}
	}
	return out
}

// listServicesSQL returns the query of a page (without its LIMIT argument).
func listServicesSQL(f ServiceFilter) (string, []any, error) {
	srt, ok := serviceSorts[f.Sort]
	if !ok {
		return "", nil, fmt.Errorf("unknown sort %q (want id, -id, updated or -updated)", f.Sort)
	}
	from, where, args := serviceWhere(f)
	if f.After != "" {
		k, id, err := decodeCursor(f.After)
		if err != nil {
			return "", nil, err
		}
		where = append(where, srt.after)
		if srt.byUpdated {
			args = append(args, k)
		}
		args = append(args, id)
	}
	q := "SELECT " + qServiceCols + " FROM " + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + srt.order + " LIMIT ?"
	return q, args, nil
}

// ListServices returns one page of services in the filter's sort order and the cursor of the
// next page ("" on the last page). Each page walks one index range; filters on device or
// port cost O(matching services) because their matches are sorted for the page, and Query
// (a substring search without an index) costs O(services the other filters select).
func (s *SQLite) ListServices(ctx context.Context, f ServiceFilter) ([]Service, string, error) {
	n := limit(f.Limit, DefaultPageSize, MaxPageSize)
	q, args, err := listServicesSQL(f)
	if err != nil {
		return nil, "", fmt.Errorf("store: list services: %w", err)
	}
	args = append(args, n+1)
	rows, err := s.read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: list services: %w", err)
	}
	defer rows.Close()
	page := make([]Service, 0, min(n+1, 64))
	for rows.Next() {
		svc, err := scanService(rows)
		if err != nil {
			return nil, "", fmt.Errorf("store: list services: %w", err)
		}
		page = append(page, svc)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list services: %w", err)
	}
	rows.Close()
	var next string
	if len(page) > n {
		page = page[:n]
		last := page[n-1]
		next = encodeCursor(unixNano(last.Updated), last.ID)
	}
	if err := s.fillEndpoints(ctx, page); err != nil {
		return nil, "", fmt.Errorf("store: list services: %w", err)
	}
	return page, next, nil
}

// fillEndpoints loads the endpoints of a page of services in batched queries.
func (s *SQLite) fillEndpoints(ctx context.Context, page []Service) error {
	if len(page) == 0 {
		return nil
	}
	idx := make(map[string]int, len(page))
	ids := make([]any, len(page))
	for i, svc := range page {
		idx[svc.ID] = i
		ids[i] = svc.ID
	}
	for _, c := range chunk(ids, maxParams) {
		rows, err := s.read().QueryContext(ctx, `SELECT service_id, device, port FROM service_endpoints WHERE service_id IN (`+
			placeholders(len(c))+`) ORDER BY service_id, device, port`, c...)
		if err != nil {
			return fmt.Errorf("endpoints: %w", err)
		}
		for rows.Next() {
			var id string
			var e EndpointRef
			if err := rows.Scan(&id, &e.Device, &e.Port); err != nil {
				rows.Close()
				return fmt.Errorf("endpoints: %w", err)
			}
			if i, ok := idx[id]; ok {
				page[i].Endpoints = append(page[i].Endpoints, e)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("endpoints: %w", err)
		}
	}
	return nil
}

// CountServices counts the services a filter selects (Query, Sort, After and Limit are
// honoured as in ListServices except that sort and cursor are ignored). Filters on type and
// state alone are answered from counters kept by triggers in O(1); other filters walk their
// index, O(matching services).
func (s *SQLite) CountServices(ctx context.Context, f ServiceFilter) (int64, error) {
	var n int64
	var err error
	switch {
	case f.Customer != "" || f.Device != "" || f.Port != "" || f.Query != "":
		from, where, args := serviceWhere(f)
		q := "SELECT count(*) FROM " + from
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		err = s.read().QueryRowContext(ctx, q, args...).Scan(&n)
	case f.Type != "" && f.State != "":
		err = s.read().QueryRowContext(ctx, qCountByBoth, f.Type, f.State).Scan(&n)
	case f.Type != "":
		err = s.read().QueryRowContext(ctx, qCountByType, f.Type).Scan(&n)
	case f.State != "":
		err = s.read().QueryRowContext(ctx, qCountByState, f.State).Scan(&n)
	default:
		err = s.read().QueryRowContext(ctx, qCountAll).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("store: count services: %w", err)
	}
	return n, nil
}

// PutServiceState sets a service's state, updated time and (when given) last run without
// changing its version. For a service not yet stored it creates a placeholder row at version
// 0 with the given type, customer, intent, pack version and endpoints (so a create in flight
// is visible and its ports are claimed); Record with BaseVersion 0 then completes it.
func (s *SQLite) PutServiceState(ctx context.Context, svc Service) error {
	if svc.ID == "" {
		return fmt.Errorf("store: put service state: empty id")
	}
	now := nowOr(svc.Updated)
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qPutServiceState, svc.State, unixNano(now), svc.LastRun, svc.LastRun, svc.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, qInsertPlaceholder, svc.ID, svc.Type, svc.Customer, svc.State, jsonText(svc.Intent),
			svc.PackVersion, unixNano(nowOr(svc.Created)), unixNano(now), svc.LastRun); err != nil {
			return err
		}
		for _, e := range svc.Endpoints {
			if _, err := tx.ExecContext(ctx, qInsertEndpoint, svc.ID, e.Device, e.Port); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put service state %s: %w", svc.ID, err)
	}
	return nil
}

// Record writes the end of a run in one transaction; see RecordParams.
func (s *SQLite) Record(ctx context.Context, p RecordParams) error {
	err := s.write(ctx, func(tx *wtx) error {
		b, err := prepareBatch(ctx, tx, []RecordParams{p})
		if err != nil {
			return err
		}
		return s.record(ctx, tx, b, &p)
	})
	if err != nil {
		return fmt.Errorf("store: record service %s: %w", p.Service.ID, err)
	}
	return nil
}

// RecordBatch records many services in one transaction: all of them or none (the first error,
// such as ErrStale, rolls the whole batch back and names its service).
func (s *SQLite) RecordBatch(ctx context.Context, ps []RecordParams) error {
	if len(ps) == 0 {
		return nil
	}
	var failed string
	err := s.write(ctx, func(tx *wtx) error {
		b, err := prepareBatch(ctx, tx, ps)
		if err != nil {
			return err
		}
		for i := range ps {
			if err := s.record(ctx, tx, b, &ps[i]); err != nil {
				failed = ps[i].Service.ID
				return err
			}
		}
		return nil
	})
	if err != nil {
		if failed == "" {
			return fmt.Errorf("store: record batch of %d: %w", len(ps), err)
		}
		return fmt.Errorf("store: record batch of %d: service %s: %w", len(ps), failed, err)
	}
	return nil
}

// recordBatch is what a Record or RecordBatch reads and clears once for all its services: a
// batch of 500 costs a few statements here instead of two per service.
type recordBatch struct {
	// versions are the stored versions (absent: no row), kept up to date as records go.
	versions map[string]int64
	// cleared are the services whose endpoints were deleted up front; a service recorded a
	// second time in the batch deletes the endpoints its first record queued.
	cleared map[string]bool
}

func prepareBatch(ctx context.Context, tx *wtx, ps []RecordParams) (*recordBatch, error) {
	b := &recordBatch{versions: make(map[string]int64, len(ps)), cleared: make(map[string]bool, len(ps))}
	ids := make([]any, 0, len(ps))
	for _, p := range ps {
		if id := p.Service.ID; id != "" && !b.cleared[id] {
			b.cleared[id] = true
			ids = append(ids, id)
		}
	}
	for _, c := range chunk(ids, maxParams) {
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(qServiceVersions, placeholders(len(c))), c...)
		if err != nil {
			return nil, fmt.Errorf("versions: %w", err)
		}
		for rows.Next() {
			var id string
			var v int64
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("versions: %w", err)
			}
			b.versions[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("versions: %w", err)
		}
		// Every record replaces its service's endpoints (a delete cascades them anyway).
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(qDeleteEndpointsOf, placeholders(len(c))), c...); err != nil {
			return nil, fmt.Errorf("endpoints: %w", err)
		}
	}
	return b, nil
}

// record is one service's part of Record and RecordBatch.
func (s *SQLite) record(ctx context.Context, tx *wtx, b *recordBatch, p *RecordParams) error {
	svc := &p.Service
	if svc.ID == "" {
		return errors.New("empty service id")
	}
	cur := b.versions[svc.ID]
	if cur != p.BaseVersion {
		return fmt.Errorf("%w: stored version is %d, change is based on %d", ErrStale, cur, p.BaseVersion)
	}
	now := time.Now().UTC()
	if p.Delete {
		// The service row's delete cascades to endpoints, allocations and owned sets; the
		// sets' index entries go first, while the sets still say what they are.
		if err := deleteOwned(ctx, tx, svc.ID); err != nil {
			return fmt.Errorf("owned: %w", err)
		}
		if _, err := tx.ExecContext(ctx, qDeleteService, svc.ID); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		delete(b.versions, svc.ID)
		b.cleared[svc.ID] = true // nothing is left to clear
	} else {
		updated := nowOr(svc.Updated)
		tx.queue(svc.ID, insServices, svc.ID, svc.Type, svc.Customer, svc.State, jsonText(svc.Intent),
			svc.PackVersion, p.BaseVersion+1, unixNano(nowOr(svc.Created)), unixNano(updated), svc.LastRun)
		if !b.cleared[svc.ID] {
			if err := tx.flushFor(ctx, svc.ID); err != nil {
				return fmt.Errorf("endpoints: %w", err)
			}
			if _, err := tx.ExecContext(ctx, qDeleteEndpoints, svc.ID); err != nil {
				return fmt.Errorf("endpoints: %w", err)
			}
		}
		b.cleared[svc.ID] = false
		for _, e := range svc.Endpoints {
			tx.queue(svc.ID, insEndpoints, svc.ID, e.Device, e.Port)
		}
		// A service at version 0 (new, or a placeholder) owns nothing yet: Record is the only
		// writer of owned sets and a delete removes them.
		fresh := cur == 0
		for _, target := range sortedKeys(p.Owned) {
			if err := putOwned(ctx, tx, svc.ID, target, p.Owned[target], fresh); err != nil {
				return fmt.Errorf("owned on %s: %w", target, err)
			}
		}
		for _, a := range p.Release {
			if _, err := tx.ExecContext(ctx, qAllocRelease, a.Pool, a.Scope, svc.ID, a.Key); err != nil {
				return fmt.Errorf("release %s/%s/%s: %w", a.Pool, a.Scope, a.Key, err)
			}
		}
		b.versions[svc.ID] = p.BaseVersion + 1
	}
	for _, target := range sortedKeys(p.External) {
		for _, l := range p.External[target] {
			if _, err := tx.ExecContext(ctx, qInsertExternal, target, l.Path, l.Value); err != nil {
				return fmt.Errorf("external on %s %s: %w", target, l.Path, err)
			}
		}
	}
	if p.Run.ID != "" {
		r := p.Run
		if r.Updated.IsZero() {
			r.Updated = now
		}
		args, err := runArgs(r, now)
		if err != nil {
			return fmt.Errorf("run %s: %w", p.Run.ID, err)
		}
		tx.queue(svc.ID, insRuns, args...)
	}
	if p.Event != nil {
		e := *p.Event
		if e.Service == "" {
			e.Service = svc.ID
		}
		if e.RunID == "" {
			e.RunID = p.Run.ID
		}
		tx.queue(svc.ID, insEvents, e.Type, e.Service, e.RunID, jsonText(e.Data), unixNano(nowOr(e.At)))
	}
	return nil
}

// insertRows inserts the rows in args (cols values each) with the multi-row statements qs
// (qs[k] inserts 2^k rows), largest first. Rows go in order, so a later duplicate wins for
// INSERT OR REPLACE as it would row by row.
func insertRows(ctx context.Context, tx *wtx, qs []string, cols int, args []any) error {
	for k := len(qs) - 1; k >= 0 && len(args) > 0; {
		n := (1 << k) * cols
		if len(args) < n {
			k--
			continue
		}
		if _, err := tx.ExecContext(ctx, qs[k], args[:n]...); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
