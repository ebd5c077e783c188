package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go)
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// SQLiteOptions tune OpenSQLite. The zero value is ready to use.
type SQLiteOptions struct {
	// ReadConns is the size of the read pool (default 4). Writes always go through one
	// connection: SQLite allows one writer, and serializing in Go avoids SQLITE_BUSY.
	ReadConns int
	// BusyTimeout is how long a connection waits for a lock (default 10s).
	BusyTimeout time.Duration
	// CacheKiB is the page cache per connection in KiB (default 16384, i.e. 16 MiB for the
	// writer; readers get a quarter). It bounds memory whatever the number of services.
	CacheKiB int
}

// SQLite is the SQLite implementation of Store and Auth (modernc.org/sqlite, WAL mode).
type SQLite struct {
	*sqliteDB
	// view, when set, is the read transaction every read of this value goes through (a
	// Snapshot); writes still go to the writer.
	view *sql.Tx
}

// sqliteDB is what every view of one database shares.
type sqliteDB struct {
	w *sql.DB // one connection: every write transaction
	r *sql.DB // read pool; the same *sql.DB as w for ":memory:"

	memory bool
	wstmts stmtCache // prepared on w, used through the transaction
	rstmts stmtCache // prepared on r (per read connection, lazily, by database/sql)
	// lastUsedAt throttles token last_used writes (unix seconds of the last flush).
	lastUsedAt atomic.Int64
	// touchFailed is when a last_used write last failed (unix nanoseconds): authentication
	// does not try again for tokenTouchEvery, so a store that cannot write (or whose write
	// lock is held) does not slow every request down.
	touchFailed atomic.Int64
	// writeStmts counts the statements run in write transactions: the scale test reports it
	// per service, the number that bounds the bulk path's store time.
	writeStmts atomic.Int64
}

var (
	_ Store = (*SQLite)(nil)
	_ Auth  = (*SQLite)(nil)
)

// OpenSQLite opens (creating if needed) the database at path and applies the embedded
// migrations. path ":memory:" (or "") gives a private in-memory database on one connection,
// for tests; it is gone when closed.
func OpenSQLite(ctx context.Context, path string, opts SQLiteOptions) (*SQLite, error) {
	return openSQLite(ctx, path, opts, SchemaVersion())
}

// openSQLite opens a store migrated to schema version (tests open older schemas).
func openSQLite(ctx context.Context, path string, opts SQLiteOptions, schema int) (*SQLite, error) {
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 10 * time.Second
	}
	if opts.CacheKiB <= 0 {
		opts.CacheKiB = 16384
	}
	s := &SQLite{sqliteDB: &sqliteDB{}}
	params := func(cacheKiB int, readOnly bool) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout("+strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)+")")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "cache_size(-"+strconv.Itoa(cacheKiB)+")")
		q.Add("_pragma", "temp_store(MEMORY)")
		if readOnly {
			q.Add("_pragma", "query_only(1)")
		} else {
			// Take the write lock at BEGIN: a deferred transaction that later upgrades can
			// fail with SQLITE_BUSY without waiting.
			q.Set("_txlock", "immediate")
		}
		return q.Encode()
	}
	var err error
	if path == "" || path == ":memory:" {
		// Several connections to ":memory:" would each see their own empty database; one
		// connection serves reads and writes alike.
		s.memory = true
		s.w, err = sql.Open("sqlite", ":memory:?"+params(opts.CacheKiB, false))
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		s.w.SetMaxOpenConns(1)
		s.w.SetMaxIdleConns(1)
		s.w.SetConnMaxLifetime(0)
		s.w.SetConnMaxIdleTime(0)
		s.r = s.w
	} else {
		if strings.ContainsRune(path, '?') {
			return nil, fmt.Errorf("store: open %s: path must not contain '?'", path)
		}
		// The writer sets WAL first; the mode is persistent, so readers find it.
		s.w, err = sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&"+params(opts.CacheKiB, false))
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		s.w.SetMaxOpenConns(1)
		s.w.SetMaxIdleConns(1)
		s.w.SetConnMaxLifetime(0)
		s.w.SetConnMaxIdleTime(0)
		if err := s.w.PingContext(ctx); err != nil {
			s.w.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		s.r, err = sql.Open("sqlite", path+"?"+params(max(opts.CacheKiB/4, 2048), true))
		if err != nil {
			s.w.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		s.r.SetMaxOpenConns(opts.ReadConns)
		s.r.SetMaxIdleConns(opts.ReadConns)
		s.r.SetConnMaxLifetime(0)
		s.r.SetConnMaxIdleTime(0)
	}
	if err := s.migrate(ctx, schema); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	for _, q := range writeQueries {
		if schema < SchemaVersion() {
			break // an old schema (tests) lacks some tables; its statements are prepared when used
		}
		if _, err := s.wstmts.get(ctx, s.w, q); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: open %s: prepare %q: %w", path, q, err)
		}
	}
	return s, nil
}

