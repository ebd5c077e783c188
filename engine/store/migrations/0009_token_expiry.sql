-- 0009_token_expiry: a token may expire (unix nanoseconds; 0 never). Active tokens (neither
-- revoked nor expired) have unique names; the store checks it when it creates one, because
-- whether a token has expired depends on the time. The partial index serves that check and
-- the count of active admins that refuses revoking the last one.

ALTER TABLE tokens ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_unrevoked ON tokens (name, role) WHERE revoked = 0;
