-- 0001_init: services, ownership, pools, runs and journal, plans, inventory, events.
--
-- Times are INTEGER Unix nanoseconds (UTC); JSON columns are TEXT. Every request path reads
-- through an index; store_test.go checks the query plans.

CREATE TABLE services (
    id           TEXT    NOT NULL PRIMARY KEY,
    type         TEXT    NOT NULL,
    customer     TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL,
    intent       TEXT,
    pack_version TEXT    NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    last_run     TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID; -- keyed by id alone: one b-tree fewer to write and to read through
-- Keyset pagination: every filter column is followed by the sort key and the id, so a page is
-- one index range walked in order, never a sort of all matches.
CREATE INDEX services_type_id         ON services (type, id);
CREATE INDEX services_state_id        ON services (state, id);
CREATE INDEX services_customer_id     ON services (customer, id);
CREATE INDEX services_updated         ON services (updated, id);
CREATE INDEX services_type_updated    ON services (type, updated, id);
CREATE INDEX services_state_updated   ON services (state, updated, id);
CREATE INDEX services_customer_updated ON services (customer, updated, id);

-- Counters per (type, state) so that counting a type or a state does not walk an index.
CREATE TABLE service_counts (
    type  TEXT    NOT NULL,
    state TEXT    NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (type, state)
) WITHOUT ROWID;

CREATE INDEX service_counts_state ON service_counts (state, type);

CREATE TRIGGER services_count_insert AFTER INSERT ON services BEGIN
    INSERT INTO service_counts (type, state, n) VALUES (new.type, new.state, 1)
        ON CONFLICT (type, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER services_count_delete AFTER DELETE ON services BEGIN
    UPDATE service_counts SET n = n - 1 WHERE type = old.type AND state = old.state;
END;
CREATE TRIGGER services_count_update AFTER UPDATE OF type, state ON services
    WHEN old.type IS NOT new.type OR old.state IS NOT new.state BEGIN
    UPDATE service_counts SET n = n - 1 WHERE type = old.type AND state = old.state;
    INSERT INTO service_counts (type, state, n) VALUES (new.type, new.state, 1)
        ON CONFLICT (type, state) DO UPDATE SET n = n + 1;
END;

CREATE TABLE service_endpoints (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    device     TEXT NOT NULL,
    port       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (service_id, device, port)
) WITHOUT ROWID;
CREATE INDEX service_endpoints_device_port ON service_endpoints (device, port, service_id);

-- What each service owns on each target. The primary key (target, path, service_id) answers
-- Owners by equality and OwnedBelow by a range scan: "strictly below p" is
-- path > p || '/' AND path < p || '0' ('0' is the byte after '/').
CREATE TABLE owned (
    target     TEXT NOT NULL,
    path       TEXT NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    value      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (target, path, service_id)
) WITHOUT ROWID;
CREATE INDEX owned_service ON owned (service_id, target);

-- Configuration found on a target before any service created it (owner "~device"). A table
-- of its own so that owned keeps an honest foreign key to services; no service removes it.
CREATE TABLE external (
    target TEXT NOT NULL,
    path   TEXT NOT NULL,
    value  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (target, path)
) WITHOUT ROWID;

-- Pool cursors and usage, kept by the allocation triggers: Allocate tries next first, so a
-- free value is found without walking the pool.
CREATE TABLE pools (
    pool  TEXT    NOT NULL,
    scope TEXT    NOT NULL,
    next  INTEGER NOT NULL,
    used  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pool, scope)
) WITHOUT ROWID;

CREATE TABLE allocations (
    pool       TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    value      INTEGER NOT NULL,
    service_id TEXT    NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    run_id     TEXT    NOT NULL DEFAULT '',
    UNIQUE (pool, scope, value),
    UNIQUE (pool, scope, service_id, key)
);
CREATE INDEX allocations_service ON allocations (service_id);
CREATE INDEX allocations_run ON allocations (run_id) WHERE run_id <> '';

CREATE TRIGGER allocations_insert AFTER INSERT ON allocations BEGIN
    INSERT INTO pools (pool, scope, next, used) VALUES (new.pool, new.scope, new.value + 1, 1)
        ON CONFLICT (pool, scope) DO UPDATE SET next = excluded.next, used = used + 1;
END;
CREATE TRIGGER allocations_delete AFTER DELETE ON allocations BEGIN
    UPDATE pools SET used = used - 1 WHERE pool = old.pool AND scope = old.scope;
END;

-- Runs outlive their service (a delete run stays readable), so no foreign key to services.
CREATE TABLE runs (
    id         TEXT    NOT NULL PRIMARY KEY,
    service_id TEXT    NOT NULL DEFAULT '',
    kind       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    user       TEXT    NOT NULL DEFAULT '',
    plan_id    TEXT    NOT NULL DEFAULT '',
    error      TEXT    NOT NULL DEFAULT '',
    targets    TEXT,
    request    TEXT,
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL,
    finished   INTEGER
);
CREATE INDEX runs_service_created ON runs (service_id, created, id);
CREATE INDEX runs_created ON runs (created, id);
CREATE INDEX runs_unfinished ON runs (created, id) WHERE state IN ('pending', 'running');

CREATE TABLE journal (
    run_id TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    step   TEXT    NOT NULL,
    phase  TEXT    NOT NULL,
    data   TEXT,
    at     INTEGER NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE plans (
    id           TEXT    NOT NULL PRIMARY KEY,
    service_id   TEXT    NOT NULL DEFAULT '',
    kind         TEXT    NOT NULL DEFAULT '',
    hash         TEXT    NOT NULL DEFAULT '',
    base_version INTEGER NOT NULL DEFAULT 0,
    body         TEXT,
    user         TEXT    NOT NULL DEFAULT '',
    created      INTEGER NOT NULL
);

CREATE TABLE devices (
    name   TEXT    NOT NULL PRIMARY KEY,
    vendor TEXT    NOT NULL DEFAULT '',
    nms    TEXT    NOT NULL DEFAULT '',
    data   TEXT,
    seen   INTEGER NOT NULL
);

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT    NOT NULL,
    service_id TEXT    NOT NULL DEFAULT '',
    run_id     TEXT    NOT NULL DEFAULT '',
    data       TEXT,
    at         INTEGER NOT NULL
);
