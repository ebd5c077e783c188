-- 0004_idempotency: the responses of creates sent with an Idempotency-Key, per user and key,
-- so that a retry after a restart still gets the first response (the same run). Expired rows
-- are pruned through the expires index.

CREATE TABLE idempotency (
    user        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint BLOB    NOT NULL, -- SHA-256 of the request the key was first used with
    status      INTEGER NOT NULL,
    header      TEXT,             -- JSON object of the response headers to replay
    body        BLOB,
    created     INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    PRIMARY KEY (user, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_expires ON idempotency (expires);
