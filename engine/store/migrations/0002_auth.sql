-- 0002_auth: bearer tokens (only their SHA-256 is kept) and the audit log of who did what.

CREATE TABLE tokens (
    id        TEXT    NOT NULL PRIMARY KEY,
    hash      BLOB    NOT NULL UNIQUE,
    name      TEXT    NOT NULL,
    role      TEXT    NOT NULL CHECK (role IN ('admin', 'designer', 'operator', 'viewer')),
    created   INTEGER NOT NULL,
    last_used INTEGER NOT NULL DEFAULT 0,
    revoked   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_name ON tokens (name);

CREATE TABLE audit (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    user   TEXT    NOT NULL DEFAULT '',
    role   TEXT    NOT NULL DEFAULT '',
    action TEXT    NOT NULL,
    object TEXT    NOT NULL DEFAULT '',
    detail TEXT,
    at     INTEGER NOT NULL
);
CREATE INDEX audit_user ON audit (user, seq);
CREATE INDEX audit_object ON audit (object, seq);
