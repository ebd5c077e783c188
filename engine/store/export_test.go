package store

// WriteStatements returns how many statements s has run in write transactions.
func WriteStatements(s *SQLite) int64 { return s.writeStmts.Load() }

// Checkpoint copies the WAL into the database file and truncates it, so that the file size
// is the database's size.
func Checkpoint(s *SQLite) error {
	_, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// TableSize is the bytes and entries (cells, interior pages' included: approximate for rowid
// tables) of one b-tree (table or index), from dbstat.
type TableSize struct {
	Name    string
	Bytes   int64
	Entries int64
}

// TableSizes returns every b-tree's size, largest first, and the bytes of free pages.
func TableSizes(s *SQLite) ([]TableSize, int64, error) {
	rows, err := s.w.Query(`SELECT name, SUM(pgsize), SUM(ncell) FROM dbstat GROUP BY name ORDER BY 2 DESC`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []TableSize
	for rows.Next() {
		var t TableSize
		if err := rows.Scan(&t.Name, &t.Bytes, &t.Entries); err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	var free, size int64
	if err := s.w.QueryRow(`PRAGMA freelist_count`).Scan(&free); err != nil {
		return nil, 0, err
	}
	if err := s.w.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		return nil, 0, err
	}
	return out, free * size, rows.Err()
}
