-- 0010_audit_jobs: audits at scale. An audit job audits a scope of services (one, a device's,
-- a filter's or all) in the background; its per-service results are kept with it, and each
-- service's latest outcome gains a status ("in-sync", "drifted" or "unknown": a target that
-- could not be read is neither in sync nor drifted), counted per status by triggers.
-- Schedules start jobs periodically.

-- The owned sets of one target, for an audit that reads a target once for all its services.
CREATE INDEX owned_sets_target ON owned_sets (target, service_id);

ALTER TABLE audit_results ADD COLUMN status TEXT NOT NULL DEFAULT '';
UPDATE audit_results SET status = CASE in_sync WHEN 1 THEN 'in-sync' ELSE 'drifted' END;

DROP TRIGGER audit_results_insert;
DROP TRIGGER audit_results_delete;
DROP TRIGGER audit_results_update;
DROP TABLE audit_counts;

CREATE TABLE audit_status_counts (
    status TEXT    NOT NULL PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO audit_status_counts (status, n) SELECT status, COUNT(*) FROM audit_results GROUP BY status;

CREATE TRIGGER audit_results_insert AFTER INSERT ON audit_results BEGIN
    INSERT INTO audit_status_counts (status, n) VALUES (new.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER audit_results_delete AFTER DELETE ON audit_results BEGIN
    UPDATE audit_status_counts SET n = n - 1 WHERE status = old.status;
END;
CREATE TRIGGER audit_results_update AFTER UPDATE OF status ON audit_results
    WHEN old.status IS NOT new.status BEGIN
    UPDATE audit_status_counts SET n = n - 1 WHERE status = old.status;
    INSERT INTO audit_status_counts (status, n) VALUES (new.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

-- Jobs outlive the services they audited (no foreign key); their scope is JSON.
CREATE TABLE audit_jobs (
    id          TEXT    NOT NULL PRIMARY KEY,
    scope       TEXT    NOT NULL,
    schedule_id TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL,
    user        TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    services    INTEGER NOT NULL DEFAULT 0,
    in_sync     INTEGER NOT NULL DEFAULT 0,
    drifted     INTEGER NOT NULL DEFAULT 0,
    unknown     INTEGER NOT NULL DEFAULT 0,
    targets     INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    created     INTEGER NOT NULL,
    started     INTEGER NOT NULL DEFAULT 0,
    finished    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audit_jobs_created ON audit_jobs (created, id);

CREATE TABLE audit_job_results (
    job_id     TEXT NOT NULL REFERENCES audit_jobs (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    drift      TEXT,
    PRIMARY KEY (job_id, service_id)
) WITHOUT ROWID;
CREATE INDEX audit_job_results_status ON audit_job_results (job_id, status, service_id);

CREATE TABLE audit_schedules (
    id       TEXT    NOT NULL PRIMARY KEY,
    scope    TEXT    NOT NULL,
    every    INTEGER NOT NULL, -- nanoseconds
    next_at  INTEGER NOT NULL,
    user     TEXT    NOT NULL DEFAULT '',
    created  INTEGER NOT NULL,
    last_job TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_schedules_next ON audit_schedules (next_at, id);

-- The sync state of each target at its latest audit: out-of-sync when a service there drifted
-- or its history shows a commit by someone else since, unknown when it could not be read. A deploy gate reads it (audit.Auditor.CheckTargets).
CREATE TABLE target_sync (
    target   TEXT    NOT NULL PRIMARY KEY,
    state    TEXT    NOT NULL,
    services INTEGER NOT NULL DEFAULT 0,
    drifted  INTEGER NOT NULL DEFAULT 0,
    error    TEXT    NOT NULL DEFAULT '',
    detail   TEXT    NOT NULL DEFAULT '', -- what changed and by whom (a commit behind xprov's back)
    job      TEXT    NOT NULL DEFAULT '',
    at       INTEGER NOT NULL
);