// Close closes the database. It runs PRAGMA optimize first so that the planner's statistics
// follow the data.
func (s *SQLite) Close() error {
	_, _ = s.w.Exec("PRAGMA optimize")
	s.rstmts.close()
	s.wstmts.close()
	var err error
	if s.r != s.w {
		err = s.r.Close()
	}
	return errors.Join(err, s.w.Close())
}

// migration is one embedded migration file, NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(migrationFS, "migrations/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := range ms {
		if ms[i].version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", ms[i].name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the newest migration this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		panic("store: " + err.Error())
	}
	return len(ms)
}

// migrationHooks finish migrations that SQL alone cannot do, in the same transaction, after
// the migration's SQL.
var migrationHooks = map[int]func(ctx context.Context, tx *wtx) error{
	6: migrateCompactOwnership,
}

// migrate applies, each in its own transaction, the migrations up to version upTo the database
// lacks. It refuses a database written by a newer binary.
func (s *SQLite) migrate(ctx context.Context, upTo int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var have int
	if err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if have > len(ms) {
		return fmt.Errorf("migrate: database schema version %d is newer than this binary's %d", have, len(ms))
	}
	for _, m := range ms[have:upTo] {
		err := s.write(ctx, func(tx *wtx) error {
			// Not through the statement cache: a migration holds many statements.
			if _, err := tx.Tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if hook := migrationHooks[m.version]; hook != nil {
				if err := hook(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
				m.version, m.name, unixNano(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return nil
}

// write runs fn in one write transaction on the writer connection.
func (s *SQLite) write(ctx context.Context, fn func(tx *wtx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	w := &wtx{Tx: tx, s: s}
	if err := fn(w); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := w.flush(ctx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// stmtCache holds prepared statements by SQL text. Parsing a statement costs as much as
// running it, so every named query (and every ListServices shape, a bounded set) is
// prepared once.
type stmtCache struct {
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool // statements being prepared in the background
}

// prepareLater prepares q on db in the background (a snapshot cannot wait for a pool
// connection to prepare: it may hold the last one); the next use finds it prepared.
func (c *stmtCache) prepareLater(db *sql.DB, q string) {
	c.mu.Lock()
	if c.pending[q] || c.m[q] != nil {
		c.mu.Unlock()
		return
	}
	if c.pending == nil {
		c.pending = map[string]bool{}
	}
	c.pending[q] = true
	c.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = c.get(ctx, db, q)
		c.mu.Lock()
		delete(c.pending, q)
		c.mu.Unlock()
	}()
}

func (c *stmtCache) get(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	if st := c.lookup(q); st != nil {
		return st, nil
	}
	// Not under the lock: preparing may wait for a connection, and a snapshot holding one
	// looks statements up here.
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok {
		_ = st.Close()
		return prev, nil
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[q] = st
	return st, nil
}

func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[q]
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// wtx is a write transaction whose ExecContext and QueryRowContext use prepared statements.
// Rows queued with queue are inserted by multi-row statements when the transaction ends (or
// earlier, by flushFor), so a batch of services costs a few statements per table, not a few
// per service.
type wtx struct {
	*sql.Tx
	s     *SQLite
	stmts map[string]*sql.Stmt
	// pending holds the queued rows' arguments per statement family; pendingFor the services
	// they belong to.
	pending    map[*rowFamily][]any
	pendingFor map[string]bool
	// nextSet is the next owned_sets id (0 until read).
	nextSet int64
	// belowDropped lists owned_below counters decremented by queued rows: flush deletes
	// those that reach zero.
	belowDropped []int64
}

// rowFamily is a multi-row INSERT in sizes of 1, 2, 4, ... maxRowsPerInsert rows.
type rowFamily struct {
	qs   []string
	cols int
}

func newRowFamily(head, row string, cols int, tail string) *rowFamily {
	return &rowFamily{qs: multiRow(head, row, tail), cols: cols}
}

// queue adds one row (len(args) == f.cols) of service's to be inserted before the
// transaction commits.
func (tx *wtx) queue(service string, f *rowFamily, args ...any) {
	if tx.pending == nil {
		tx.pending = make(map[*rowFamily][]any)
		tx.pendingFor = make(map[string]bool)
	}
	tx.pending[f] = append(tx.pending[f], args...)
	tx.pendingFor[service] = true
}

// flushFor inserts the queued rows if some are service's: a statement that reads or deletes
// service's rows must see them. Rows of other services may wait.
func (tx *wtx) flushFor(ctx context.Context, service string) error {
	if !tx.pendingFor[service] {
		return nil
	}
	return tx.flush(ctx)
}

// flush inserts every queued row, family by family in rowFamilies order.
func (tx *wtx) flush(ctx context.Context) error {
	for _, f := range rowFamilies {
		if args := tx.pending[f]; len(args) > 0 {
			if err := insertRows(ctx, tx, f.qs, f.cols, args); err != nil {
				return err
			}
		}
	}
	clear(tx.pending)
	clear(tx.pendingFor)
	for _, c := range chunk(tx.belowDropped, maxParams) {
		args := make([]any, len(c))
		for i, n := range c {
			args[i] = n
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(qDeleteOwnedBelow, placeholders(len(c))), args...); err != nil {
			return err
		}
	}
	tx.belowDropped = tx.belowDropped[:0]
	return nil
}

// newSetID returns a fresh owned_sets id: the writer is alone, so MAX(id) read once per
// transaction and counted up from is unique.
func (tx *wtx) newSetID(ctx context.Context) (int64, error) {
	if tx.nextSet == 0 {
		if err := tx.QueryRowContext(ctx, qMaxSetID).Scan(&tx.nextSet); err != nil {
			return 0, err
		}
		tx.nextSet++
	}
	id := tx.nextSet
	tx.nextSet++
	return id, nil
}

func (tx *wtx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[q]; ok {
		return st, nil
	}
	// The writer's only connection is this transaction's, so statements are prepared on the
	// database at open (writeQueries); any other is prepared for this transaction only.
	var st *sql.Stmt
	if shared := tx.s.wstmts.lookup(q); shared != nil {
		st = tx.Tx.StmtContext(ctx, shared)
	} else {
		var err error
		if st, err = tx.Tx.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
	}
	if tx.stmts == nil {
		tx.stmts = make(map[string]*sql.Stmt)
	}
	tx.stmts[q] = st
	return st, nil
}

// ExecContext runs a prepared statement in the transaction.
func (tx *wtx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	tx.s.writeStmts.Add(1)
	st, err := tx.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext runs a prepared query in the transaction.
func (tx *wtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	tx.s.writeStmts.Add(1)
	st, err := tx.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a prepared query in the transaction.
func (tx *wtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	tx.s.writeStmts.Add(1)
	st, err := tx.stmt(ctx, q)
	if err != nil {
		// sql.Row carries no constructor for an error; a failed prepare is re-raised by
		// the unprepared query.
		return tx.Tx.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// reader runs prepared queries on the read pool.
type reader struct{ s *SQLite }

// QueryContext runs a prepared query on the read pool (or in the snapshot's transaction).
func (r reader) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if v := r.s.view; v != nil {
		// Preparing on the pool would need a free connection the snapshot may be waiting for.
		if st := r.s.rstmts.lookup(q); st != nil {
			return v.StmtContext(ctx, st).QueryContext(ctx, args...)
		}
		r.s.rstmts.prepareLater(r.s.r, q)
		return v.QueryContext(ctx, q, args...)
	}
	st, err := r.s.rstmts.get(ctx, r.s.r, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a prepared query on the read pool (or in the snapshot's transaction).
func (r reader) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if v := r.s.view; v != nil {
		if st := r.s.rstmts.lookup(q); st != nil {
			return v.StmtContext(ctx, st).QueryRowContext(ctx, args...)
		}
		r.s.rstmts.prepareLater(r.s.r, q)
		return v.QueryRowContext(ctx, q, args...)
	}
	st, err := r.s.rstmts.get(ctx, r.s.r, q)
	if err != nil {
		return r.s.r.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Snapshot returns a view of the store whose reads all see one state, as of its first read
// (one read transaction), until release; writes through it go to the store as usual. A
// request's planning reads many owners: in one transaction SQLite reads the pages once,
// where separate reads each start over after any concurrent write. An in-memory store
// (one connection) is its own snapshot.
func (s *SQLite) Snapshot(ctx context.Context) (Store, func(), error) {
	if s.memory || s.view != nil {
		return s, func() {}, nil
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("store: snapshot: %w", err)
	}
	return &SQLite{sqliteDB: s.sqliteDB, view: tx}, func() { _ = tx.Rollback() }, nil
}

// read returns the prepared-statement view of the read pool.
func (s *SQLite) read() reader { return reader{s} }

// unixNano stores a time; the zero time is stored as 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNano is the inverse of unixNano; times come back in UTC.
func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// nowOr returns t, or the current time when t is zero.
func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t
}

// jsonText stores a JSON value; an empty one is stored as NULL.
func jsonText(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// rawJSON reads a JSON column.
func rawJSON(s sql.NullString) []byte {
	if !s.Valid || s.String == "" {
		return nil
	}
	return []byte(s.String)
}

// limit clamps a page size: def when n <= 0, at most max.
func limit(n, def, maxN int) int {
	if n <= 0 {
		return def
	}
	return min(n, maxN)
}

// chunk splits xs into slices of at most n (the bound on SQL parameters per statement).
func chunk[T any](xs []T, n int) [][]T {
	var out [][]T
	for len(xs) > n {
		out = append(out, xs[:n])
		xs = xs[n:]
	}
	if len(xs) > 0 {
		out = append(out, xs)
	}
	return out
}

// placeholders returns "?, ?, ?" for n parameters.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
