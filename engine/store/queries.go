package store

import "strings"

// Named queries. Values are always bound parameters; the only SQL built at run time is
// ListServices' WHERE and ORDER BY, assembled from the fixed fragments in services.go, and
// the placeholder lists of batched IN queries.
const (
	qServiceCols = `s.id, s.type, s.customer, s.state, s.intent, s.pack_version, s.version, s.created, s.updated, s.last_run`

	qGetService        = `SELECT ` + qServiceCols + ` FROM services s WHERE s.id = ?`
	qServiceEndpoints  = `SELECT device, port FROM service_endpoints WHERE service_id = ? ORDER BY device, port`
	qInsertPlaceholder = `INSERT INTO services (id, type, customer, state, intent, pack_version, version, created, updated, last_run)
		VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`
	qPutServiceState = `UPDATE services SET state = ?, updated = ?,
		last_run = CASE WHEN ? <> '' THEN ? ELSE last_run END WHERE id = ?`
	qDeleteService   = `DELETE FROM services WHERE id = ?`
	qDeleteEndpoints = `DELETE FROM service_endpoints WHERE service_id = ?`
	// Batched reads and deletes of Record, RecordBatch and Reserve (%s: placeholders).
	qServiceVersions   = `SELECT id, version FROM services WHERE id IN (%s)`
	qDeleteEndpointsOf = `DELETE FROM service_endpoints WHERE service_id IN (%s)`
	qAllocsOfServices  = `SELECT pool, scope, service_id, key, value FROM allocations WHERE service_id IN (%s)`
	qAllocHolder       = `SELECT service_id FROM allocations WHERE pool = ? AND scope = ? AND value = ?`
	qInsertEndpoint    = `INSERT OR IGNORE INTO service_endpoints (service_id, device, port) VALUES (?, ?, ?)`
	qCountByType       = `SELECT COALESCE(SUM(n), 0) FROM service_counts WHERE type = ?`
	qCountByState      = `SELECT COALESCE(SUM(n), 0) FROM service_counts WHERE state = ?`
	qCountByBoth       = `SELECT COALESCE(SUM(n), 0) FROM service_counts WHERE type = ? AND state = ?`
	qCountAll          = `SELECT COALESCE(SUM(n), 0) FROM service_counts`

	qInsertExternal = `INSERT OR IGNORE INTO external (target, path, value) VALUES (?, ?, ?)`
	qOwnedExternal  = `SELECT target, path, value FROM external ORDER BY target, path`
	qOwnersExternal = `SELECT path, value FROM external WHERE target = ? AND path IN (%s)`
	qExternalBelow  = `SELECT 1 FROM external WHERE target = ? AND path > ? AND path < ? LIMIT 1`

	// Ownership (ownership.go, migration 0006).
	qMaxSetID       = `SELECT COALESCE(MAX(id), 0) FROM owned_sets`
	qOwnedSetOf     = `SELECT id, leaves FROM owned_sets WHERE service_id = ? AND target = ?`
	qOwnedSetsOf    = `SELECT id, target, leaves FROM owned_sets WHERE service_id = ? ORDER BY target`
	qOwnedSetByID   = `SELECT service_id, target, leaves FROM owned_sets WHERE id = ?`
	qUpdateOwnedSet = `UPDATE owned_sets SET leaves = ? WHERE id = ?`
	qDeleteOwnedSet = `DELETE FROM owned_sets WHERE id = ?`
	// qOwnerNext is the first two holders after (value, set) of a node other than a set:
	// called with the last value and the largest set id, it skips to the node's next distinct
	// value. Two rows answer a node with one holder, or two values, in one probe.
	// ?5 is a JSON array of further set ids to pass over (the sets of a batch's earlier
	// requests, see Owners): the index walk skips them without a statement per holder.
	qOwnerNext       = `SELECT value, set_id FROM owned_nodes WHERE node = ?1 AND (value, set_id) > (?2, ?3) AND set_id <> ?4 AND set_id NOT IN (SELECT value FROM json_each(?5)) ORDER BY value, set_id LIMIT 2`
	qDeleteOwnedNode = `DELETE FROM owned_nodes WHERE node = ? AND value = ? AND set_id = ?`
	// qOwnerFirst is qOwnerNext from the start of a node, for one of several paths (?: its
	// index) in one statement: ownersFirstSQL joins them with UNION ALL.
	qOwnerFirst       = `SELECT * FROM (SELECT ? AS i, value, set_id FROM owned_nodes WHERE node = ? AND set_id <> ? AND set_id NOT IN (SELECT value FROM json_each(?)) ORDER BY value, set_id LIMIT 2)`
	// qSetIDsOf is the ids of the sets of several services (a JSON array) on a target.
	qSetIDsOf = `SELECT id FROM owned_sets WHERE target = ? AND service_id IN (SELECT value FROM json_each(?))`
	qOwnedBelowCounts = `SELECT node, n FROM owned_below WHERE node IN (%s)`
	// qDeleteOwnedBelow drops the counters that fell to zero (wtx.flush, %s: placeholders).
	qDeleteOwnedBelow = `DELETE FROM owned_below WHERE node IN (%s) AND n <= 0`

	qAllocLookup = `SELECT value FROM allocations WHERE pool = ? AND scope = ? AND service_id = ? AND key = ?`
	qAllocTaken  = `SELECT 1 FROM allocations WHERE pool = ? AND scope = ? AND value = ?`
	qPoolCursor  = `SELECT next FROM pools WHERE pool = ? AND scope = ?`
	// qAllocGap finds the end of the run of taken values that starts at or after ?: the first
	// taken value in [?, ?) whose successor is free. It walks the (pool, scope, value) index.
	qAllocGap = `SELECT a.value + 1 FROM allocations a WHERE a.pool = ?1 AND a.scope = ?2 AND a.value >= ?3 AND a.value < ?4
		AND NOT EXISTS (SELECT 1 FROM allocations b WHERE b.pool = ?1 AND b.scope = ?2 AND b.value = a.value + 1)
		ORDER BY a.value LIMIT 1`
	qAllocInsert   = `INSERT INTO allocations (pool, scope, value, service_id, key, run_id) VALUES (?, ?, ?, ?, ?, ?)`
	qAllocRelease  = `DELETE FROM allocations WHERE pool = ? AND scope = ? AND service_id = ? AND key = ?`
	qAllocByServ   = `SELECT pool, scope, key, value, service_id, run_id FROM allocations WHERE service_id = ? ORDER BY pool, scope, key`
	qAllocByRunDel = `DELETE FROM allocations WHERE run_id = ? AND run_id <> ''`
	qPoolUsage     = `SELECT pool, scope, used FROM pools ORDER BY pool, scope`

	qRunCols   = `id, service_id, kind, state, user, plan_id, error, targets, request, created, updated, finished`
	qInsertRun = `INSERT INTO runs (` + qRunCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateRun = `UPDATE runs SET service_id = ?, kind = ?, state = ?, user = ?, plan_id = ?, error = ?, targets = ?,
		request = COALESCE(?, request), updated = ?, finished = ? WHERE id = ?`
	qGetRun         = `SELECT ` + qRunCols + ` FROM runs WHERE id = ?`
	qRunsByService  = `SELECT ` + qRunCols + ` FROM runs WHERE service_id = ? AND (created, id) < (?, ?) ORDER BY created DESC, id DESC LIMIT ?`
	qRunsAll        = `SELECT ` + qRunCols + ` FROM runs WHERE (created, id) < (?, ?) ORDER BY created DESC, id DESC LIMIT ?`
	qUnfinishedRuns = `SELECT ` + qRunCols + ` FROM runs WHERE state IN ('pending', 'running') ORDER BY created, id`
	qJournalNextSeq = `SELECT COALESCE(MAX(seq), 0) + 1 FROM journal WHERE run_id = ?`
	qInsertJournal  = `INSERT INTO journal (run_id, seq, step, phase, data, at) VALUES (?, ?, ?, ?, ?, ?)`
	qJournal        = `SELECT run_id, seq, step, phase, data, at FROM journal WHERE run_id = ? ORDER BY seq`
	qSavePlan       = `INSERT INTO plans (id, service_id, kind, hash, base_version, body, user, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	qGetPlan        = `SELECT id, service_id, kind, hash, base_version, body, user, created FROM plans WHERE id = ?`
	qUpsertDevice   = `INSERT INTO devices (name, vendor, nms, data, seen) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET vendor = excluded.vendor, nms = excluded.nms, data = excluded.data, seen = excluded.seen`
	qGetDevice   = `SELECT name, vendor, nms, data, seen FROM devices WHERE name = ?`
	qListDevices = `SELECT name, vendor, nms, data, seen FROM devices ORDER BY name`
	qPortUsers   = `SELECT service_id FROM service_endpoints WHERE device = ? AND port = ? ORDER BY service_id LIMIT ?`
	qInsertEvent = `INSERT INTO events (type, service_id, run_id, data, at) VALUES (?, ?, ?, ?, ?)`
	qEventsAfter = `SELECT seq, type, service_id, run_id, data, at FROM events WHERE seq > ? ORDER BY seq LIMIT ?`
)

// Multi-row inserts: queued rows (wtx.queue) go in statements of 1, 2, 4, ...
// maxRowsPerInsert rows instead of one statement per row (the per-statement cost in
// database/sql and the driver is as large as the b-tree work).
const maxRowsPerInsert = 128

var (
	insEndpoints = newRowFamily(`INSERT OR IGNORE INTO service_endpoints (service_id, device, port) VALUES `, `(?, ?, ?)`, 3, "")
	insSets      = newRowFamily(`INSERT INTO owned_sets (id, service_id, target, leaves) VALUES `, `(?, ?, ?, ?)`, 4, "")
	insNodes     = newRowFamily(`INSERT INTO owned_nodes (node, value, set_id) VALUES `, `(?, ?, ?)`, 3, "")
	// insBelow adds n (1 or -1) to prefix counters; see qDeleteOwnedBelow.
	insBelow = newRowFamily(`INSERT INTO owned_below (node, n) VALUES `, `(?, ?)`, 2,
		` ON CONFLICT (node) DO UPDATE SET n = n + excluded.n`)
	insServices = newRowFamily(`INSERT INTO services (id, type, customer, state, intent, pack_version, version, created, updated, last_run) VALUES `,
		`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, 10, ` ON CONFLICT (id) DO UPDATE SET type = excluded.type, customer = excluded.customer,
			state = excluded.state, intent = excluded.intent, pack_version = excluded.pack_version, version = excluded.version,
			updated = excluded.updated, last_run = excluded.last_run`)
	insPlaceholders = newRowFamily(`INSERT INTO services (id, type, customer, state, intent, pack_version, version, created, updated, last_run) VALUES `,
		`(?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`, 9, "")
	insAllocations = newRowFamily(`INSERT INTO allocations (pool, scope, value, service_id, key, run_id) VALUES `, `(?, ?, ?, ?, ?, ?)`, 6, "")
	insRuns        = newRowFamily(`INSERT INTO runs (`+qRunCols+`) VALUES `, `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, 12,
		` ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, kind = excluded.kind, state = excluded.state,
			user = excluded.user, plan_id = excluded.plan_id, error = excluded.error, targets = excluded.targets,
			request = COALESCE(excluded.request, request), updated = excluded.updated, finished = excluded.finished`)
	insEvents = newRowFamily(`INSERT INTO events (type, service_id, run_id, data, at) VALUES `, `(?, ?, ?, ?, ?)`, 5, "")
	// rowFamilies is the order in which queued rows are flushed: services before the rows
	// that refer to them.
	rowFamilies = []*rowFamily{insServices, insPlaceholders, insEndpoints, insSets, insNodes, insBelow, insAllocations, insRuns, insEvents}
)

// multiRow returns the statements inserting 1, 2, 4, ... maxRowsPerInsert rows (head, the
// rows, tail), by log2 of the row count.
func multiRow(head, row, tail string) []string {
	var qs []string
	for n := 1; n <= maxRowsPerInsert; n *= 2 {
		qs = append(qs, head+strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")+tail)
	}
	return qs
}

// writeQueries are prepared on the writer connection when the store opens.
var writeQueries = func() []string {
	qs := []string{
		qInsertPlaceholder, qPutServiceState, qDeleteService, qDeleteEndpoints,
		qInsertEndpoint, qInsertExternal, qMaxSetID, qOwnedSetOf, qOwnedSetsOf, qUpdateOwnedSet, qDeleteOwnedSet,
		qDeleteOwnedNode, qAllocLookup, qAllocTaken, qPoolCursor,
		qAllocGap, qAllocInsert, qAllocRelease, qAllocByRunDel, qInsertRun, qUpdateRun, qJournalNextSeq,
		qInsertJournal, qSavePlan, qUpsertDevice, qInsertEvent,
	}
	for _, f := range rowFamilies {
		qs = append(qs, f.qs...)
	}
	return qs
}()
