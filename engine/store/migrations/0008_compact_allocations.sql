-- 0008_compact_allocations: allocations keyed by (pool, scope, value) WITHOUT ROWID, with one
-- index by service (lookups by key, a service's list, the cascade from services) and the
-- partial index by run. The rowid table had four indexes besides itself: two entries fewer
-- per allocation, about 60 bytes each.
--
-- DROP TABLE fires no trigger, and the copy is made before the new table has any: the pool
-- counters are left as they are.

CREATE TABLE allocations_new (
    pool       TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    value      INTEGER NOT NULL,
    service_id TEXT    NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    run_id     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (pool, scope, value)
) WITHOUT ROWID;

INSERT INTO allocations_new (pool, scope, value, service_id, key, run_id)
    SELECT pool, scope, value, service_id, key, run_id FROM allocations;

DROP TABLE allocations;
ALTER TABLE allocations_new RENAME TO allocations;

CREATE UNIQUE INDEX allocations_service_key ON allocations (service_id, pool, scope, key);
CREATE INDEX allocations_run ON allocations (run_id) WHERE run_id <> '';

CREATE TRIGGER allocations_insert AFTER INSERT ON allocations BEGIN
    INSERT INTO pools (pool, scope, next, used) VALUES (new.pool, new.scope, new.value + 1, 1)
        ON CONFLICT (pool, scope) DO UPDATE SET next = excluded.next, used = used + 1;
END;
CREATE TRIGGER allocations_delete AFTER DELETE ON allocations BEGIN
    UPDATE pools SET used = used - 1 WHERE pool = old.pool AND scope = old.scope;
END;
