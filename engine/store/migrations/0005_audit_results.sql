-- 0005_audit_results: the latest audit outcome of each service (compliance reports), with
-- counters per outcome kept by triggers so that a summary reads two rows, not one per service.

CREATE TABLE audit_results (
    service_id TEXT    NOT NULL PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
    in_sync    INTEGER NOT NULL,
    user       TEXT    NOT NULL DEFAULT '',
    drift      TEXT,
    at         INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit_counts (
    in_sync INTEGER NOT NULL PRIMARY KEY,
    n       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER audit_results_insert AFTER INSERT ON audit_results BEGIN
    INSERT INTO audit_counts (in_sync, n) VALUES (new.in_sync, 1)
        ON CONFLICT (in_sync) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER audit_results_delete AFTER DELETE ON audit_results BEGIN
    UPDATE audit_counts SET n = n - 1 WHERE in_sync = old.in_sync;
END;
CREATE TRIGGER audit_results_update AFTER UPDATE OF in_sync ON audit_results
    WHEN old.in_sync IS NOT new.in_sync BEGIN
    UPDATE audit_counts SET n = n - 1 WHERE in_sync = old.in_sync;
    INSERT INTO audit_counts (in_sync, n) VALUES (new.in_sync, 1)
        ON CONFLICT (in_sync) DO UPDATE SET n = n + 1;
END;
